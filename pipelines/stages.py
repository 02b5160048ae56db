"""Thin Scrapy item pipelines around the pure functions: extract, score, archive.

Each stage reads the crawl's :class:`~crawler.session.CrawlSession` from the spider
and leaves an item it has nothing to do with untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from pipelines.extract import extract, merge_hints
from pipelines.items import FetchedPage
from pipelines.normalize import canonical_url, fingerprint
from pipelines.relevance import score

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
    def session(self):  # type: ignore[no-untyped-def]
        return self.crawler.spider.session  # type: ignore[union-attr]


class ExtractPipeline(_Stage):
    """HTML -> Article (trafilatura), with feed or sitemap metadata filling the gaps."""

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        if item.outcome is not None:
            return item
        self.session.report(item.source).fetched += 1
        # in a worker thread: the reactor keeps downloading while a page is extracted
        article = await maybe_deferred_to_future(
            deferToThread(extract, item.text or item.body, canonical_url(item.url) or item.url)
        )
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
    """Write the outcome: the article and its raw HTML, and the fetch in ``pages``."""

    def process_item(self, item: FetchedPage) -> FetchedPage:
        # one transaction per item: a crash leaves an article whole or absent
        with self.session.archive.transaction():
            self._write(item)
        return item

    def _write(self, item: FetchedPage) -> None:
        archive = self.session.archive
        report = self.session.report(item.source)
        article = item.article
        if article is not None:
            item.outcome = "archived"
            # already archived: under its canonical URL (through a redirect, a rel=canonical
            # or another spider in this crawl), or with the same text under another URL
            known = archive.has_article(article.url)
            text_print = fingerprint(article.text)
            twin = None if known else archive.duplicate_of(text_print, article.url)
            if known or twin:
                item.outcome = "duplicate"
                item.duplicate_of = twin or article.url
                report.duplicates += 1
            else:
                record = article.to_record()
                record.update(
                    source=item.source,
                    fingerprint=text_print,
                    first_url=item.requested_url if item.requested_url != article.url else None,
                )
                article_id, _ = archive.upsert_article(record)
                archive.save_raw_html(
                    article.url, item.body, encoding=item.encoding, content_type=item.content_type
                )
                if item.relevance is not None:
                    rel = item.relevance
                    archive.set_relevance(
                        article_id,
                        relevance=rel.relevance,
                        relevant=rel.relevant,
                        themes=rel.themes,
                        theme_scores=rel.theme_scores,
                        evidence=rel.evidence,
                    )
                    report.relevant += int(bool(rel.relevant))
                report.new += 1
        elif item.outcome in ("empty", "not_html", "refused"):
            report.rejected += 1
        else:
            report.failed += 1
        archive.record_page(
            item.requested_url,
            source=item.source,
            outcome=item.outcome or "failed",
            http_status=item.status,
            article_url=item.duplicate_of or (article.url if article else None),
            error=item.error,
        )
        # the final URL of a redirect is known too, so a feed listing it is not refetched
        final = canonical_url(item.url) if item.url else None
        if article is not None and final and final not in (item.requested_url, article.url):
            archive.record_page(
                final,
                source=item.source,
                outcome=item.outcome,
                http_status=item.status,
                article_url=article.url,
            )
