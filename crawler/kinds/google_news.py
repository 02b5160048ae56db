"""Kind ``google_news``: Google News RSS searches.

Google News RSS search (``https://news.google.com/rss/search?q=..&hl=..&gl=..&ceid=..``,
at most 100 items). Item links point at ``news.google.com/rss/articles/<id>``.
Resolution to the publisher's URL, in order: ids of the older format carry the URL
(base64 protobuf) and are decoded offline; ids of the current format (``CBMi...``) are
resolved with Google's own two steps (:mod:`crawler.kinds.google_links`: the article page's
signature, then the decoding endpoint), through a download slot of their own, one request
at a time and ``google_news.resolve_delay`` seconds apart; otherwise the Google page is
fetched once and an HTTP redirect, a meta refresh or a link to the publisher named in the
item's ``<source url=...>`` is followed. An item that cannot be resolved ends as
``unresolved`` in the ``pages`` table with the step that failed (a failed request to
Google is ``failed`` and tried again by a later crawl), and keeps the RSS's title,
publisher and date there, so the story is still seen.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from scrapy.http import Request, Response

from crawler.config import Source
from crawler.kinds import Listing
from crawler.kinds.google_links import (
    article_id,
    batchexecute_body,
    batchexecute_url,
    is_current_format,
    parse_batchexecute,
    parse_signature,
    signature_page_url,
)
from crawler.kinds.queries import DiscoveryError, search_url
from crawler.kinds.search import SearchSpider
from crawler.listings.feeds import Entry, _struct_to_iso
from pipelines.items import FetchedPage
from pipelines.normalize import canonical_url, same_site

__all__ = [
    "GOOGLE_NEWS_SEARCH",
    "RESOLVE_SLOT",
    "SPIDER",
    "GoogleItem",
    "GoogleNewsSpider",
    "check_meta",
    "check_url",
    "decode_google_news_url",
    "describe",
    "find_publisher_link",
    "parse_google_news",
]

GOOGLE_NEWS_SEARCH = "https://news.google.com/rss/search"


@dataclass
class GoogleItem:
    link: str  # as listed: usually a news.google.com article link
    url: str | None  # the publisher's URL when it could be decoded from the link
    title: str | None
    published_at: str | None
    publisher: str | None  # name from <source>
    publisher_url: str | None  # home page from <source url=...>


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise ValueError("truncated varint")


_ARTICLE_PATH = re.compile(r"^/(?:rss/)?(?:articles|read)/([A-Za-z0-9_-]+)")
RESOLVE_SLOT = "google-news-resolve"  # the download slot of the resolving requests


def decode_google_news_url(url: str) -> str | None:
    """The publisher URL inside a Google News article link of the older format, else None.

    Older ids are base64url protobuf messages whose field 4 holds the article URL
    (``08 13 22 <length> <url>``). Current ids (``CBMi...`` decoding to ``AU_yqL...``) are
    opaque: None.
    """
    match = _ARTICLE_PATH.match(urlsplit(url).path)
    if not match:
        return None
    token = match.group(1)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    prefix = b"\x08\x13\x22"
    if not raw.startswith(prefix):
        return None
    try:
        length, pos = _varint(raw, len(prefix))
    except ValueError:
        return None
    candidate = raw[pos : pos + length]
    if len(candidate) != length or not candidate.startswith((b"http://", b"https://")):
        return None
    try:
        decoded = candidate.decode("ascii")
    except UnicodeDecodeError:
        return None
    return decoded if canonical_url(decoded) else None


def _stripped(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_google_news(body: bytes, url: str) -> list[GoogleItem]:
    """Items of a Google News RSS page (raises DiscoveryError when it is no feed)."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS found"
        raise DiscoveryError(f"not a Google News RSS page: {str(reason)[:120]}")
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not isinstance(link, str) or not link:
            continue
        source = entry.get("source")
        source = source if isinstance(source, dict) else {}
        publisher = _stripped(source.get("title"))
        title = _stripped(entry.get("title"))
        if title and publisher and title.endswith(f" - {publisher}"):
            title = title[: -len(publisher) - 3].strip() or title
        items.append(
            GoogleItem(
                link=link,
                url=decode_google_news_url(link),
                title=title,
                published_at=_struct_to_iso(entry.get("published_parsed")),
                publisher=publisher,
                publisher_url=_stripped(source.get("href")),
            )
        )
    return items


_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["'][^"']*?url\s*=\s*([^"'>\s]+)""",
    re.IGNORECASE,
)
_HREF = re.compile(r"""(?:href|data-n-au)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _join(base_url: str, link: str) -> str | None:
    """*link* (as written in HTML) made absolute, or None when it is no URL (``http://[::1/b``)."""
    try:
        return urljoin(base_url, unescape(link))
    except ValueError:
        return None


def find_publisher_link(html: str, base_url: str, publisher_url: str | None) -> str | None:
    """The publisher's article URL on a Google News article page, if the page names it.

    A meta refresh to another host wins; else the first link (``href`` or
    ``data-n-au``) on the publisher's site as named by the item's ``<source url=...>``.
    """
    google = urlsplit(base_url).netloc
    refresh = _REFRESH.search(html)
    if refresh:
        target = _join(base_url, refresh.group(1))
        if target and urlsplit(target).netloc not in ("", google):
            return target
    if not publisher_url:
        return None
    for match in _HREF.finditer(html):
        target = _join(base_url, match.group(1))
        if target is None:
            continue
        parts = urlsplit(target)
        if (
            parts.scheme in ("http", "https")
            and parts.netloc != google
            and same_site(target, publisher_url)
            and parts.path not in ("", "/")
        ):
            return target
    return None


class GoogleNewsSpider(SearchSpider):
    """Google News RSS searches (``kind = "google_news"``)."""

    name = "google_news"
    kind = "google_news"
    service = "Google News"

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """The resolving requests' download slot: one at a time, resolve_delay apart."""
        super().update_settings(settings)
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        delay = settings.getfloat("CULTUREWATCH_GOOGLE_NEWS_DELAY", 1.0)
        slots[RESOLVE_SLOT] = {"concurrency": 1, "delay": delay, "jitter": 0}
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    def __init__(self, sources: list[Source], session: Any, **kwargs: Any):
        super().__init__(sources, session, **kwargs)
        self._items: dict[str, GoogleItem] = {}  # listed link -> the RSS item
        self._searches: dict[str, str] = {}  # source -> its search URL (the edition)
        self._search_hosts: set[str] = set()

    def first_request(self, source: Source) -> Request | None:
        url = search_url(source, self.themes())
        self._search_hosts.add(urlsplit(url).netloc)
        self._searches[source.name] = url
        request = self.listing_request(url, source.name, depth=0)
        return request.replace(errback=self.search_failed) if request is not None else None

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """The search page (see SourceSpider), then the next source, whatever happened."""
        try:
            yield from super().parse_listing(response)
        except Exception as exc:  # the page is untrusted input
            self.answer_failed(response, exc)
        yield from self.next_source()

    def parse_entries(self, response: Response) -> tuple[list[Entry], list[str]]:
        items = parse_google_news(response.body, response.url)
        report = self.session.report(response.meta["source"])
        report.format = "google news rss"
        entries = []
        for item in items:
            url = item.url or item.link
            self._items[canonical_url(url) or url] = item
            entries.append(Entry(url=url, title=item.title, published_at=item.published_at))
        return entries, []

    def is_google_link(self, url: str) -> bool:
        parts = urlsplit(url)
        host = parts.hostname or ""
        google = parts.netloc in self._search_hosts or host == "news.google.com"
        return google and bool(_ARTICLE_PATH.match(parts.path))

    def article_requests(self, report: Any, entries: Iterable[Entry]) -> Iterator[Request]:
        for request in super().article_requests(report, entries):
            item = self._items.get(request.meta["requested_url"])
            request.meta["publisher_url"] = item.publisher_url if item else None
            if item and item.publisher:
                request.meta["hints"]["publisher"] = item.publisher  # kept if unresolved
            google_id = article_id(request.url) if self.is_google_link(request.url) else None
            if google_id and is_current_format(google_id):
                search = self._searches.get(report.source.name)
                request = request.replace(url=signature_page_url(request.url, search))
                request.meta.update(
                    google_id=google_id,
                    download_slot=RESOLVE_SLOT,
                    autothrottle_dont_adjust_delay=True,
                )
            yield request

    def _follow(self, meta: dict[str, Any], target: str) -> Request:
        """The request of the publisher's page, for the listed item of *meta*."""
        return Request(
            target,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={
                key: meta.get(key) for key in ("source", "hints", "requested_url", "publisher_url")
            },
        )

    def _unresolved(self, response: Response, why: str) -> FetchedPage:
        meta = response.meta
        return FetchedPage(
            source=meta["source"],
            requested_url=meta["requested_url"],
            url=response.url,
            status=response.status,
            error=f"Google News link not resolved to the publisher's URL: {why}",
            outcome="unresolved",
            hints=meta["hints"],
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        if not self.is_google_link(response.url):  # a publisher page, maybe after a redirect
            yield from super().parse_article(response)
            return
        meta = response.meta
        text = response.text if hasattr(response, "text") else ""
        google_id = meta.get("google_id")
        signed = parse_signature(text) if google_id else None
        if google_id and signed:  # step 2: the decoding endpoint, in the same slot
            signature, stamp = signed
            yield Request(
                batchexecute_url(response.url),
                method="POST",
                body=batchexecute_body(google_id, stamp, signature),
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
                callback=self.parse_decoded,
                errback=self.article_failed,
                dont_filter=True,
                meta={
                    **{k: meta.get(k) for k in ("source", "hints", "requested_url")},
                    "publisher_url": meta.get("publisher_url"),
                    "download_slot": RESOLVE_SLOT,
                    "autothrottle_dont_adjust_delay": True,
                },
            )
            return
        target = find_publisher_link(text, response.url, meta.get("publisher_url"))
        if target and canonical_url(target) and not self.is_google_link(target):
            yield self._follow(meta, target)
            return
        why = "no signature on Google's article page" if google_id else "the page names none"
        yield self._unresolved(response, why)

    def parse_decoded(self, response: Response) -> Iterator[Any]:
        """Step 3: the decoding endpoint's answer, then the publisher's page."""
        text = response.text if hasattr(response, "text") else ""
        target = parse_batchexecute(text)
        if target and canonical_url(target) and not self.is_google_link(target):
            yield self._follow(response.meta, target)
            return
        yield self._unresolved(response, "Google's decoding endpoint gave no URL")


SPIDER = GoogleNewsSpider


def check_url(source: Source, themes: Any) -> str:
    """The search page of *source*, as the crawl requests it."""
    return search_url(source, themes)


def check_meta(source: Source) -> dict[str, Any]:
    return {}


def describe(body: bytes, url: str, content_type: str, max_size: int) -> Listing:
    """The items of a search page: how many decode to publisher URLs offline, how many
    are of the current format (resolved with Google's decoding endpoint when crawled)."""
    items = parse_google_news(body, url)
    decoded = sum(1 for i in items if i.url)
    ids = [article_id(i.link) for i in items if not i.url]
    current = sum(1 for i in ids if i and is_current_format(i))
    return Listing(
        "google news rss",
        len(items),
        f"{decoded} links decoded to publisher URLs, {current} of the current format",
    )
