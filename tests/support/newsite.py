"""The tests' news site: the product's synthetic site (:mod:`crawler.demo.site`, the site of
``culturewatch demo``) built from the tests' own data, ``data/news-site.json``.

That data is one outlet, The Lantern Review, with every listing format the crawler reads
(RSS 2.0 with validators, RSS 1.0, RSS 0.91, Atom, JSON Feed, a news sitemap, a sitemap
index of a plain and a gzipped urlset), fixed dates, a robots.txt that forbids
``/private/`` (a page and a feed there), a redirect, a missing page, a PDF, a tracking link
and an AMP copy. Each article also says what the tests expect of it: ``topic``,
``relevant`` (whether the scorer keeps it) and ``phrase`` (words an extraction must keep).

``build_news_site(srv)`` fills a :class:`~support.server.FixtureServer`'s routes and
returns a :class:`NewsSite` describing what it serves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.demo.feeds import FEED_FORMATS
from crawler.demo.site import build_site

from .paths import DATA
from .server import FixtureServer

__all__ = ["ArticleInfo", "NewsSite", "build_news_site", "load_articles", "load_site"]

SITE_FILE = DATA / "news-site.json"


@dataclass(frozen=True)
class ArticleInfo:
    key: str
    url: str  # absolute canonical URL: the one the archive must hold
    path: str  # path of that URL
    title: str
    language: str  # primary language subtag: "en" or "zh"
    lang_tag: str  # the page's <html lang>: "en", "zh-Hans", "zh-Hant"
    relevant_expected: bool
    published: str  # ISO 8601, UTC
    topic: str  # a human label of what it is about (not a theme key)
    phrase: str  # words of the body that an extraction must keep


@dataclass
class NewsSite:
    base_url: str
    feeds: dict[str, str]  # "rss2", "rss1", "rss091", "atom", "jsonfeed" -> URL
    sitemaps: dict[str, str]  # "news", "index", "urlset", "urlset_gz" -> URL
    articles: dict[str, ArticleInfo]  # canonical URL -> info
    listed: dict[str, list[str]]  # feed or sitemap name -> item links as listed there
    robots: str
    disallowed: list[str]  # exist, but robots.txt forbids them: the page, then the feed
    disallowed_feed: str  # an RSS 2.0 feed under /private/ (listing the private page)
    redirect_from: str
    redirect_to: str
    missing: str
    not_html: str
    tracking_url: str
    canonical_from: str
    canonical_to: str

    def article(self, key: str) -> ArticleInfo:
        """The article with this key (e.g. "nezha", "wukong")."""
        return next(a for a in self.articles.values() if a.key == key)

    @property
    def relevant(self) -> list[ArticleInfo]:
        return [a for a in self.articles.values() if a.relevant_expected]


def load_site() -> dict[str, Any]:
    """The site's data, ``data/news-site.json`` (read afresh on each call)."""
    with SITE_FILE.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def _forbidden(prefixes: list[str], url: str) -> bool:
    """robots.txt forbids *url* (a path or an absolute URL): it is under one of *prefixes*."""
    return urlsplit(url).path.startswith(tuple(prefixes))


def load_articles() -> list[dict[str, Any]]:
    """The site's articles as the data holds them, in its order, but for the one that
    robots.txt forbids (read afresh on each call: the caller may change what it gets)."""
    data = load_site()
    return [a for a in data["articles"] if not _forbidden(data["robots"]["disallow"], a["path"])]


def build_news_site(srv: FixtureServer) -> NewsSite:
    """Fill ``srv.routes`` with the news site and describe it."""
    site = build_site(srv.base_url, load_site())
    srv.routes.update(site.pages)

    def forbidden(url: str) -> bool:
        return _forbidden(site.disallowed, url)

    by_url = {x.url: x for x in site.listings}
    listed = {  # a sitemap index: the links of its sitemaps
        x.name: [u for child in x.links for u in by_url[child].links]
        if x.format == "sitemap_index"
        else x.links
        for x in site.listings
    }
    public = [x for x in site.listings if not forbidden(x.url)]
    articles = {
        a.url: ArticleInfo(
            key=a.key,
            url=a.url,
            path=a.path,
            title=a.title,
            language=a.lang.split("-")[0],
            lang_tag=a.lang,
            relevant_expected=a.data["relevant"],
            published=a.published.isoformat(),
            topic=a.data["topic"],
            phrase=a.data["phrase"],
        )
        for a in site.article_pages
        if not forbidden(a.url)
    }
    amp = next(a for a in site.article_pages if a.data.get("also_at"))
    redirect_from = site.named["redirect"]
    return NewsSite(
        base_url=site.base_url,
        feeds={x.name: x.url for x in public if x.format in FEED_FORMATS},
        sitemaps={x.name: x.url for x in public if x.format not in FEED_FORMATS},
        articles=articles,
        listed=listed,
        robots=srv.url("/robots.txt"),
        disallowed=[
            *(a.url for a in site.article_pages if forbidden(a.url)),
            *(x.url for x in site.listings if forbidden(x.url)),
        ],
        disallowed_feed=next(x.url for x in site.listings if forbidden(x.url)),
        redirect_from=redirect_from,
        redirect_to=str(site.pages[urlsplit(redirect_from).path].location),
        missing=site.named["missing"],
        not_html=site.named["not_html"],
        tracking_url=site.named["tracking"],
        canonical_from=srv.url(amp.data["also_at"]),
        canonical_to=amp.url,
    )
