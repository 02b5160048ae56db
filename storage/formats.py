"""Shared formats: timestamps and JSON columns, the same for every layer.

Every time stored in the archive is ISO 8601 in UTC with seconds precision
(``2026-03-04T09:00:00+00:00``); a bare date (``2026-03-04``) is kept as a date.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, overload

__all__ = ["json_column", "parse_iso", "readable_day", "readable_time", "to_utc_iso", "utcnow"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def utcnow() -> str:
    """Now, as ISO 8601 in UTC with seconds precision."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_iso(value: object) -> datetime | None:
    """An ISO 8601 time as an aware datetime, or None: the one parser of stored times.

    - only a string parses (None, a number, a datetime: None), with its surrounding
      whitespace ignored; a blank string or one that is not ISO 8601 gives None;
    - ``Z`` stands for ``+00:00`` (UTC);
    - a time without an offset (naive) is taken as UTC;
    - a bare date (``2026-03-04``) is its midnight in UTC (callers that show a bare date as
      a date, the digest's, test for one before parsing).
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@overload
def to_utc_iso(value: datetime) -> str: ...
@overload
def to_utc_iso(value: str | datetime | None) -> str | None: ...
def to_utc_iso(value: str | datetime | None) -> str | None:
    """ISO 8601 in UTC (``YYYY-MM-DDTHH:MM:SS+00:00``), or a bare date kept as a date.

    A string is read by :func:`parse_iso` (None when it does not parse); a naive datetime is
    taken as UTC."""
    if not isinstance(value, (str, datetime)) or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if _DATE.fullmatch(text):
            return text
        parsed = parse_iso(text)
        if parsed is None:
            return None
        value = parsed
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def readable_time(value: object) -> str:
    """A stored time as people read it, ``6 Dec 2026, 12:18 UTC`` (a bare date: ``6 Dec
    2026``); ``""`` for nothing, the value itself when it is not a time."""
    if value is None or value == "":
        return ""
    when = parse_iso(value)
    if when is None:
        return str(value)
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):  # a day, no time of day
        return readable_day(value)
    when = when.astimezone(UTC)
    return f"{when.day} {when:%b %Y, %H:%M} UTC"


def readable_day(value: object) -> str:
    """``6 Dec 2026``; ``""`` for nothing, the value itself when not a date."""
    when = parse_iso(value) if value not in (None, "") else None
    return f"{when.day} {when:%b %Y}" if when is not None else str(value or "")


def json_column(value: Any) -> Any:
    """A list, tuple or dict as the JSON text stored in a column; anything else as it is."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
