"""Finding a site's listings in what was fetched: pure functions, no requests of their own.

A ``site`` source is an outlet's home or section page. What can be read from it, in the
order discovery tries it (:mod:`crawler.kinds.probe` fetches, through Scrapy):

1. the feeds the page advertises: ``<link rel="alternate">`` with a feed type, else links
   that look like feeds (trafilatura's ``determine_feed``);
2. the sitemaps named by the site's ``robots.txt`` (``Sitemap:`` lines, trafilatura's
   ``extract_robots_sitemaps``), news sitemaps first;
3. common feed paths (``/feed``, ``/rss.xml``, ...), then common sitemap paths (news first,
   then trafilatura's guesses);
4. failing all of these, the page's own article links (courlan's filters drop navigation,
   tag, category, login and file links).

:func:`read_listing` tells what a fetched document is (feed, sitemap, or neither) with the
crawl's own parsers, so what discovery accepts is what the crawl can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan.filters import (
    basic_filter,
    extension_filter,
    is_navigation_page,
    is_not_crawlable,
    path_filter,
    type_filter,
)
from lxml import html as lxml_html
from scrapy.utils.gz import gunzip

from crawler.listings.feeds import Entry, FeedError, parse_feed
from crawler.listings.sitemaps import SitemapError, SitemapRef, parse_sitemap
from pipelines.normalize import canonical_url, same_site

__all__ = [
    "FEED_PATHS",
    "sitemap_paths",
    "Found",
    "article_links",
    "feed_candidates",
    "links_found",
    "looks_like_html",
    "read_listing",
    "robots_sitemaps",
    "site_root",
]

# Tried when the page advertises no feed and robots.txt names no sitemap that works.
FEED_PATHS = ("feed", "rss", "rss.xml", "feed.xml", "atom.xml", "index.xml")


def sitemap_paths() -> tuple[str, ...]:
    """Sitemap paths tried when robots.txt names none that works: ours, then trafilatura's
    guesses, news first. (trafilatura is imported here, not by the module: a crawl's own
    process has no other use for it.)"""
    from trafilatura.sitemaps import GUESSES

    guesses = sorted((g for g in GUESSES if g.endswith(".xml")), key=lambda g: "news" not in g)
    return ("news-sitemap.xml", *guesses)


MAX_LINKS = 300  # article links read from one page
TITLES = 5  # latest titles shown by `sources add` and `sources check`


@dataclass
class Found:
    """A listing discovery found: what it is, where, and what it lists."""

    kind: str  # feed | sitemap | links
    url: str
    format: str  # rss20, atom10, jsonfeed, sitemap, news sitemap, sitemap index, page links
    items: int  # entries (child sitemaps for an index)
    titles: list[str] = field(default_factory=list)  # the latest, newest first
    page: bool = False  # the page discovery started from is itself this listing

    def summary(self) -> str:
        """``feed http://x/rss.xml (rss20, 12 items)``: one line for the terminal."""
        unit = "child sitemaps" if self.format == "sitemap index" else "items"
        return f"{self.kind} {self.url} ({self.format}, {self.items} {unit})"


def site_root(url: str) -> str:
    """The home page of *url*'s site: ``scheme://host/``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def looks_like_html(body: bytes, content_type: str) -> bool:
    """True for an HTML page (by its type, else by its first bytes)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return True
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def feed_candidates(body: bytes, page_url: str) -> list[str]:
    """The feeds a page advertises (``<link rel="alternate">``), else the links on it that
    look like feeds; absolute, each once, comment feeds left out."""
    from trafilatura.feeds import FeedParameters, determine_feed

    parts = urlsplit(page_url)
    params = FeedParameters(f"{parts.scheme}://{parts.netloc}", parts.hostname or "", page_url)
    found = dict.fromkeys(determine_feed(_text(body), params))
    return [url for url in found if url != page_url and _is_web(url)]


def robots_sitemaps(body: bytes, site: str) -> list[str]:
    """The sitemaps a robots.txt names, those with ``news`` in their URL first."""
    from trafilatura.sitemaps import extract_robots_sitemaps

    found = [url for url in extract_robots_sitemaps(_text(body), site.rstrip("/")) if _is_web(url)]
    return sorted(dict.fromkeys(found), key=lambda url: "news" not in url.lower())


def _is_web(url: str) -> bool:
    """An http(s) URL: a page or robots.txt naming file:, data: or ftp: URLs is not followed."""
    return urlsplit(url).scheme in ("http", "https")


_ARTICLE_LIKE = re.compile(
    r"\d{4}|[^/]*[-_][^/]*[-_][^/]*|\.s?html?$|/(?:article|story|news|a|c)/[^/]+", re.I
)


def article_links(body: bytes, page_url: str, limit: int = MAX_LINKS) -> list[str]:
    """The links of a page that look like its articles: on the same site, not navigation,
    tag, category, login or file links (courlan's filters), with a path that looks like an
    article's (a date or number, a slug, ``.html``); in page order, each once."""
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    own = canonical_url(page_url)
    links: dict[str, None] = {}
    for href in tree.xpath("//a/@href"):
        try:
            url = canonical_url(urljoin(page_url, str(href).strip()))
        except ValueError:
            continue
        if not url or url == own or url in links or not _is_web(url):
            continue
        if not same_site(url, page_url):
            continue
        parts = urlsplit(url)
        if not (
            basic_filter(url)
            and extension_filter(parts.path)
            and path_filter(parts.path, parts.query)
            and type_filter(url, strict=True)
            and not is_navigation_page(url)
            and not is_not_crawlable(url)
            and _ARTICLE_LIKE.search(parts.path)
        ):
            continue
        links[url] = None
        if len(links) >= limit:
            break
    return list(links)


def _latest(entries: list[Entry]) -> list[str]:
    dated = sorted(entries, key=lambda e: e.published_at or "", reverse=True)
    return [e.title for e in dated if e.title][:TITLES]


def read_listing(body: bytes, url: str, content_type: str, max_size: int) -> Found | None:
    """What the document fetched from *url* is, read with the crawl's parsers: a feed, a
    sitemap (plain, gzipped, news or index), or None (an HTML page, an error page, junk)."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except Exception:  # noqa: BLE001 - a broken or oversized archive is no listing
            return None
    if not body.strip() or looks_like_html(body, content_type):
        return None
    try:
        sitemap = parse_sitemap(body, url)
    except SitemapError:
        sitemap = None
    except Exception:  # noqa: BLE001 - hostile input
        sitemap = None
    if sitemap is not None:
        if sitemap.kind == "index":
            refs: list[SitemapRef] = sitemap.sitemaps
            return Found("sitemap", url, "sitemap index", len(refs))
        news = any(e.title or e.keywords for e in sitemap.entries)
        fmt = "news sitemap" if news else "sitemap"
        return Found("sitemap", url, fmt, len(sitemap.entries), _latest(sitemap.entries))
    try:
        fmt, entries = parse_feed(body, url, content_type)
    except FeedError:
        return None
    except Exception:  # noqa: BLE001 - hostile input
        return None
    return Found("feed", url, fmt, len(entries), _latest(entries))


def links_found(body: bytes, page_url: str) -> Found | None:
    """The page's own article links as a listing, or None when it has none."""
    links = article_links(body, page_url)
    if not links:
        return None
    return Found("links", page_url, "page links", len(links))
