"""The SQLite archive writer: one class over :class:`sqlite_utils.Database`.

The archive is the only writer to the database. Its shape is set by the migrations of
:mod:`storage.schema`; every write is an upsert on a stable key, so a crawl that is
interrupted and run again neither loses nor duplicates rows. Reads are the named queries
of :mod:`storage.queries`, which the writer's read methods call on its own connection.
The log of crawl runs and scheduled jobs is :mod:`storage.runs`, written through an archive.
``__all__`` re-exports what other layers import from here (schema, outcomes, formats).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from storage import queries, rows
from storage.connection import connect, connect_readonly, is_write_failure
from storage.formats import json_column, utcnow
from storage.pages import FINAL_OUTCOMES, RETRY_OUTCOMES, RetryPolicy
from storage.raw_pages import DEFAULT_WARC_MAX_BYTES, RawPages
from storage.schema import ARTICLE_COLUMNS, migrate, refuse_foreign
from storage.search import index_articles
from storage.stories import new_story_of_one

__all__ = [
    "Archive",
    "ARTICLE_COLUMNS",
    "FINAL_OUTCOMES",
    "RETRY_OUTCOMES",
    "RetryPolicy",
    "is_write_failure",
    "utcnow",
]


class Archive:
    """The archive at *path* (created with its directory if missing)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        busy_timeout: float = 30.0,
        warc_dir: str | os.PathLike[str] | None = None,
        warc_max_bytes: int = DEFAULT_WARC_MAX_BYTES,
    ):
        """*busy_timeout*: seconds a statement waits for another connection's write lock
        (a crawl keeps it short and retries the whole item later instead of blocking).
        *readonly*: open it with :func:`storage.connection.connect_readonly`, no migrations.
        *warc_dir*: where raw captures go (``warc/`` beside the file), :attr:`raw_pages`.
        Another program's SQLite file is refused, untouched (:class:`storage.schema.NotAnArchive`)."""
        self.path = Path(path)
        refuse_foreign(self.path)
        if readonly:
            conn = connect_readonly(self.path, busy_timeout=busy_timeout)
        else:
            conn = connect(self.path, busy_timeout=busy_timeout)
        self.db = sqlite_utils.Database(conn)
        warc = Path(warc_dir) if warc_dir else None
        self.raw_pages = RawPages(self.db, self.path, warc_dir=warc, max_bytes=warc_max_bytes)
        if not readonly:
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            self.migrate()

    def _table(self, name: str) -> Table:
        return self.db.table(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction that takes SQLite's write lock at its start.

        ``BEGIN IMMEDIATE`` makes a concurrent writer (a rescore, the scheduler, a second
        process) wait for the busy timeout, where a deferred transaction that read first
        would fail at once with "database is locked". Nested use becomes a savepoint.
        """
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            # also when COMMIT itself fails (disk full): nothing of the block stays
            if self.db.conn.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def migrate(self) -> None:
        """Bring the schema up to date (idempotent)."""
        migrate(self.db)

    def close(self) -> None:
        self.raw_pages.close()
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ article URLs
    def known(self, urls: Iterable[str], *, now: str | None = None) -> set[str]:
        """The subset of *urls* not to fetch now: archived, fetched with a final outcome,
        or failed and not due again before ``retry_at`` (RetryPolicy)."""
        return queries.known_urls(self.db, urls, now=now)

    def has_article(self, url: str) -> bool:
        return queries.has_article(self.db, url)

    def duplicate_of(self, fingerprint: str, url: str) -> str | None:
        """URL of another article with the same text fingerprint, if any."""
        return queries.duplicate_of(self.db, fingerprint, url)

    # ------------------------------------------------------------------ writes
    def upsert_article(self, record: dict[str, Any], *, placed: bool = False) -> tuple[int, bool]:
        """Insert or update the article keyed by ``record['url']``.

        Returns ``(id, inserted)``. An update keeps ``fetched_at`` (first archived)
        and never overwrites a known value with an empty one. A new article is a story of
        one, unless *placed*: the caller puts it in its story in the same transaction
        (:func:`pipelines.stories.assign.assign_story`).
        """
        record = {k: json_column(v) for k, v in record.items() if k in ARTICLE_COLUMNS}
        record.pop("id", None)
        record.setdefault("fetched_at", utcnow())
        record["updated_at"] = utcnow()
        with self.transaction():
            existing = queries.article_id(self.db, record["url"])
            if existing is None:
                row_id = rows.insert(self.db, "articles", record)
                index_articles(self.db, [row_id])
                if not placed:  # until pipelines.stories.assign finds its story
                    new_story_of_one(self.db, row_id)
                return row_id, True
            changes = {
                k: v
                for k, v in record.items()
                if k not in ("url", "fetched_at", "first_url") and v not in (None, "")
            }
            rows.update(self.db, "articles", existing, changes)  # its triggers re-index it
            return existing, False

    def raw_html(self, url: str) -> bytes | None:
        """The page fetched for the article *url* (:meth:`RawPages.read`)."""
        return self.raw_pages.read(url)

    def record_page(
        self,
        url: str,
        *,
        source: str,
        outcome: str,
        http_status: int | None = None,
        article_url: str | None = None,
        error: str | None = None,
        retry_at: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> str:
        """Record what became of fetching *url*; returns the outcome stored.

        A retryable outcome (RETRY_OUTCOMES) counts an attempt. Under a *policy* the page
        is due again at *retry_at* (the server's Retry-After) or after the policy's spacing,
        and after ``policy.attempts`` fetches it is ``given_up``. Without a policy it is
        due again at once and never given up.
        """
        now = datetime.now(UTC)
        attempts = None
        next_try = None
        if outcome in RETRY_OUTCOMES:
            row = self.db.execute(
                "select outcome, attempts from pages where url = ?", [url]
            ).fetchone()
            before = (row[1] or 1) if row and row[0] in RETRY_OUTCOMES else 0
            attempts = before + 1
            if policy is not None and attempts >= policy.attempts:
                outcome = "given_up"
                error = f"given up after {attempts} attempts: {error or 'failed'}"
            elif policy is not None:
                next_try = retry_at or policy.next_try(attempts, now).isoformat(timespec="seconds")
            else:
                next_try = retry_at
        rows.upsert(
            self.db,
            "pages",
            {
                "url": url,
                "source": source,
                "outcome": outcome,
                "http_status": http_status,
                "article_url": article_url,
                "error": error,
                "fetched_at": now.isoformat(timespec="seconds"),
                "attempts": attempts,
                "retry_at": next_try,
            },
            "url",
        )
        return outcome

    def set_relevance(self, article_id: int, **score: Any) -> None:
        """Store a score for one article (``relevance``, ``relevant``, ``themes``,
        ``theme_scores``, ``evidence``): the columns and the article x theme rows."""
        self.set_relevances([(article_id, score)])

    def set_relevances(self, scores: list[tuple[int, dict[str, Any]]]) -> None:
        """Store the scores of many articles in one transaction, with one statement per
        table (``executemany``): what ``rescore`` does thousands of times a second."""
        with self.transaction():
            self.db.conn.executemany(
                "update articles set relevance = ?, relevant = ?, themes = ?, evidence = ? "
                "where id = ?",
                [
                    (
                        s["relevance"],
                        int(s["relevant"]),
                        _dumps(s["themes"]),
                        _dumps(s["evidence"]),
                        i,
                    )
                    for i, s in scores
                ],
            )
            self.set_theme_scores(*((i, s["theme_scores"]) for i, s in scores))

    def set_theme_scores(self, *scores: tuple[int, dict[str, float]]) -> None:
        """The article x theme rows of articles whose other score columns are written
        already (the crawl's writer inserts them with the article)."""
        self.db.conn.executemany(
            "delete from article_themes where article_id = ?", [(i,) for i, _ in scores]
        )
        self.db.conn.executemany(
            "insert into article_themes (article_id, theme, score) values (?, ?, ?)",
            [(i, t, v) for i, theme_scores in scores for t, v in theme_scores.items() if v > 0],
        )

    # ------------------------------------------------------------------ sources
    def sync_sources(self, sources: Iterable[Any]) -> None:
        """Make the ``sources`` table list the configured sources (state is kept)."""
        with self.transaction():
            for s in sources:
                self._table("sources").upsert(
                    {
                        "name": s.name,
                        "url": s.url,
                        "kind": s.kind,
                        "language": s.language,
                        "enabled": int(s.enabled),
                        "source_group": getattr(s, "group", None),
                    },
                    pk="name",
                )

    def record_source_result(
        self, name: str, *, ok: bool, status: str, error: str | None, new: int
    ) -> None:
        now = utcnow()
        row = self.db.execute(
            "select failures_in_row from sources where name = ?", [name]
        ).fetchone()
        failures = (row[0] or 0) if row else 0
        values: dict[str, Any] = {
            "name": name,
            "last_attempt_at": now,
            "last_status": status,
            "last_error": None if ok else error,
            "failures_in_row": 0 if ok else failures + 1,
            "last_new": new,
        }
        if ok:
            values["last_success_at"] = now
        self._table("sources").upsert(values, pk="name")

    def validators(self, url: str) -> tuple[str | None, str | None]:
        return queries.validators(self.db, url)

    def set_validators(
        self, url: str, *, source: str, etag: str | None, last_modified: str | None
    ) -> None:
        self._table("http_validators").upsert(
            {
                "url": url,
                "source": source,
                "etag": etag,
                "last_modified": last_modified,
                "updated_at": utcnow(),
            },
            pk="url",
        )

    # ------------------------------------------------------------------ reads
    def count(self, table: str = "articles") -> int:
        return queries.count(self.db, table)

    def iter_articles(
        self, batch_size: int = 500, columns: str = "*"
    ) -> Iterator[list[dict[str, Any]]]:
        """All articles in id order, in batches (for rescoring); *columns* must include id."""
        return queries.iter_articles(self.db, batch_size, columns)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
