"""Kind ``sitemap``: sitemap indexes, urlsets (plain or gzipped) and Google News sitemaps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scrapy.http import Response
from scrapy.utils.gz import gunzip

from crawler.config import Source
from crawler.kinds import Listing, ListingUnusable
from crawler.kinds.base import SourceSpider
from crawler.listings.feeds import Entry
from crawler.listings.sitemaps import SitemapError, SitemapRef, iter_sitemap, parse_sitemap

__all__ = ["SPIDER", "SitemapSpider", "check_meta", "check_url", "describe", "sitemap_entries"]


def sitemap_entries(
    spider: SourceSpider, response: Response, *, max_depth: int, max_children: int
) -> tuple[Iterable[Entry], list[str]]:
    """The entries of a fetched sitemap, or the child sitemaps of an index (newest first,
    up to *max_children*, none beyond *max_depth*); read lazily, so a huge one costs little."""
    body = response.body
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=spider.settings.getint("DOWNLOAD_MAXSIZE"))
        except Exception as exc:  # noqa: BLE001 - truncated or oversized archive
            raise SitemapError(f"bad gzip: {exc}") from None
    items = iter_sitemap(body, response.url)
    report = spider.session.report(response.meta["source"])
    if items.kind == "index":
        report.format = report.format or "sitemap index"
        if response.meta["depth"] >= max_depth:
            return [], []
        # each child once, not the index itself, newest first up to the cap
        unique: dict[str, str | None] = {}
        for ref in items:
            if isinstance(ref, SitemapRef) and ref.url != response.url:
                unique.setdefault(ref.url, ref.lastmod)
        children = sorted(unique.items(), key=lambda c: c[1] or "", reverse=True)
        return [], [url for url, _ in children[:max_children]]
    report.format = report.format or "sitemap"

    def entries() -> Iterator[Entry]:
        for item in items:
            if isinstance(item, Entry):
                if item.title or item.keywords:
                    report.format = "news sitemap"
                yield item

    return entries(), []


class SitemapSpider(SourceSpider):
    """Sitemap indexes, urlsets (plain or gzipped) and Google News sitemaps."""

    name = "sitemap"
    kind = "sitemap"
    max_index_depth = 2
    max_children = 20  # newest child sitemaps of an index followed per crawl

    def parse_entries(self, response: Response) -> tuple[Iterable[Entry], list[str]]:
        return sitemap_entries(
            self, response, max_depth=self.max_index_depth, max_children=self.max_children
        )


SPIDER = SitemapSpider


def check_url(source: Source, themes: Any) -> str:
    return source.url


def check_meta(source: Source) -> dict[str, Any]:
    return {}


def _gunzip(body: bytes, max_size: int) -> bytes:
    """A gzipped sitemap decompressed as the crawl does, refusing more than *max_size* bytes."""
    try:
        return gunzip(body, max_size=max_size)
    except ValueError as exc:
        limit = getattr(exc, "max_size", None)  # scrapy's _DecompressionMaxSizeExceeded
        if limit is None:
            raise
        raise ListingUnusable(f"larger than {limit} bytes once decompressed") from None


def describe(body: bytes, url: str, content_type: str, max_size: int) -> Listing:
    """Index or urlset, plain or news, and its count (SitemapError when it is no sitemap)."""
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body, max_size)
    sitemap = parse_sitemap(body, url)
    if sitemap.kind == "index":
        return Listing("sitemap index", len(sitemap.sitemaps), "child sitemaps")
    is_news = any(e.title or e.keywords for e in sitemap.entries)
    return Listing("news sitemap" if is_news else "sitemap", len(sitemap.entries))
