"""The shared spider of every source kind (not one per site): ``SourceSpider``.

A spider fetches each source's listing (feed or sitemap) with a conditional GET,
keeps the entries whose canonical URL the archive does not know yet, newest first
and up to the source's budget, and fetches those pages. Every article fetch,
successful or not, becomes a :class:`~pipelines.items.FetchedPage` item; the
pipelines extract, score and archive it.
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import islice
from typing import Any, ClassVar, cast

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.config import Source
from crawler.listings.feeds import Entry, FeedError
from crawler.listings.sitemaps import SitemapError
from crawler.middlewares import RedirectLoop, RetryDeferred
from crawler.session import CrawlSession
from pipelines.items import FetchedPage
from pipelines.normalize import canonical_url

__all__ = ["HTML_TYPES", "SourceSpider", "failure_reason", "too_large"]

HTML_TYPES = ("text/html", "application/xhtml+xml")


def failure_reason(failure: Failure) -> tuple[str, int | None, bool]:
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


def too_large(exc: BaseException | None) -> bool:
    """True when a download failed on the size limit: over ``DOWNLOAD_MAXSIZE`` while
    downloading, or while decompressing (a gzip bomb; Scrapy's message names the setting)."""
    return isinstance(exc, DownloadCancelledError) or (
        isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(exc)
    )


def _failure_outcome(exc: BaseException | None, settled: bool) -> str:
    """The ``pages`` outcome of a failed article fetch."""
    if isinstance(exc, RetryDeferred):
        return "deferred"  # the server asked for a wait beyond retry_backoff_max
    if too_large(exc):
        return "too_large"
    if isinstance(exc, RedirectLoop) or str(exc) == "max redirections reached":
        return "failed"
    if isinstance(exc, IgnoreRequest) and not isinstance(exc, HttpError):
        return "refused"  # robots.txt, private network: fetched once they allow it
    return "gone" if settled else "failed"


def _chunks(items: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


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
            # entries may be read as they are parsed (a sitemap): at most a budget of
            # requests is kept, so even a huge listing takes bounded memory
            articles = list(self.article_requests(report, entries))
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
            report.validators[cast(Request, response.request).url] = (
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            )
        for child in children:
            request = self.listing_request(child, source, response.meta["depth"] + 1)
            if request is not None:
                yield request
        yield from articles

    def parse_entries(self, response: Response) -> tuple[Iterable[Entry], list[str]]:
        """The entries of a listing, and further listings to fetch (sitemap index)."""
        raise NotImplementedError

    def listing_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        report = self.session.report(request.meta["source"])
        reason, _status, _final = failure_reason(failure)
        self._listing_error(report, request.meta["depth"], f"{request.url}: {reason}")

    def _listing_error(self, report: Any, depth: int, message: str) -> None:
        if depth == 0:
            report.fail(message)
        else:  # a child sitemap: the source worked, but not all of it
            report.error = report.error or message
            report.incomplete = True

    # ------------------------------------------------------------------ articles
    def article_requests(self, report: Any, entries: Iterable[Entry]) -> Iterator[Request]:
        """Requests for the entries not archived yet: the newest first (undated last), up
        to the source's budget; the rest waits for the next crawl.

        *entries* are read in chunks and only the budget's newest are kept (a heap), so a
        listing of a million URLs costs the memory of its budget, not of its length.
        """
        budget = max(report.budget, 0)
        newest: list[tuple[str, int, str, Entry]] = []  # min-heap: the oldest kept on top
        kept: set[str] = set()
        order = 0
        for chunk in _chunks(entries, 1000):
            by_url: dict[str, Entry] = {}
            for entry in chunk:
                url = canonical_url(entry.url)
                if url and url not in by_url and url not in kept:
                    by_url[url] = entry
            report.listed += len(by_url)
            # known: archived, or failed and not due again yet (the give-up policy)
            known = self.session.archive.known(by_url)
            report.known += len(known)
            for url, entry in by_url.items():
                if url in known:
                    continue
                order += 1
                key = (entry.published_at or "", -order, url, entry)
                if len(newest) < budget:
                    heapq.heappush(newest, key)
                    kept.add(url)
                    continue
                report.incomplete = True  # over the budget: the rest waits
                if budget and key[:2] > newest[0][:2]:
                    kept.discard(heapq.heapreplace(newest, key)[2])
                    kept.add(url)
        for _date, _order, url, entry in sorted(newest, key=lambda k: k[:2], reverse=True):
            report.queued += 1
            yield Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={"source": report.source.name, "hints": entry.hints(), "requested_url": url},
            )

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        is_html = isinstance(response, scrapy.http.HtmlResponse) or content_type.lower().startswith(
            HTML_TYPES
        )
        yield FetchedPage(
            source=response.meta["source"],
            requested_url=response.meta["requested_url"],
            url=response.url,
            status=response.status,
            body=response.body if is_html else b"",
            # decoded by the extraction worker, not here (pipelines.extraction.extract.decode)
            encoding=getattr(response, "encoding", None),
            content_type=content_type,
            headers=_header_pairs(response.headers) if is_html else [],
            request_headers=(
                _header_pairs(response.request.headers) if is_html and response.request else []
            ),
            hints=response.meta["hints"],
            outcome=None if is_html else "not_html",
        )

    def article_failed(self, failure: Failure) -> Iterator[FetchedPage]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        report = self.session.report(request.meta["source"])
        reason, status, settled = failure_reason(failure)
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
            hints=request.meta.get("hints") or {},
        )


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy's headers (bytes, a list of values per name) as (name, value) text pairs."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]
