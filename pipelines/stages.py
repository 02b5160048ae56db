"""Thin Scrapy item pipelines around the pure functions: extract, score, archive.

Each stage reads the crawl's context (:class:`~pipelines.context.CrawlContext`) from the
spider and leaves an item it has nothing to do with untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from pipelines.context import CrawlContext, HasCrawlContext, SourceCounters
from pipelines.extraction.article import Article, merge_hints
from pipelines.items import FetchedPage
from pipelines.normalize import canonical_url
from pipelines.prepare import fetch_of, prepare
from pipelines.scoring.relevance import score
from pipelines.scoring.semantic import read_semantic, with_meaning
from pipelines.workers.pool import ExtractionFailed, ExtractionStopped, PoolBroken
from pipelines.writer import WriteStopped

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ExtractPipeline", "ScorePipeline", "ArchivePipeline"]

STOPPED = "stopped"  # an item's outcome when the crawl stopped before it was extracted


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
        item.canonical = canonical_url(item.url)  # the writer's too (a redirect's row)
        url = item.canonical or item.url
        language = item.hints.get("language")
        try:
            fetch = fetch_of(item)  # for the WARC records the worker builds beside
            if session.extractor is not None:  # in a worker process: the reactor downloads on
                found = session.extractor.extract(item.body, url, language, item.encoding, fetch)
            else:
                from pipelines.extraction.extract import decode, extract

                body, encoding = item.body, item.encoding

                def extracted() -> Article | None:
                    article = extract(decode(body, encoding), url, language=language)
                    return None if article is None else prepare(article, body, fetch)

                found = deferToThread(extracted)
            article = await maybe_deferred_to_future(found)
        except PoolBroken as exc:
            session.abort(f"the crawl stopped: {exc}")
            item.outcome, item.error = "failed", str(exc)
            return item
        except ExtractionStopped:  # the crawl stopped first: left for the next crawl, untried
            item.outcome = STOPPED
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
        session = self.session
        if item.article is not None and session.themes is not None:
            item.relevance = score(item.article, session.themes, session.threshold)
            if session.semantic is not None and item.article.semantic is not None:
                labels = {theme.key: theme.label for theme in session.themes.themes}
                found = read_semantic(item.article.semantic)
                item.relevance = with_meaning(item.relevance, found, session.semantic, labels)
        return item


class ArchivePipeline(_Stage):
    """Write the outcome: the article and its raw HTML, and the fetch in ``pages``.

    The crawl's :class:`~pipelines.writer.ArchiveWriter` writes it on a thread of its own,
    in a batch of items that is one transaction, so a crash leaves an article whole or
    absent. When the archive cannot be written (retried for ``write_retry_seconds`` first
    when the failure may pass), the crawl is stopped (``session.abort``) and the item left
    unwritten: its source keeps no validators, so the next crawl lists it again. Nothing is
    counted before it is written.
    """

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        session = self.session
        report = session.report(item.source)
        if session.fatal is not None or session.writer is None:  # the archive failed already
            return self._unwritten(item, report)
        if item.outcome == STOPPED:  # never extracted: not written, its source listed again
            return self._unwritten(item, report)
        try:
            written = await maybe_deferred_to_future(session.writer.write(item))
        except WriteStopped as exc:
            session.abort(str(exc))
            return self._unwritten(item, report)
        item.outcome = written.outcome
        item.duplicate_of = written.duplicate_of
        return item

    @staticmethod
    def _unwritten(item: FetchedPage, report: SourceCounters) -> FetchedPage:
        report.unwritten += 1
        report.incomplete = True  # keep no validators: the next crawl lists it again
        item.outcome = "unwritten"
        return item
