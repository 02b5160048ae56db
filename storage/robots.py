"""robots.txt remembered across crawls: the ``robots_txt`` table (migration m012).

A crawl reads a host's robots.txt from here when it was fetched less than *max_age*
seconds ago, instead of asking the host again; what a crawl fetched is stored at its end.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import sqlite_utils

from storage.connection import Reader
from storage.formats import utcnow

__all__ = ["remembered", "remember"]


def remembered(db: Reader, host: str, max_age: float) -> bytes | None:
    """The body of *host*'s robots.txt if it was fetched less than *max_age* seconds ago
    (*host*: ``scheme://netloc``), else None. *db* is a :class:`sqlite_utils.Database`."""
    if max_age <= 0:
        return None
    since = (datetime.now(UTC) - timedelta(seconds=max_age)).isoformat(timespec="seconds")
    row = db.execute(
        "select body from robots_txt where host = ? and fetched_at > ?", [host, since]
    ).fetchone()
    return None if row is None else bytes(row[0] or b"")


def remember(db: sqlite_utils.Database, fetched: Mapping[str, tuple[int, bytes]]) -> None:
    """Store what a crawl fetched: host -> (HTTP status, body), inside the caller's
    transaction."""
    now = utcnow()
    db.conn.executemany(
        "insert or replace into robots_txt (host, status, body, fetched_at) values (?, ?, ?, ?)",
        [(host, status, body, now) for host, (status, body) in fetched.items()],
    )
