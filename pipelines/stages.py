"""Thin Scrapy item pipelines around the pure functions: extract, score, archive.

Each stage reads the crawl's context (:class:`~pipelines.context.CrawlContext`) from the
spider and leaves an item it has nothing to do with untouched.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, cast

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from pipelines.article import merge_hints
from pipelines.context import CrawlContext, HasCrawlContext, SourceCounters
from pipelines.crosslang import CrossLanguage
from pipelines.items import FetchedPage
from pipelines.normalize import canonical_url, fingerprint
from pipelines.relevance import score
from pipelines.stories import assign_story
from pipelines.workers import ExtractionFailed, PoolBroken
from storage.connection import is_write_failure, write_pauses

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ExtractPipeline", "ScorePipeline", "ArchivePipeline"]


class _Stage:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _Stage:
        return cls(crawler)

    @property
    def session(self) -> CrawlContext:
        """The crawl's context: every spider of a crawl carries it as ``spider.session``."""
        return cast(HasCrawlContext, self.crawler.spider).session


class ExtractPipeline(_Stage):
    """HTML -> Article (trafilatura), with feed or sitemap metadata filling the gaps."""

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        if item.outcome is not None:
            return item
        session = self.session
        session.report(item.source).fetched += 1
        html = item.text or item.body
        url = canonical_url(item.url) or item.url
        language = item.hints.get("language")
        try:
            if session.extractor is not None:  # in a worker process: the reactor downloads on
                found = session.extractor.extract(html, url, language)
            else:
                from pipelines.extract import extract

                found = deferToThread(extract, html, url, language=language)
            article = await maybe_deferred_to_future(found)
        except PoolBroken as exc:
            session.abort(f"the crawl stopped: {exc}")
            item.outcome, item.error = "failed", str(exc)
            return item
        except ExtractionFailed as exc:  # its worker died or hung on it: the page failed
            item.outcome, item.error = "failed", str(exc)
            return item
        if article is None:
            item.outcome = "empty"
            return item
        item.article = merge_hints(article, item.hints)
        return item


class ScorePipeline(_Stage):
    """Article -> Relevance, against the configured themes."""

    def process_item(self, item: FetchedPage) -> FetchedPage:
        if item.article is not None and self.session.themes is not None:
            item.relevance = score(item.article, self.session.themes, self.session.threshold)
        return item


class ArchivePipeline(_Stage):
    """Write the outcome: the article and its raw HTML, and the fetch in ``pages``.

    Each item is one transaction, so a crash leaves an article whole or absent. A write
    that fails for a reason that may pass (the database locked by another program, the
    disk full) is retried with backoff for ``session.write_retry_seconds``; then the crawl
    is stopped (``session.abort``) and the item left unwritten: its source keeps no
    validators, so the next crawl lists it again. Nothing is counted before it is written.
    """

    _cross_signal: CrossLanguage | None = None

    def _cross(self) -> CrossLanguage | None:
        """The cross-language signal of the stories, when the setting is on (and themes)."""
        session = self.session
        if not session.cross_language or session.themes is None:
            return None
        if self._cross_signal is None:
            self._cross_signal = CrossLanguage(session.themes)
        return self._cross_signal

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        session = self.session
        report = session.report(item.source)
        pauses = write_pauses(session.write_retry_seconds)
        while True:
            if session.fatal is not None:  # the archive failed for an earlier item
                return self._unwritten(item, report)
            try:
                with session.archive.transaction():
                    counts = self._write(item)
            except Exception as exc:  # noqa: BLE001 - whatever it is, the item is not written
                if not is_write_failure(exc):
                    # not one that passes (read-only archive, corrupt file, a bug): stop now,
                    # keep no validators, so that nothing listed is lost
                    reason = (
                        f"{type(exc).__name__}: {exc}"
                        if not isinstance(exc, sqlite3.Error)
                        else str(exc)
                    )
                    session.abort(f"archive write failed, the crawl stopped: {reason}")
                    return self._unwritten(item, report)
                pause = next(pauses, None)
                if pause is None:  # tried for write_retry_seconds
                    session.abort(f"archive write failed, the crawl stopped: {exc}")
                    return self._unwritten(item, report)
                await _sleep(pause)
                continue
            for name, value in counts.items():
                setattr(report, name, getattr(report, name) + value)
            return item

    @staticmethod
    def _unwritten(item: FetchedPage, report: SourceCounters) -> FetchedPage:
        report.unwritten += 1
        report.incomplete = True  # keep no validators: the next crawl lists it again
        item.outcome = "unwritten"
        return item

    def _write(self, item: FetchedPage) -> dict[str, int]:
        """Write *item*; returns the report counters to add once it is committed."""
        archive = self.session.archive
        counts: dict[str, int] = {}
        article = item.article
        outcome = item.outcome
        duplicate_of = None
        if article is not None:
            outcome = "archived"
            # already archived: under its canonical URL (through a redirect, a rel=canonical
            # or another spider in this crawl), or with the same text under another URL
            known = archive.has_article(article.url)
            text_print = fingerprint(article.text)
            twin = None if known else archive.duplicate_of(text_print, article.url)
            if known or twin:
                outcome = "duplicate"
                duplicate_of = twin or article.url
                counts["duplicates"] = 1
            else:
                record = article.to_record()
                record.update(
                    source=item.source,
                    fingerprint=text_print,
                    first_url=item.requested_url if item.requested_url != article.url else None,
                )
                article_id, _ = archive.upsert_article(record)
                # in the same transaction: a crash leaves the article and its story, or neither
                assign_story(archive, article_id, article.text, cross=self._cross())
                archive.save_raw_html(
                    article.url, item.body, encoding=item.encoding, content_type=item.content_type
                )
                if item.relevance is not None:
                    rel = item.relevance
                    archive.set_relevance(article_id, **rel.to_dict())
                    counts["relevant"] = int(bool(rel.relevant))
                counts["new"] = 1
        stored = archive.record_page(
            item.requested_url,
            source=item.source,
            outcome=outcome or "failed",
            http_status=item.status,
            article_url=duplicate_of or (article.url if article else None),
            error=item.error,
            retry_at=item.retry_at,
            policy=self.session.retry_policy,
        )
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
        final = canonical_url(item.url) if item.url else None
        if article is not None and final and final not in (item.requested_url, article.url):
            archive.record_page(
                final,
                source=item.source,
                outcome=outcome or "archived",
                http_status=item.status,
                article_url=article.url,
            )
        item.outcome = stored
        item.duplicate_of = duplicate_of
        return counts


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds))
