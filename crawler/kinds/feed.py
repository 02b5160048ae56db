"""Kind ``feed``: RSS 0.9x/1.0/2.0, Atom and JSON Feed."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.config import Source
from crawler.kinds import Listing
from crawler.kinds.base import SourceSpider
from crawler.listings.feeds import Entry, parse_feed

__all__ = ["SPIDER", "FeedSpider", "check_meta", "check_url", "describe", "feed_entries"]


def feed_entries(spider: SourceSpider, response: Response) -> tuple[list[Entry], list[str]]:
    """The entries of a fetched feed (its format noted in the source's report)."""
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    fmt, entries = parse_feed(response.body, response.url, content_type)
    spider.session.report(response.meta["source"]).format = fmt
    return entries, []


class FeedSpider(SourceSpider):
    """RSS 0.9x/1.0/2.0, Atom and JSON Feed."""

    name = "feed"
    kind = "feed"

    def parse_entries(self, response: Response) -> tuple[list[Entry], list[str]]:
        return feed_entries(self, response)


SPIDER = FeedSpider


def check_url(source: Source, themes: Any) -> str:
    return source.url


def check_meta(source: Source) -> dict[str, Any]:
    return {}


def describe(body: bytes, url: str, content_type: str, max_size: int) -> Listing:
    """The feed's format and entry count (FeedError when it is no feed)."""
    fmt, entries = parse_feed(body, url, content_type)
    return Listing(fmt, len(entries))
