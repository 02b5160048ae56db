"""Times and scores as people read them, for the reader's pages.

An archive time is ISO 8601 in UTC (``2026-12-06T12:18:24+00:00``): it reads ``6 Dec 2026,
12:18 UTC`` (the date alone when it has no time of day; the rule is
:func:`storage.formats.readable_time`, which the command line shares). A score from
0 to 1 (``0.9983``) reads with two decimals (:func:`readable_score`); the exact value stays
in the cell's title, for whoever wants it. The templates have them as the filters
``cw_time``, ``cw_day`` and ``cw_score`` (:func:`prepare_jinja2_environment`).
"""

from __future__ import annotations

from typing import Any

from storage.formats import readable_day, readable_time
from storage.web.hooks import hookimpl

__all__ = ["prepare_jinja2_environment", "readable_day", "readable_score", "readable_time"]


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
