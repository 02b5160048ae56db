"""Datasette's errors answered without a costly log: no traceback with locals for a 404.

Datasette's default ``handle_exception`` prints every exception, a 404 or a 403 included,
with rich and ``show_locals=True`` when rich is installed (it is, for the CLI), in the
server's event loop: 1.2 to 1.7 s of CPU per error page on the archive (its metadata is
among the locals), which holds up every other request meanwhile, so a loop of requests for
a missing row kept the server busy. :func:`quiet_errors` turns that off; an unexpected
error (500) is still printed, as a plain traceback (Datasette does that itself).
"""

from __future__ import annotations

__all__ = ["quiet_errors"]


def quiet_errors() -> None:
    """Make Datasette's default exception handler skip rich's traceback with locals."""
    import datasette.handle_exception as handler

    handler.rich = None
