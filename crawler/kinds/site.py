"""Kind ``site``: an outlet's home or section page, whose listing the crawl finds itself.

The first crawl of a ``site`` source discovers its listing (:mod:`crawler.kinds.probe`:
the feeds the page advertises with ``<link rel="alternate">``, robots.txt's sitemaps,
common feed and sitemap paths, failing all of them the page's own article links) and
remembers it in the archive (``source_listings``). Later crawls read the remembered feed
or sitemap directly, with conditional GETs like the other kinds; when it stops working (an
HTTP error, no longer a feed, no items) the crawl discovers again at once, without it, and
remembers what it finds instead. A site remembered with page links only is looked at again
for an advertised feed at every crawl (the page is fetched anyway). Articles are then
fetched as every kind does: only new ones, newest first, within the source's budget.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.config import Source
from crawler.kinds import Listing, ListingUnusable
from crawler.kinds.base import SourceSpider, failure_reason
from crawler.kinds.feed import feed_entries
from crawler.kinds.probe import Discovery
from crawler.kinds.sitemap import sitemap_entries
from crawler.listings.discovery import Found, article_links, read_listing
from crawler.listings.feeds import Entry
from storage.listings import remembered

__all__ = ["DISCOVERS", "SPIDER", "SiteSpider", "check_meta", "check_url", "describe"]

# `sources check` runs a discovery for this kind instead of reading one listing
DISCOVERS = True


class SiteSpider(SourceSpider):
    """Sites whose feed, sitemap or article links the crawl discovers (``kind = "site"``)."""

    name = "site"
    kind = "site"
    max_index_depth = 2
    max_children = 20

    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources.values():
            for request in self.begin(source):
                yield request

    def begin(self, source: Source) -> Iterator[Request]:
        """The remembered listing of *source*, else a discovery at its page."""
        known = remembered(self.session.archive.db, source.name)
        if known is None or known.kind not in ("feed", "sitemap"):
            # never discovered: everything is tried; page links only: the page is looked
            # at again for an advertised feed, without probing paths that were not there
            yield self.discovery(source, probe=known is None).start()
            return
        request = self.listing_request(known.url, source.name, depth=0, kind=known.kind)
        if request is None:  # another source of this crawl reads the same listing
            self.session.report(source.name).ok()
            return
        request.meta["remembered"] = known.format or known.kind
        yield request.replace(errback=self.remembered_failed)

    def discovery(self, source: Source, *, probe: bool = True, exclude: Iterable[str] = ()) -> Any:
        def done(found: Found | None, response: Response | None, why: str) -> Iterator[Any]:
            yield from self.discovered(source, found, response, why)

        return Discovery(
            source.url,
            done=done,
            max_size=self.settings.getint("DOWNLOAD_MAXSIZE"),
            meta={"source": source.name, "depth": 0},
            exclude=exclude,
            probe=probe,
        )

    def discovered(
        self, source: Source, found: Found | None, response: Response | None, why: str
    ) -> Iterator[Any]:
        report = self.session.report(source.name)
        if found is None or response is None:
            report.fail(why)
            return
        report.listing = {"site": source.url, "url": found.url, "kind": found.kind}
        report.listing["fmt"] = found.format
        response.meta.update(source=source.name, depth=0, listing_kind=found.kind)
        if found.kind != "links":
            self.session.listings.add(found.url)
        yield from self.parse_listing(response)

    # ------------------------------------------------------------------ listings
    def listing_request(
        self, url: str, source: str, depth: int, kind: str = "sitemap"
    ) -> Request | None:
        """As every kind's, with the listing's kind (a sitemap index's children: sitemaps)."""
        request = super().listing_request(url, source, depth)
        if request is not None:
            request.meta["listing_kind"] = kind
        return request

    def parse_listing(self, response: Response) -> Iterator[Request]:
        meta = response.meta
        if meta.get("remembered") and meta["depth"] == 0:
            source = self.sources[meta["source"]]
            url = response.url
            problem = None if response.status == 304 else self.unusable(response)
            if problem:
                yield from self.rediscover(source, meta["listing_kind"], url, problem)
                return
            self.session.report(source.name).listing = {
                "site": source.url,
                "url": url,
                "kind": meta["listing_kind"],
                "fmt": meta["remembered"],
            }
        yield from super().parse_listing(response)

    def unusable(self, response: Response) -> str | None:
        """Why a remembered listing no longer works, or None when it does."""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        found = read_listing(
            response.body, response.url, content_type, self.settings.getint("DOWNLOAD_MAXSIZE")
        )
        if found is None:
            return "no longer a feed or sitemap"
        if found.kind != response.meta["listing_kind"]:
            return f"now a {found.kind}, not a {response.meta['listing_kind']}"
        if found.items == 0:
            return "lists nothing"
        return None

    def remembered_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        reason, _status, _final = failure_reason(failure)
        source = self.sources[request.meta["source"]]
        yield from self.rediscover(source, request.meta["listing_kind"], request.url, reason)

    def rediscover(self, source: Source, kind: str, url: str, problem: str) -> Iterator[Any]:
        """The remembered listing stopped working: discover again without it."""
        report = self.session.report(source.name)
        report.listing_error = f"{kind} {url}: {problem}"
        report.error = report.error or f"remembered {kind} {url}: {problem}; discovered again"
        yield self.discovery(source, exclude={url}).start()

    def parse_entries(self, response: Response) -> tuple[Iterable[Entry], list[str]]:
        kind = response.meta.get("listing_kind")
        if kind == "feed":
            return feed_entries(self, response)
        if kind == "links":
            self.session.report(response.meta["source"]).format = "page links"
            return [Entry(url=url) for url in article_links(response.body, response.url)], []
        return sitemap_entries(
            self, response, max_depth=self.max_index_depth, max_children=self.max_children
        )


SPIDER = SiteSpider


def check_url(source: Source, themes: Any) -> str:
    return source.url


def check_meta(source: Source) -> dict[str, Any]:
    return {}


def describe(body: bytes, url: str, content_type: str, max_size: int) -> Listing:
    """A fetched document as a listing, when it is one; the check discovers a ``site``
    source's listing (``DISCOVERS``) rather than describing its page."""
    found = read_listing(body, url, content_type, max_size)
    if found is None:
        raise ListingUnusable("no feed or sitemap (a site's page is discovered, not read)")
    return Listing(found.format, found.items)
