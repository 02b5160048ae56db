"""The digest's "Changed or removed since yesterday": the versions revisits wrote that day.

Read from ``article_versions`` (:func:`storage.revisits.changes_since`); empty on a day
without changes, and the renderers then show nothing of it (the usual digest is unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from storage.connection import Reader
from storage.outputs.text import local_time, safe_link
from storage.revisits import changes_since
from storage.selection import day_start_utc

__all__ = ["ChangeNote", "changes_of_day"]

MAX_CHANGES = 50


@dataclass(frozen=True)
class ChangeNote:
    """One change of an article seen by a revisit on the digest's day."""

    url: str
    title: str
    source: str
    kinds: tuple[str, ...]
    summary: str
    seen: str  # local time of the revisit that saw it
    href: str | None  # the article's URL when it is a safe http(s) link
    page: str | None  # its page in Datasette (with its history), when the digest links there


def changes_of_day(
    db: Reader, day: date, *, tz: ZoneInfo, article_pages: str | None = None
) -> tuple[ChangeNote, ...]:
    start = day_start_utc(day, tz).isoformat()
    end = day_start_utc(day + timedelta(days=1), tz).isoformat()
    return tuple(
        ChangeNote(
            url=row["url"],
            title=" ".join(str(row["title"]).split()),
            source=row["source"],
            kinds=tuple(row["kinds"]),
            summary=row["summary"],
            seen=local_time(row["fetched_at"], tz, row["fetched_at"]),
            href=safe_link(row["url"]),
            page=f"{article_pages}/{row['id']}" if article_pages else None,
        )
        for row in reversed(changes_since(db, start, MAX_CHANGES, until=end))
    )
