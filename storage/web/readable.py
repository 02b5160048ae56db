"""Times and scores as people read them, for the reader's pages.

An archive time is ISO 8601 in UTC (``2026-12-06T12:18:24+00:00``): :func:`readable_time`
reads ``6 Dec 2026, 12:18 UTC`` (the date alone when it has no time of day). A score from
0 to 1 (``0.9983``) reads with two decimals (:func:`readable_score`); the exact value stays
in the cell's title, for whoever wants it. The templates have them as the filters
``cw_time``, ``cw_day`` and ``cw_score`` (:func:`prepare_jinja2_environment`).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from storage.formats import parse_iso
from storage.web.hooks import hookimpl

__all__ = ["prepare_jinja2_environment", "readable_day", "readable_score", "readable_time"]


def readable_time(value: object) -> str:
    """``6 Dec 2026, 12:18 UTC``; ``""`` for nothing, the value itself when not a time."""
    if value is None or value == "":
        return ""
    when = parse_iso(value)
    if when is None:
        return str(value)
    if isinstance(value, str) and len(value.strip()) == 10:  # a day, no time of day
        return f"{when.day} {when:%b %Y}"
    when = when.astimezone(UTC)
    return f"{when.day} {when:%b %Y, %H:%M} UTC"


def readable_day(value: object) -> str:
    """``6 Dec 2026``; ``""`` for nothing, the value itself when not a date."""
    when = parse_iso(value) if value not in (None, "") else None
    return f"{when.day} {when:%b %Y}" if when is not None else str(value or "")


def readable_score(value: object) -> str:
    """A score with two decimals (``1.00``, ``0.42``); ``""`` for nothing."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    return f"{value:.2f}"


@hookimpl()
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    env.filters["cw_time"] = readable_time
    env.filters["cw_day"] = readable_day
    env.filters["cw_score"] = readable_score
