"""The archive's migrations from m016 on, in order (:mod:`storage.migrations` has the rules)."""

from __future__ import annotations
