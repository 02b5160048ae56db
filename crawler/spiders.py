"""Generic spiders, one per source kind (not one per site).

A spider fetches each source's listing (feed or sitemap) with a conditional GET,
keeps the entries whose canonical URL the archive does not know yet, newest first
and up to the source's budget, and fetches those pages. Every article fetch,
successful or not, becomes a :class:`~pipelines.items.FetchedPage` item; the
pipelines extract, score and archive it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from crawler.config import Source
from crawler.feeds import Entry, FeedError, parse_feed
from crawler.middlewares import RedirectLoop, RetryDeferred, RetryInterrupted
from crawler.session import CrawlSession
from crawler.sitemaps import SitemapError, parse_sitemap
from pipelines.items import FetchedPage
from pipelines.normalize import canonical_url

__all__ = ["SourceSpider", "FeedSpider", "SitemapSpider", "SPIDERS"]

HTML_TYPES = ("text/html", "application/xhtml+xml")


def _failure_reason(failure: Failure) -> tuple[str, int | None, bool]:
    """(one-line reason, HTTP status, final?) for a failed request."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"HTTP {status}", status, status in (404, 410)
    if isinstance(exc, RetryDeferred):
        return str(exc), exc.status, False
    if isinstance(exc, IgnoreRequest):  # robots.txt, the private-network guard
        # settled for now: retrying it before robots.txt or the settings change is useless
        return str(exc) or "request ignored", None, True
    name = type(exc).__name__
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return (f"{name}: {detail}" if detail else name)[:300], None, False


def _failure_outcome(exc: BaseException, settled: bool) -> str:
    """The ``pages`` outcome of a failed article fetch."""
    if isinstance(exc, RetryDeferred):
        return "deferred"  # the server asked for a wait beyond retry_backoff_max
    if isinstance(exc, DownloadCancelledError) or (
        # over the size limit while downloading, or while decompressing (a gzip bomb)
        isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(exc)
    ):
        return "too_large"
    if isinstance(exc, RedirectLoop) or str(exc) == "max redirections reached":
        return "failed"
    if isinstance(exc, IgnoreRequest) and not isinstance(exc, HttpError):
        return "refused"  # robots.txt, private network: fetched once they allow it
    return "gone" if settled else "failed"


class SourceSpider(scrapy.Spider):
    """Shared logic: listing requests, the only-new filter and article requests."""

    kind: ClassVar[str]
    max_index_depth: ClassVar[int] = 0

    def __init__(self, sources: list[Source], session: CrawlSession, **kwargs: Any):
        super().__init__(**kwargs)
        self.sources = {s.name: s for s in sources}
        self.session = session

    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources.values():
            request = self.listing_request(source.url, source.name, depth=0)
            if request is not None:
                yield request
            else:  # another source of this crawl lists the same URL: it reads it once
                self.session.report(source.name).ok()

    # ------------------------------------------------------------------ listings
    def listing_request(self, url: str, source: str, depth: int) -> Request | None:
        """The request of a feed or sitemap, or None when this crawl requested it already
        (a sitemap index listing itself or a child twice is read once)."""
        if url in self.session.listings:
            return None
        self.session.listings.add(url)
        etag, last_modified = self.session.archive.validators(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            headers=headers,
            dont_filter=True,
            priority=10,
            meta={"source": source, "depth": depth, "handle_httpstatus_list": [304]},
        )

    def parse_listing(self, response: Response) -> Iterator[Request]:
        source = response.meta["source"]
        report = self.session.report(source)
        if response.status == 304:
            report.ok("not_modified")
            return
        try:
            entries, children = self.parse_entries(response)
        except (FeedError, SitemapError) as exc:
            self._listing_error(report, response.meta["depth"], f"{response.url}: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - hostile input: the source fails, not the crawl
            reason = f"unreadable listing ({type(exc).__name__}: {str(exc)[:160]})"
            self._listing_error(report, response.meta["depth"], f"{response.url}: {reason}")
            return
        report.ok()
        headers = response.headers
        etag = headers.get(b"ETag")
        modified = headers.get(b"Last-Modified")
        if etag or modified:
            report.validators[response.request.url] = (
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            )
        for child in children:
            request = self.listing_request(child, source, response.meta["depth"] + 1)
            if request is not None:
                yield request
        yield from self.article_requests(report, entries)

    def parse_entries(self, response: Response) -> tuple[list[Entry], list[str]]:
        """The entries of a listing, and further listings to fetch (sitemap index)."""
        raise NotImplementedError

    def listing_failed(self, failure: Failure) -> None:
        request = failure.request
        report = self.session.report(request.meta["source"])
        reason, _status, _final = _failure_reason(failure)
        self._listing_error(report, request.meta["depth"], f"{request.url}: {reason}")

    def _listing_error(self, report: Any, depth: int, message: str) -> None:
        if depth == 0:
            report.fail(message)
        else:  # a child sitemap: the source worked, but not all of it
            report.error = report.error or message
            report.incomplete = True

    # ------------------------------------------------------------------ articles
    def article_requests(self, report: Any, entries: Iterable[Entry]) -> Iterator[Request]:
        by_url: dict[str, Entry] = {}
        for entry in entries:
            url = canonical_url(entry.url)
            if url and url not in by_url:
                by_url[url] = entry
        report.listed += len(by_url)
        known = self.session.archive.known(by_url)  # also failed pages not yet due again
        report.known += len(known)
        fresh = [(url, e) for url, e in by_url.items() if url not in known]
        # newest first, undated last, so a budget keeps the most recent news
        fresh.sort(key=lambda item: item[1].published_at or "", reverse=True)
        if len(fresh) > report.budget:
            report.incomplete = True  # the rest waits for the next crawl
            fresh = fresh[: max(report.budget, 0)]
        for url, entry in fresh:
            report.queued += 1
            yield Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={"source": report.source.name, "hints": entry.hints(), "requested_url": url},
            )

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        is_html = isinstance(response, scrapy.http.HtmlResponse) or content_type.lower().startswith(
            HTML_TYPES
        )
        yield FetchedPage(
            source=response.meta["source"],
            requested_url=response.meta["requested_url"],
            url=response.url,
            status=response.status,
            body=response.body if is_html else b"",
            text=response.text if is_html else "",
            encoding=getattr(response, "encoding", None),
            content_type=content_type,
            hints=response.meta["hints"],
            outcome=None if is_html else "not_html",
        )

    def article_failed(self, failure: Failure) -> Iterator[FetchedPage]:
        request = failure.request
        report = self.session.report(request.meta["source"])
        if isinstance(failure.value, RetryInterrupted):
            report.incomplete = True  # stopped, not failed: no attempt is counted
            return
        reason, status, settled = _failure_reason(failure)
        outcome = _failure_outcome(failure.value, settled)
        if outcome in ("failed", "deferred"):
            report.incomplete = True
        yield FetchedPage(
            source=request.meta["source"],
            requested_url=request.meta["requested_url"],
            url=request.url,
            status=status,
            error=reason,
            outcome=outcome,
            retry_at=getattr(failure.value, "retry_at", None),
        )


class FeedSpider(SourceSpider):
    """RSS 0.9x/1.0/2.0, Atom and JSON Feed."""

    name = "feed"
    kind = "feed"

    def parse_entries(self, response: Response) -> tuple[list[Entry], list[str]]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        fmt, entries = parse_feed(response.body, response.url, content_type)
        self.session.report(response.meta["source"]).format = fmt
        return entries, []


class SitemapSpider(SourceSpider):
    """Sitemap indexes, urlsets (plain or gzipped) and Google News sitemaps."""

    name = "sitemap"
    kind = "sitemap"
    max_index_depth = 2
    max_children = 20  # newest child sitemaps of an index followed per crawl

    def parse_entries(self, response: Response) -> tuple[list[Entry], list[str]]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:  # noqa: BLE001 - truncated or oversized archive
                raise SitemapError(f"bad gzip: {exc}") from None
        sitemap = parse_sitemap(body, response.url)
        report = self.session.report(response.meta["source"])
        if sitemap.kind == "index":
            report.format = report.format or "sitemap index"
            if response.meta["depth"] >= self.max_index_depth:
                return [], []
            # each child once, not the index itself, newest first up to the cap
            unique = {url: lastmod for url, lastmod in sitemap.sitemaps if url != response.url}
            children = sorted(unique.items(), key=lambda c: c[1] or "", reverse=True)
            return [], [url for url, _ in children[: self.max_children]]
        is_news = any(e.title or e.keywords for e in sitemap.entries)
        report.format = "news sitemap" if is_news else (report.format or "sitemap")
        return sitemap.entries, []


# The listing kinds; the discovery kinds (gdelt, google_news) are in crawler/discovery.py,
# and crawler.runner.spider_classes() gives them all.
SPIDERS: dict[str, type[SourceSpider]] = {cls.kind: cls for cls in (FeedSpider, SitemapSpider)}
