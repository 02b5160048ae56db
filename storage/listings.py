"""What discovery found for each ``site`` source, and what a listing said of a page.

``source_listings`` keeps, per source, the listing its discovery settled on (a feed, a
sitemap, or the page's own article links), when it was found and whether it still works;
the ``site`` spider reads it at the start of a crawl and the crawl writes it at its end.
``pages.title``, ``published_at`` and ``publisher`` keep what a feed said of a page that
did not become an article (a Google News item whose publisher URL could not be found), so
the analyst still sees that the story exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from storage.connection import Reader
from storage.formats import utcnow

__all__ = ["Remembered", "keep_listed", "remember", "remembered", "listing_failed"]


@dataclass(frozen=True)
class Remembered:
    """The listing a ``site`` source's discovery settled on."""

    url: str
    kind: str  # feed | sitemap | links
    format: str | None = None
    last_error: str | None = None


def remembered(db: Reader, source: str) -> Remembered | None:
    """The listing remembered for *source*, if any."""
    known = "select 1 from sqlite_master where type = 'table' and name = 'source_listings'"
    if db.execute(known).fetchone() is None:
        return None
    row = db.execute(
        "select url, kind, format, last_error from source_listings where source = ?", [source]
    ).fetchone()
    return Remembered(*row) if row else None


def remember(
    db: sqlite_utils.Database, source: str, *, site: str, url: str, kind: str, fmt: str | None
) -> None:
    """Record that *source*'s listing at *url* worked in this crawl (found now or before)."""
    now = utcnow()
    before = remembered(db, source)
    same = before is not None and before.url == url and before.kind == kind
    found_at = None
    if same:
        row = db.execute(
            "select found_at from source_listings where source = ?", [source]
        ).fetchone()
        found_at = row[0] if row else None
    db.table("source_listings").upsert(
        {
            "source": source,
            "site": site,
            "url": url,
            "kind": kind,
            "format": fmt,
            "found_at": found_at or now,
            "last_ok_at": now,
            "last_error": None,
        },
        pk="source",
    )


def listing_failed(db: sqlite_utils.Database, source: str, error: str) -> None:
    """Record that *source*'s remembered listing stopped working (and nothing replaced it)."""
    if remembered(db, source) is None:
        return
    db.execute(
        "update source_listings set last_failed_at = ?, last_error = ? where source = ?",
        [utcnow(), error[:500], source],
    )


def keep_listed(db: sqlite_utils.Database, url: str, hints: dict[str, Any]) -> None:
    """What the listing said of the page at *url* (its ``pages`` row): title, date and
    publisher, for a page that did not become an article."""
    values = {
        key: str(hints[key])[:500]
        for key in ("title", "published_at", "publisher")
        if hints.get(key)
    }
    if values:
        sets = ", ".join(f"{key} = ?" for key in values)
        db.execute(f"update pages set {sets} where url = ?", [*values.values(), url])
