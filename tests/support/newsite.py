"""The synthetic news site: its article pages, feeds, sitemaps, robots.txt and traps.

``build_news_site(srv)`` fills a :class:`~support.server.FixtureServer`'s routes and
returns a :class:`NewsSite` describing what it serves. The articles (written for these
tests, in the project's own words) are data: ``data/news-site.json``, one object per
article with ``key``, ``path``, ``lang`` (the page's ``<html lang>``), ``title``, ``desc``,
``published`` (ISO 8601), ``section``, ``author``, ``tags``, ``topic`` (a human label, not a
theme key), ``relevant`` (whether the scorer should keep it), ``phrase`` (words of the body
an extraction must keep), ``paras`` (the ``<article>`` body) and optionally ``also_at``
(another path serving the page, whose canonical is ``path``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .feeds import (
    PATHS,
    SITE_NAME,
    Item,
    atom,
    esc,
    jsonfeed,
    news_sitemap,
    rss091,
    rss1,
    rss2,
    sitemap_index,
    urlset,
    utc,
)
from .paths import DATA
from .server import FixtureServer, Route

__all__ = ["ArticleInfo", "NewsSite", "build_news_site", "load_articles"]

ARTICLES_FILE = DATA / "news-site.json"


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


def load_articles() -> list[dict[str, Any]]:
    """The site's articles as ``data/news-site.json`` holds them, in the site's order
    (read afresh on each call: the caller may change what it gets)."""
    with ARTICLES_FILE.open(encoding="utf-8") as f:
        return json.load(f)["articles"]


# What each feed and sitemap lists (article keys); "@..." are the special links.
_FEED_ITEMS = {
    "rss2": ["wukong", "hanfu", "unesco", "football", "@private", "@missing", "@not_html"],
    "rss1": ["tourism", "soup", "mamian"],
    "rss091": ["@redirect", "ereader"],
    "atom": ["nezha", "chunjie", "nishan", "@amp", "@tracking"],
    "jsonfeed": ["hanfu", "tourism", "mamian"],
}
_NEWS_SITEMAP = ["nezha", "wukong", "forum", "softpower", "chunjie", "nishan"]
_URLSET_1 = ["nezha", "wukong", "hanfu", "unesco", "tourism", "forum", "softpower", "@private"]
_URLSET_2 = ["mamian", "chunjie", "nishan", "football", "soup", "ereader"]
_RSS2_VALIDATORS = {"etag": '"rss2-v1"', "last_modified": "Mon, 03 Mar 2025 09:00:00 GMT"}


def _page(a: Mapping[str, Any], canonical: str) -> str:
    """One article page: boilerplate around an <article> of the given paragraphs."""
    published = utc(a["published"]).isoformat()
    paras = "\n".join(f"      <p>{esc(p)}</p>" for p in a["paras"])
    tags = "".join(f'\n  <meta property="article:tag" content="{esc(t)}">' for t in a["tags"])
    return f"""<!DOCTYPE html>
<html lang="{a["lang"]}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{esc(a["title"])} | {SITE_NAME}</title>
  <meta name="description" content="{esc(a["desc"])}">
  <meta name="author" content="{esc(a["author"])}">
  <link rel="canonical" href="{esc(canonical)}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{SITE_NAME}">
  <meta property="og:title" content="{esc(a["title"])}">
  <meta property="og:description" content="{esc(a["desc"])}">
  <meta property="og:url" content="{esc(canonical)}">
  <meta property="article:published_time" content="{published}">
  <meta property="article:section" content="{esc(a["section"])}">{tags}
  <link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="{PATHS["rss2"]}">
</head>
<body>
  <header class="site-header">
    <a class="logo" href="/">{SITE_NAME}</a>
    <nav><ul>
      <li><a href="/culture/">Culture</a></li><li><a href="/travel/">Travel</a></li>
      <li><a href="/opinion/">Opinion</a></li><li><a href="/sport/">Sport</a></li>
      <li><a href="/subscribe.html">Subscribe</a></li>
    </ul></nav>
  </header>
  <main>
    <article>
      <h1>{esc(a["title"])}</h1>
      <p class="byline">By {esc(a["author"])},
        <time datetime="{published}">{published[:10]}</time></p>
{paras}
    </article>
    <aside class="newsletter">Get the week's reading in your inbox.
      <a href="/subscribe.html">Sign up</a></aside>
  </main>
  <footer>
    <p>&copy; 2025 {SITE_NAME}. <a href="/about.html">About us</a> &middot;
      <a href="/privacy.html">Privacy</a> &middot; <a href="{PATHS["rss2"]}">RSS</a></p>
  </footer>
</body>
</html>
"""


def _private_page() -> str:
    return _page(
        {
            "lang": "en",
            "title": "Internal draft: not for crawlers",
            "desc": "A page robots.txt disallows.",
            "author": "Desk",
            "published": "2025-03-01T00:00:00Z",
            "section": "Internal",
            "tags": [],
            "paras": [
                "This draft sits under the private folder that robots.txt disallows. A polite "
                "crawler never requests it, so if this text ever reaches the archive the robots "
                "rules were ignored somewhere between the feed and the download step of the crawl."
            ]
            * 3,
        },
        canonical="/private/secret.html",
    )


def build_news_site(srv: FixtureServer) -> NewsSite:
    """Fill ``srv.routes`` with the synthetic news site and describe it."""
    site = srv.base_url
    data = load_articles()
    by_key = {a["key"]: a for a in data}
    articles: dict[str, ArticleInfo] = {}
    for a in data:
        url = srv.url(a["path"])
        page = _page(a, canonical=url)
        for path in (a["path"], a.get("also_at")):
            if path:
                srv.routes[path] = Route(page)
        articles[url] = ArticleInfo(
            key=a["key"],
            url=url,
            path=a["path"],
            title=a["title"],
            language=a["lang"].split("-")[0],
            lang_tag=a["lang"],
            relevant_expected=a["relevant"],
            published=utc(a["published"]).isoformat(),
            topic=a["topic"],
            phrase=a["phrase"],
        )

    wukong = srv.url(by_key["wukong"]["path"])
    special = {  # "@name" -> (link, title, language)
        "@private": (srv.url(PATHS["private"]), "Internal draft", "en"),
        "@missing": (srv.url(PATHS["missing"]), "A story that was withdrawn", "en"),
        "@not_html": (srv.url(PATHS["not_html"]), "Annual culture report (PDF)", "en"),
        "@redirect": (srv.url(PATHS["redirect"]), by_key["softpower"]["title"], "en"),
        "@amp": (srv.url(by_key["forum"]["also_at"]), by_key["forum"]["title"], "en"),
        "@tracking": (
            wukong + "?utm_source=rss&utm_medium=feed#comments",
            by_key["wukong"]["title"],
            "en",
        ),
    }

    def item(key: str) -> Item:
        if key in special:
            link, title, lang = special[key]
            return Item(link, title, f"{title}.", "2025-03-01T00:00:00Z", [], lang)
        a = by_key[key]
        link = srv.url(a["path"])
        return Item(link, a["title"], a["desc"], a["published"], a["tags"], a["lang"])

    def items(keys: list[str]) -> list[Item]:
        return [item(k) for k in keys]

    render = {"rss2": rss2, "rss1": rss1, "rss091": rss091, "atom": atom, "jsonfeed": jsonfeed}
    types = {
        "rss2": "application/rss+xml; charset=utf-8",
        "rss1": "application/rdf+xml; charset=utf-8",
        "rss091": "application/rss+xml; charset=utf-8",
        "atom": "application/atom+xml; charset=utf-8",
        "jsonfeed": "application/feed+json; charset=utf-8",
    }
    listed: dict[str, list[str]] = {}
    for name, keys in _FEED_ITEMS.items():
        body = render[name](site, items(keys))
        extra = _RSS2_VALIDATORS if name == "rss2" else {}
        srv.routes[PATHS[name]] = Route(body, content_type=types[name], **extra)
        listed[name] = [i.link for i in items(keys)]

    xml = "application/xml; charset=utf-8"
    srv.routes[PATHS["news"]] = Route(news_sitemap(items(_NEWS_SITEMAP)), content_type=xml)
    srv.routes[PATHS["urlset"]] = Route(urlset(items(_URLSET_1)), content_type=xml)
    srv.routes[PATHS["urlset_gz"]] = Route(
        gzip.compress(urlset(items(_URLSET_2)).encode("utf-8"), mtime=0),
        content_type="application/x-gzip",
    )
    children = [srv.url(PATHS["urlset"]), srv.url(PATHS["urlset_gz"])]
    srv.routes[PATHS["index"]] = Route(sitemap_index(children), content_type=xml)
    listed["news"] = [i.link for i in items(_NEWS_SITEMAP)]
    listed["urlset"] = [i.link for i in items(_URLSET_1)]
    listed["urlset_gz"] = [i.link for i in items(_URLSET_2)]
    listed["index"] = listed["urlset"] + listed["urlset_gz"]

    srv.routes[PATHS["robots"]] = Route(
        "User-agent: *\nDisallow: /private/\n\n"
        f"Sitemap: {srv.url(PATHS['index'])}\nSitemap: {srv.url(PATHS['news'])}\n",
        content_type="text/plain; charset=utf-8",
    )
    srv.routes[PATHS["private"]] = Route(_private_page())
    srv.routes[PATHS["private_feed"]] = Route(  # a feed robots.txt forbids, as a source URL
        rss2(site, items(["@private"])), content_type="application/rss+xml; charset=utf-8"
    )
    srv.routes[PATHS["redirect"]] = Route(
        status=301, location=srv.url(by_key["softpower"]["path"]), content_type="text/plain"
    )
    srv.routes[PATHS["not_html"]] = Route(
        b"%PDF-1.4\n% culturewatch fixture: not an article\n1 0 obj << >> endobj\n%%EOF\n",
        content_type="application/pdf",
    )
    links = "".join(f'<li><a href="{a["path"]}">{esc(a["title"])}</a></li>' for a in data)
    srv.routes["/"] = Route(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{SITE_NAME}</title>'
        f"</head><body><h1>{SITE_NAME}</h1><ul>{links}</ul></body></html>"
    )

    return NewsSite(
        base_url=site,
        feeds={name: srv.url(PATHS[name]) for name in _FEED_ITEMS},
        sitemaps={name: srv.url(PATHS[name]) for name in ("news", "index", "urlset", "urlset_gz")},
        articles=articles,
        listed=listed,
        robots=srv.url(PATHS["robots"]),
        disallowed=[srv.url(PATHS["private"]), srv.url(PATHS["private_feed"])],
        disallowed_feed=srv.url(PATHS["private_feed"]),
        redirect_from=srv.url(PATHS["redirect"]),
        redirect_to=srv.url(by_key["softpower"]["path"]),
        missing=srv.url(PATHS["missing"]),
        not_html=srv.url(PATHS["not_html"]),
        tracking_url=special["@tracking"][0],
        canonical_from=srv.url(by_key["forum"]["also_at"]),
        canonical_to=srv.url(by_key["forum"]["path"]),
    )
