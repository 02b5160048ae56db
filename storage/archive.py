"""The SQLite archive: one class over :class:`sqlite_utils.Database`.

The archive is the only writer to the database. Its shape is set by migrations
(``sqlite_utils.migrations``); every write is an upsert on a stable key, so a crawl
that is interrupted and run again neither loses nor duplicates rows.

Tables
    articles        one row per canonical URL: text, metadata, relevance
    article_themes  article x theme x score (filled by the scorer)
    raw_html        the fetched HTML, gzip-compressed, for re-extraction
    pages           every fetched article URL and what became of it
    sources         each configured source and its health
    http_validators ETag / Last-Modified per feed or sitemap URL (conditional GET)
    runs            one row per crawl: start, end, counts, per-source errors
    articles_search Chinese-aware full-text index of articles (storage/search.py)
    jobs            one row per scheduled job (crawl or digest) and how it ended
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from storage.formats import json_column, utcnow
from storage.search import create_search_table, index_articles

__all__ = [
    "Archive",
    "ARTICLE_COLUMNS",
    "FINAL_OUTCOMES",
    "RETRY_OUTCOMES",
    "RetryPolicy",
    "is_write_failure",
    "utcnow",
]

# Outcomes of a fetched article URL after which it is never fetched again
# ("unresolved": a search engine's link whose publisher URL could not be found;
# "too_large": over the size limit, or a compressed bomb; "given_up": failed too often).
FINAL_OUTCOMES = (
    "archived",
    "duplicate",
    "not_html",
    "empty",
    "gone",
    "unresolved",
    "too_large",
    "given_up",
)
# Outcomes after which the URL is fetched again by a later crawl, under a RetryPolicy
# ("deferred": the server asked for a wait longer than the crawl will hold a request).
RETRY_OUTCOMES = ("failed", "refused", "deferred")

# SQLite result codes (the primary code, the low byte) of a write that may succeed later:
# busy or locked by another connection, disk full, an I/O error, a file that cannot be opened.
_TRANSIENT_CODES = {5, 6, 10, 13, 14}


def is_write_failure(exc: BaseException) -> bool:
    """True when *exc* is a failed write that may succeed if tried again later."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _TRANSIENT_CODES
    message = str(exc).lower()
    return any(m in message for m in ("locked", "disk is full", "disk i/o", "unable to open"))


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed article page is fetched again: after ``spacing`` seconds, doubling
    after each failure, at most ``attempts`` fetches in all; then it is given up."""

    attempts: int = 4
    spacing: float = 3600.0

    def next_try(self, attempts: int, now: datetime) -> datetime:
        return now + timedelta(seconds=self.spacing * 2 ** max(attempts - 1, 0))


ARTICLE_COLUMNS = {
    "id": int,
    "url": str,
    "title": str,
    "text": str,
    "source": str,
    "published_at": str,
    "fetched_at": str,
    "language": str,
    "relevance": float,
    "relevant": int,
    "themes": str,
    "evidence": str,
    "author": str,
    "sitename": str,
    "description": str,
    "tags": str,
    "image": str,
    "keywords": str,
    "word_count": int,
    "fingerprint": str,
    "first_url": str,
    "updated_at": str,
}


migrations = Migrations("culturewatch")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["articles"].create(ARTICLE_COLUMNS, pk="id", not_null={"url", "fetched_at"})
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["fetched_at"])
    db["articles"].create_index(["published_at"])
    db["articles"].create_index(["source"])
    db["articles"].create_index(["relevant", "relevance"])
    db["articles"].create_index(["fingerprint"])
    db["article_themes"].create(
        {"article_id": int, "theme": str, "score": float},
        pk=("article_id", "theme"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_themes"].create_index(["theme", "score"])
    db["raw_html"].create(
        {"url": str, "html_gz": bytes, "encoding": str, "content_type": str, "fetched_at": str},
        pk="url",
    )
    db["pages"].create(
        {
            "url": str,
            "source": str,
            "outcome": str,
            "http_status": int,
            "article_url": str,
            "error": str,
            "fetched_at": str,
        },
        pk="url",
    )
    db["pages"].create_index(["outcome"])
    db["sources"].create(
        {
            "name": str,
            "url": str,
            "kind": str,
            "language": str,
            "enabled": int,
            "last_attempt_at": str,
            "last_success_at": str,
            "last_status": str,
            "last_error": str,
            "failures_in_row": int,
            "last_new": int,
        },
        pk="name",
    )
    db["http_validators"].create(
        {"url": str, "source": str, "etag": str, "last_modified": str, "updated_at": str},
        pk="url",
    )
    db["runs"].create(
        {
            "id": int,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "sources_ok": int,
            "sources_failed": int,
            "requests": int,
            "fetched": int,
            "new": int,
            "known": int,
            "relevant": int,
            "failed": int,
            "errors": str,
            "pid": int,
        },
        pk="id",
    )


@migrations()
def m002_scheduled_jobs(db: sqlite_utils.Database) -> None:
    # One row per job the scheduler ran (crawl or digest), whatever became of it.
    db["jobs"].create(
        {
            "id": int,
            "job": str,
            "scheduled_for": str,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "exit_code": int,
            "run_id": int,
            "detail": str,
            "pid": int,
        },
        pk="id",
    )
    db["jobs"].create_index(["job", "started_at"])


@migrations()
def m003_search_chinese(db: sqlite_utils.Database) -> None:
    # articles_search: title and text segmented with jieba plus Han bigrams, so that
    # Chinese terms of two characters are found (storage/search.py). Filled from the
    # existing articles; upsert_article keeps it in step, a trigger handles deletes.
    create_search_table(db)


@migrations()
def m004_browse_indexes(db: sqlite_utils.Database) -> None:
    # Datasette's facets on articles read only these columns: an index each keeps them
    # from reading every row past its text (tests/bench/canned_queries.py).
    db["articles"].create_index(["language"], if_not_exists=True)
    db["articles"].create_index(["themes"], if_not_exists=True)


@migrations()
def m005_page_retries(db: sqlite_utils.Database) -> None:
    # The give-up policy: how often a failing page was fetched, and when it may be again.
    db["pages"].add_column("attempts", int)
    db["pages"].add_column("retry_at", str)


class Archive:
    """The archive at *path* (created with its directory if missing)."""

    def __init__(
        self, path: str | os.PathLike, *, readonly: bool = False, busy_timeout: float = 30.0
    ):
        """*busy_timeout*: seconds a statement waits for another connection's write lock
        (a crawl keeps it short and retries the whole item later instead of blocking)."""
        self.path = Path(path)
        if readonly:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self.db = sqlite_utils.Database(conn)
        if not readonly:
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            self.migrate()

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
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ article URLs
    def known(self, urls: Iterable[str], *, now: str | None = None) -> set[str]:
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
                for row in self.db.execute(
                    f"select url from articles where url in ({qs}) "
                    f"union select url from pages where url in ({qs}) "
                    f"and (outcome in ({marks}) or retry_at > ?)",
                    [*chunk, *chunk, *FINAL_OUTCOMES, now],
                )
            )
        return found

    def has_article(self, url: str) -> bool:
        return (
            self.db.execute("select 1 from articles where url = ? limit 1", [url]).fetchone()
            is not None
        )

    def duplicate_of(self, fingerprint: str, url: str) -> str | None:
        """URL of another article with the same text fingerprint, if any."""
        row = self.db.execute(
            "select url from articles where fingerprint = ? and url != ? limit 1",
            [fingerprint, url],
        ).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ writes
    def upsert_article(self, record: dict[str, Any]) -> tuple[int, bool]:
        """Insert or update the article keyed by ``record['url']``.

        Returns ``(id, inserted)``. An update keeps ``fetched_at`` (first archived)
        and never overwrites a known value with an empty one.
        """
        record = {k: json_column(v) for k, v in record.items() if k in ARTICLE_COLUMNS}
        record.pop("id", None)
        record.setdefault("fetched_at", utcnow())
        record["updated_at"] = utcnow()
        with self.transaction():
            existing = self.db.execute(
                "select id from articles where url = ?", [record["url"]]
            ).fetchone()
            if existing is None:
                row_id = int(self.db["articles"].insert(record).last_pk)
                index_articles(self.db, [row_id])
                return row_id, True
            changes = {
                k: v
                for k, v in record.items()
                if k not in ("url", "fetched_at", "first_url") and v not in (None, "")
            }
            self.db["articles"].update(existing[0], changes)
            if "title" in changes or "text" in changes:
                index_articles(self.db, [existing[0]])
            return existing[0], False

    def save_raw_html(
        self, url: str, body: bytes, *, encoding: str | None, content_type: str | None
    ) -> None:
        self.db["raw_html"].upsert(
            {
                "url": url,
                "html_gz": gzip.compress(body, compresslevel=6),
                "encoding": encoding,
                "content_type": content_type,
                "fetched_at": utcnow(),
            },
            pk="url",
        )

    def raw_html(self, url: str) -> bytes | None:
        row = self.db.execute("select html_gz from raw_html where url = ?", [url]).fetchone()
        return gzip.decompress(row[0]) if row else None

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
        self.db["pages"].upsert(
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
            pk="url",
        )
        return outcome

    def set_relevance(
        self,
        article_id: int,
        *,
        relevance: float,
        relevant: bool,
        themes: list[str],
        theme_scores: dict[str, float],
        evidence: Any,
    ) -> None:
        """Store a score for one article: the columns and the article x theme rows."""
        with self.transaction():
            self.db["articles"].update(
                article_id,
                {
                    "relevance": relevance,
                    "relevant": int(relevant),
                    "themes": json.dumps(themes, ensure_ascii=False),
                    "evidence": json.dumps(evidence, ensure_ascii=False),
                },
            )
            self.db.execute("delete from article_themes where article_id = ?", [article_id])
            rows = [
                {"article_id": article_id, "theme": theme, "score": score}
                for theme, score in theme_scores.items()
                if score > 0
            ]
            if rows:
                self.db["article_themes"].insert_all(rows, pk=("article_id", "theme"))

    # ------------------------------------------------------------------ sources
    def sync_sources(self, sources: Iterable[Any]) -> None:
        """Make the ``sources`` table list the configured sources (state is kept)."""
        with self.transaction():
            for s in sources:
                self.db["sources"].upsert(
                    {
                        "name": s.name,
                        "url": s.url,
                        "kind": s.kind,
                        "language": s.language,
                        "enabled": int(s.enabled),
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
        self.db["sources"].upsert(values, pk="name")

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.db.execute(
            "select etag, last_modified from http_validators where url = ?", [url]
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(
        self, url: str, *, source: str, etag: str | None, last_modified: str | None
    ) -> None:
        self.db["http_validators"].upsert(
            {
                "url": url,
                "source": source,
                "etag": etag,
                "last_modified": last_modified,
                "updated_at": utcnow(),
            },
            pk="url",
        )

    # ------------------------------------------------------------------ runs
    def start_run(self) -> int:
        """Record a crawl as running. Call it holding the crawl lock: a run still marked
        running then belongs to a crawl that died (killed, out of memory) and is closed."""
        with self.transaction():
            self._close_crashed_runs()
        table = self.db["runs"]
        table.insert({"started_at": utcnow(), "status": "running", "pid": os.getpid()})
        return int(table.last_pk)

    def _close_crashed_runs(self) -> None:
        """Runs left ``running`` died with their crawl: mark them crashed, with the counts
        and end time of what they wrote (pages and articles since they started)."""
        for run_id, started in self.db.execute(
            "select id, started_at from runs where status = 'running' order by id"
        ).fetchall():
            nxt = self.db.execute(
                "select min(started_at) from runs where id > ?", [run_id]
            ).fetchone()[0]
            until = nxt or "9999"
            window = [started, until]
            pages = dict(
                self.db.execute(
                    "select outcome, count(*) from pages where fetched_at >= ? "
                    "and fetched_at < ? group by outcome",
                    window,
                ).fetchall()
            )
            new, relevant, last_article = self.db.execute(
                "select count(*), coalesce(sum(relevant), 0), max(fetched_at) from articles "
                "where fetched_at >= ? and fetched_at < ?",
                window,
            ).fetchone()
            last_page = self.db.execute(
                "select max(fetched_at) from pages where fetched_at >= ? and fetched_at < ?",
                window,
            ).fetchone()[0]
            failed = sum(pages.get(o, 0) for o in (*RETRY_OUTCOMES, "given_up", "too_large"))
            self.db["runs"].update(
                run_id,
                {
                    "status": "crashed",
                    "ended_at": max(filter(None, [last_page, last_article, started])),
                    "fetched": sum(pages.values()) - sum(pages.get(o, 0) for o in RETRY_OUTCOMES),
                    "new": new,
                    "relevant": relevant,
                    "failed": failed,
                    "errors": json.dumps(
                        {"_crawl": "the crawl process died; counts are from what it wrote"}
                    ),
                },
            )

    def finish_run(self, run_id: int, *, status: str, counts: dict[str, int], errors: dict) -> None:
        self.db["runs"].update(
            run_id,
            {
                "ended_at": utcnow(),
                "status": status,
                **counts,
                "errors": json.dumps(errors, ensure_ascii=False, sort_keys=True),
            },
        )

    # ------------------------------------------------------------------ scheduled jobs
    def start_job(self, job: str, *, scheduled_for: str | None = None) -> int:
        """Record that the scheduler started *job* (``crawl`` or ``digest``)."""
        table = self.db["jobs"]
        table.insert(
            {
                "job": job,
                "scheduled_for": scheduled_for,
                "started_at": utcnow(),
                "status": "running",
                "pid": os.getpid(),
            }
        )
        return int(table.last_pk)

    def finish_job(
        self,
        job_id: int,
        *,
        status: str,
        detail: str | None = None,
        exit_code: int | None = None,
        run_id: int | None = None,
    ) -> None:
        """Record how a scheduled job ended: ok, failed, skipped or interrupted."""
        self.db["jobs"].update(
            job_id,
            {
                "ended_at": utcnow(),
                "status": status,
                "detail": detail,
                "exit_code": exit_code,
                "run_id": run_id,
            },
        )

    # ------------------------------------------------------------------ reads
    def count(self, table: str = "articles") -> int:
        return self.db[table].count

    def iter_articles(
        self, batch_size: int = 500, columns: str = "*"
    ) -> Iterator[list[dict[str, Any]]]:
        """All articles in id order, in batches (for rescoring); *columns* must include id."""
        last = 0
        while True:
            rows = list(
                self.db.query(
                    f"select {columns} from articles where id > ? order by id limit ?",
                    [last, batch_size],
                )
            )
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]
