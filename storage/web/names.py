"""The names culturewatch is served under in Datasette, shared by serve.py and the plugins.

A leaf module (it imports nothing), so that :mod:`storage.web.serve`, which registers the
plugins, and the plugins, which read these names, import it without importing each other.
"""

from __future__ import annotations

__all__ = ["DATABASE_NAME", "PLUGIN"]

DATABASE_NAME = "culturewatch"  # the archive is always served as /culturewatch
PLUGIN = "culturewatch"  # the plugin configuration (themes, concepts) in Datasette's metadata
