"""Time stamps of the digest: parsing the archive's ISO 8601 values, days in a time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["day_start_utc", "instant", "local_time", "published_day", "utc_iso"]


def instant(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive means UTC), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def published_day(value: Any, tz: ZoneInfo) -> date | None:
    """The day (in *tz*) an article was published; a bare date is taken as written."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    parsed = instant(value)
    return parsed.astimezone(tz).date() if parsed else None


def day_start_utc(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of *day* in *tz*, in UTC."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def utc_iso(moment: datetime) -> str:
    """*moment* as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_time(value: str | None, tz: ZoneInfo, fallback: str) -> str:
    """*value* for a reader: a bare date as written, a timestamp as local time in *tz* with
    the zone's abbreviation, *fallback* when it does not parse."""
    if value and len(value.strip()) == 10:
        return value.strip()
    moment = instant(value)
    if moment is None:
        return fallback
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {tz.key if tz.key == 'UTC' else local.strftime('%Z')}".strip()
