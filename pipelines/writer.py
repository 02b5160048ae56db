"""Archive writes off the reactor thread, in batches: :class:`ArchiveWriter`.

The crawl's item pipeline hands each finished item to the writer and awaits it. The writer's
own thread, with its own connection to the archive, takes every item waiting (up to
``batch_size``) and writes them in ONE transaction: the article row, its search index entry
and story, the fetch in ``pages``, and its raw capture: WARC records appended to the files
of :mod:`storage.captures` and synced to disk before the commit (a crash leaves at most
records no row points at). So the reactor never waits for SQLite or the disk, and a commit
and an fsync are paid per batch rather than per page.

The writer is one thread for the whole crawl (a cluster's too), so it does only what needs
the archive: what needs none was computed beside the extraction, in parallel
(:mod:`pipelines.prepare`: the gzipped WARC records, the fingerprint, the word count), and
the score is inserted with the row (the daily counts' triggers count it once).

Nothing is lost: a batch is committed whole or not at all. A write that fails for a reason
that may pass (the database locked by another program, the disk full) is retried, the whole
batch, with backoff for *retry_seconds*; then, or at once for a failure that will not pass
(a read-only or corrupt archive), the writer stops: that batch and every item after it fail
with :class:`WriteStopped`, which the pipeline turns into "unwritten" (its source keeps no
validators, so the next crawl lists them again). Counters are added only after the commit.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred

from pipelines.context import SourceCounters
from pipelines.items import FetchedPage
from pipelines.normalize import canonical_url, fingerprint
from pipelines.prepare import fetch_of
from pipelines.scoring.themes import Themes
from pipelines.stories.assign import assign_story
from pipelines.stories.crosslang import CrossLanguage
from pipelines.stories.signatures import NUM_PERM
from storage.archive import Archive, RetryPolicy
from storage.captures import response_body
from storage.connection import is_write_failure, write_pauses
from storage.listings import keep_listed
from storage.raw_pages import DEFAULT_WARC_MAX_BYTES

__all__ = ["ArchiveWriter", "WriteStopped", "Written", "body_of", "write_item"]

_STOP = object()


class WriteStopped(Exception):
    """The archive cannot be written: the crawl stops, this item is not written."""


@dataclass
class Written:
    """What became of one item once its batch was committed."""

    outcome: str
    duplicate_of: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # report counters to add


class ArchiveWriter:
    """One thread writing the crawl's items to the archive at *path*, a batch at a time."""

    def __init__(
        self,
        path: str | Path,
        *,
        report: Callable[[str], SourceCounters],
        retry_seconds: float,
        policy: RetryPolicy,
        warc_dir: str | Path | None = None,
        warc_max_bytes: int | None = None,
        themes: Themes | None = None,
        cross_language: bool = False,
        busy_timeout: float = 1.0,
        batch_size: int = 100,
    ):
        self.path = Path(path)
        self.report = report
        self.retry_seconds = retry_seconds
        self.policy = policy
        self.cross = CrossLanguage(themes) if cross_language and themes is not None else None
        self.busy_timeout = busy_timeout
        self.batch_size = batch_size
        self.warc_dir = warc_dir
        self.warc_max_bytes = warc_max_bytes or DEFAULT_WARC_MAX_BYTES
        self.stopped: str | None = None  # why the writer stopped (read by the reactor)
        self.batches = 0  # transactions committed
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._open_error: BaseException | None = None

    # -- the reactor's side
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="archive-writer", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error

    def write(self, item: FetchedPage) -> Deferred[Written]:
        """A Deferred that fires with the item's :class:`Written` once its batch is
        committed, or fails with :class:`WriteStopped`."""
        done: Deferred[Written] = Deferred()
        if self.stopped is not None:
            done.errback(WriteStopped(self.stopped))
        else:
            self._queue.put((item, done))
        return done

    def close(self) -> None:
        """Write what is queued, then end the thread (call it once the reactor stopped)."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    # -- the writer's thread
    def _run(self) -> None:
        try:
            archive = Archive(
                self.path,
                busy_timeout=self.busy_timeout,
                warc_dir=self.warc_dir,
                warc_max_bytes=self.warc_max_bytes,
            )
        except BaseException as exc:  # noqa: BLE001 - raised in start()
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                batch = [first]
                while len(batch) < self.batch_size:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is _STOP:
                        self._queue.put(_STOP)  # after this batch
                        break
                    batch.append(more)
                self._commit(archive, batch)
        finally:
            archive.close()

    def _commit(self, archive: Archive, batch: list[tuple[FetchedPage, Deferred[Written]]]) -> None:
        if self.stopped is not None:
            return self._deliver_failure(batch, self.stopped)
        pauses = write_pauses(self.retry_seconds)
        while True:
            try:
                with archive.transaction():
                    results = [
                        write_item(archive, item, self.policy, self.cross) for item, _ in batch
                    ]
                    archive.raw_pages.sync()  # the WARC records on disk before their rows
            except Exception as exc:  # noqa: BLE001 - whatever it is, the batch is not written
                if is_write_failure(exc) and (pause := next(pauses, None)) is not None:
                    for item, _ in batch:  # records of this try may be on disk: built anew,
                        if item.article is not None:  # so no WARC-Record-ID is there twice
                            item.body = body_of(item)  # (of a body that came in them only)
                            item.article.records = None
                    time.sleep(pause)
                    continue
                # tried for retry_seconds, or one that will not pass (read-only archive,
                # corrupt file, a bug): stop, so that nothing listed is lost
                reason = (
                    str(exc)
                    if isinstance(exc, sqlite3.Error)
                    else exc.strerror
                    if isinstance(exc, OSError) and exc.strerror
                    else f"{type(exc).__name__}: {exc}"
                )
                self.stopped = f"archive write failed, the crawl stopped: {reason}"
                return self._deliver_failure(batch, self.stopped)
            self.batches += 1
            for (item, done), written in zip(batch, results, strict=True):
                report = self.report(item.source)
                for name, value in written.counts.items():
                    setattr(report, name, getattr(report, name) + value)
                _call_from_thread(done.callback, written)
            return None

    @staticmethod
    def _deliver_failure(batch: list[tuple[FetchedPage, Deferred[Written]]], reason: str) -> None:
        for _item, done in batch:
            _call_from_thread(done.errback, WriteStopped(reason))


def _call_from_thread(function: Callable[..., Any], *args: Any) -> None:
    from twisted.internet import reactor

    running: Any = reactor
    if running.running:
        running.callFromThread(function, *args)
    # else: the reactor has stopped (a stopped crawl); the counters are already added


def body_of(item: FetchedPage) -> bytes:
    """The body of *item* as received: its own, or, for a page that came without it (a
    cluster worker sends the body of a page with WARC records in those only), read back
    from its response record."""
    article = item.article
    if item.body or article is None or article.records is None:
        return item.body
    return response_body(article.records)


def write_item(
    archive: Archive, item: FetchedPage, policy: RetryPolicy, cross: CrossLanguage | None
) -> Written:
    """Write *item* inside the caller's transaction (the item itself is left as it is)."""
    counts: dict[str, int] = {}
    article = item.article
    outcome = item.outcome
    duplicate_of = None
    if article is not None:
        outcome = "archived"
        # already archived: under its canonical URL (through a redirect, a rel=canonical
        # or another spider in this crawl), or with the same text under another URL
        known = archive.has_article(article.url)
        text_print = article.text_print or fingerprint(article.text)
        twin = None if known else archive.duplicate_of(text_print, article.url)
        if known or twin:
            outcome = "duplicate"
            duplicate_of = twin or article.url
            counts["duplicates"] = 1
            if known and (body := body_of(item)):  # fetched again: a revisit record if
                archive.raw_pages.revisit(article.url, body)  # it is unchanged
        else:
            record = article.to_record()
            record.update(
                source=item.source,
                fingerprint=text_print,
                first_url=item.requested_url if item.requested_url != article.url else None,
            )
            theme_scores = None
            if (rel := item.relevance) is not None:  # in the row inserted: counted once
                record.update(
                    relevance=rel.relevance,
                    relevant=int(bool(rel.relevant)),
                    themes=rel.themes,
                    evidence=rel.evidence,  # plain dicts and lists: JSON as they are
                )
                theme_scores = rel.theme_scores
                counts["relevant"] = record["relevant"]
            # placed in its story below, in the same transaction: a crash leaves the article
            # and its story, or neither
            article_id, _ = archive.upsert_article(record, placed=True)
            if theme_scores is not None:
                archive.set_theme_scores((article_id, theme_scores))
            known_sig = None
            if article.signature is not None and len(article.signature) == NUM_PERM:
                known_sig = tuple(article.signature)
            brief = (article.title or "", article.language)  # as archived just now
            assign_story(archive, article_id, article.text, cross=cross, sig=known_sig, brief=brief)
            fetch = fetch_of(item)
            archive.raw_pages.save(
                article_id,
                fetch.url or article.url,
                item.body,
                status=fetch.status,
                headers=fetch.headers,
                request_headers=fetch.request_headers,
                records=article.records,  # built by the extraction worker: appended as they are
            )
            counts["new"] = 1
    stored = archive.record_page(
        item.requested_url,
        source=item.source,
        outcome=outcome or "failed",
        http_status=item.status,
        article_url=duplicate_of or (article.url if article else None),
        error=item.error,
        retry_at=item.retry_at,
        policy=policy,
    )
    if article is None and item.hints:  # what the listing said of it stays visible
        keep_listed(archive.db, item.requested_url, item.hints)
    if article is None:
        kind = {
            "empty": "rejected",
            "not_html": "rejected",
            "refused": "rejected",
            "deferred": "deferred",
            "given_up": "given_up",
        }.get(stored, "failed")
        counts[kind] = 1
    # the final URL of a redirect is known too, so a feed listing it is not refetched
    final = item.canonical if item.canonical is not None else canonical_url(item.url or "")
    if article is not None and final and final not in (item.requested_url, article.url):
        archive.record_page(
            final,
            source=item.source,
            outcome=outcome or "archived",
            http_status=item.status,
            article_url=article.url,
        )
    return Written(outcome=stored, duplicate_of=duplicate_of, counts=counts)
