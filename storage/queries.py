"""The read side of the archive: named queries, the only SQL that reads it outside the writer.

Two kinds of functions:

- over an open :class:`sqlite_utils.Database` (the first argument, ``db``), used by the
  :class:`storage.archive.Archive` writer on its own connection during a crawl;
- over the archive at a path (the first argument, ``path``), opened read-only with
  :func:`storage.connection.reading`, for callers above storage (``culturewatch sources``,
  the scheduler): they need no connection of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from storage.connection import Reader, reading
from storage.formats import utcnow
from storage.pages import FINAL_OUTCOMES

__all__ = [
    "SourceHealth",
    "archived_sources",
    "count",
    "duplicate_of",
    "has_article",
    "iter_articles",
    "known_urls",
    "latest_run",
    "source_states",
    "validators",
    "written_between",
]


# --------------------------------------------------------------------- over an open database
def known_urls(db: Reader, urls: Iterable[str], *, now: str | None = None) -> set[str]:
    """The subset of *urls* not to fetch now: archived, fetched with a final outcome,
    or failed and not due again before ``retry_at`` (RetryPolicy)."""
    urls = list(dict.fromkeys(urls))
    found: set[str] = set()
    marks = ",".join("?" * len(FINAL_OUTCOMES))
    now = now or utcnow()
    for start in range(0, len(urls), 400):
        chunk = urls[start : start + 400]
        qs = ",".join("?" * len(chunk))
        found.update(
            row[0]
            for row in db.execute(
                f"select url from articles where url in ({qs}) "
                f"union select url from pages where url in ({qs}) "
                f"and (outcome in ({marks}) or retry_at > ?)",
                [*chunk, *chunk, *FINAL_OUTCOMES, now],
            )
        )
    return found


def has_article(db: Reader, url: str) -> bool:
    return db.execute("select 1 from articles where url = ? limit 1", [url]).fetchone() is not None


def article_id(db: Reader, url: str) -> int | None:
    """The id of the article at *url*, if archived."""
    row = db.execute("select id from articles where url = ?", [url]).fetchone()
    return int(row[0]) if row else None


def duplicate_of(db: Reader, fingerprint: str, url: str) -> str | None:
    """URL of another article with the same text fingerprint, if any."""
    row = db.execute(
        "select url from articles where fingerprint = ? and url != ? limit 1",
        [fingerprint, url],
    ).fetchone()
    return row[0] if row else None


def validators(db: Reader, url: str) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified stored for the feed or sitemap at *url*."""
    row = db.execute(
        "select etag, last_modified from http_validators where url = ?", [url]
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def count(db: Reader, table: str = "articles") -> int:
    """The rows of *table* (one of the archive's own table names)."""
    return int(db.execute(f'select count(*) from "{table}"').fetchone()[0])


def iter_articles(
    db: sqlite_utils.Database, batch_size: int = 500, columns: str = "*"
) -> Iterator[list[dict[str, Any]]]:
    """All articles in id order, in batches (for rescoring); *columns* must include id."""
    last = 0
    while True:
        rows = list(
            db.query(
                f"select {columns} from articles where id > ? order by id limit ?",
                [last, batch_size],
            )
        )
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


@dataclass(frozen=True)
class Written:
    """What a crawl wrote in a time window: pages by outcome, articles, the last write."""

    pages: dict[str, int]
    new: int
    relevant: int
    last_write: str | None


def written_between(db: Reader, start: str, until: str) -> Written:
    """The pages and articles fetched at or after *start* and before *until*."""
    window = [start, until]
    pages = {
        str(outcome): int(n)
        for outcome, n in db.execute(
            "select outcome, count(*) from pages where fetched_at >= ? "
            "and fetched_at < ? group by outcome",
            window,
        ).fetchall()
    }
    new, relevant, last_article = db.execute(
        "select count(*), coalesce(sum(relevant), 0), max(fetched_at) from articles "
        "where fetched_at >= ? and fetched_at < ?",
        window,
    ).fetchone()
    last_page = db.execute(
        "select max(fetched_at) from pages where fetched_at >= ? and fetched_at < ?",
        window,
    ).fetchone()[0]
    last = max(filter(None, [last_page, last_article]), default=None)
    return Written(pages=pages, new=new, relevant=relevant, last_write=last)


# --------------------------------------------------------------------- the archive at a path
@dataclass(frozen=True)
class SourceHealth:
    """One source's state in the archive: its last crawl and what it brought."""

    name: str
    last_success_at: str | None = None
    last_attempt_at: str | None = None
    last_status: str | None = None
    last_error: str | None = None
    failures_in_row: int = 0
    articles: int = 0
    relevant: int = 0


def source_states(path: str | os.PathLike[str]) -> dict[str, SourceHealth]:
    """Each source known to the archive at *path* (table ``sources`` or articles from it),
    by name, with its health and article counts. A missing archive, or one no crawl has
    written yet, has none. Raises :class:`sqlite3.Error` when it cannot be read."""
    if not Path(path).exists():
        return {}
    health: dict[str, dict[str, Any]] = {}
    with reading(path) as db:
        tables = set(db.table_names())
        if "sources" in tables:
            for row in db.query(
                "select name, last_success_at, last_attempt_at, last_status, last_error, "
                "failures_in_row from sources"
            ):
                row["failures_in_row"] = row["failures_in_row"] or 0
                health[row["name"]] = row
        if "articles" in tables:
            for row in db.query(
                "select source, count(*) as n, coalesce(sum(relevant), 0) as r "
                "from articles group by source"
            ):
                if row["source"] is not None:
                    entry = health.setdefault(row["source"], {"name": row["source"]})
                    entry.update(articles=row["n"], relevant=row["r"])
    return {name: SourceHealth(**values) for name, values in health.items()}


def archived_sources(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The outlets the archive at *path* knows (its ``sources`` table, and the sources of
    its articles), by name: ``name``, ``url``, ``kind``, ``language``, ``enabled``,
    ``source_group``. Raises :class:`sqlite3.Error` when it cannot be read."""
    found: dict[str, dict[str, Any]] = {}
    with reading(path) as db:
        tables = set(db.table_names())
        if "sources" in tables:
            for row in db.query(
                "select name, url, kind, language, enabled, source_group from sources"
            ):
                found[row["name"]] = row
        if "articles" in tables:
            for row in db.query("select distinct source from articles where source is not null"):
                found.setdefault(
                    row["source"],
                    {"name": row["source"], "url": "", "kind": "", "language": None,
                     "enabled": 1, "source_group": None},
                )  # fmt: skip
    return [found[name] for name in sorted(found)]


def latest_run(
    path: str | os.PathLike[str], *, pid: int | None = None, since: str | None = None
) -> dict[str, Any] | None:
    """The newest ``runs`` row of the archive at *path*, optionally only of the crawl process
    *pid* and started at or after *since*; None when there is none. Raises
    :class:`sqlite3.Error` when the archive cannot be read (missing, no ``runs`` table)."""
    where: list[str] = ["1"]
    params: list[Any] = []
    if pid is not None:
        where.append("pid = ?")
        params.append(pid)
    if since is not None:
        where.append("started_at >= ?")
        params.append(since)
    with reading(path, busy_timeout=5.0) as db:
        rows = db.query(
            f"select * from runs where {' and '.join(where)} order by id desc limit 1", params
        )
        return next(iter(rows), None)
