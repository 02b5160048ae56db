"""The synthetic news site: outlets on one loopback server, each with its article pages, a
home page and its listings (feeds and sitemaps), with a robots.txt and any other page the
site's data asks for.

The site is data, a JSON object written for culturewatch in its own words. ``culturewatch
demo`` serves ``articles.json`` beside this module: six outlets in English and Chinese and
one wire story (``syndicated``) that three other outlets carry, edited as outlets edit wire
copy (a new headline, a dateline, a cut paragraph, a credit line), dated relative to the
build (``hours_ago``) so the archive always looks current. The tests serve their own data
set through :func:`build_site` too: one outlet with every listing format, fixed dates, a
robots.txt that forbids a folder, a redirect, a missing page and a PDF.

The object's keys (``?``: optional):

- ``outlets``: ``key``, ``name``, ``lang``, ``home``? (a path, default ``/<key>/``), the page
  furniture of :mod:`crawler.demo.pages` (``by``, ``dated_byline``?, ``nav``, ``aside``,
  ``footer``),
  ``description``? (of its feeds; default the aside), ``group``? (a source group of
  :mod:`storage.groups`), ``updated``? (when its listings changed, ISO 8601) and
  ``listings``: ``format`` (:data:`~crawler.demo.feeds.CONTENT_TYPES`), ``path``, ``name``?
  (default the format), ``title``?, ``description``?, ``language``?, ``etag``?,
  ``last_modified``?, ``gzip``? and ``items``? (default: every article of the outlet,
  newest first; a sitemap index lists the named listings);
- ``articles``: ``path``, ``title``, ``desc``, ``author``, ``section``, ``paras``, ``published``
  (ISO 8601) or ``hours_ago``, and ``outlet``? (default the first), ``key``? (default the
  path), ``lang``?, ``tags``?, ``also_at``? (a second path serving the page); any other key
  is kept in :attr:`Article.data`;
- ``syndicated``?: the wire story, an article with ``credit`` and its ``copies``;
- ``pages``?: other answers: ``path``, ``name``?, ``status``?, ``content_type``?, ``body``?,
  ``redirect_to``? (an article's key: a 301 to it);
- ``robots``?: ``disallow`` (path prefixes) and ``sitemaps`` (listing names).

A relative path is under its outlet's home. A listing's item is an article's key, or an
object: ``key`` with ``path``, ``also_at: true`` or ``suffix`` (the article's metadata at
another link), else a bare link (``path``, ``title``, ``published``, ``lang``?). An item or
a page with a ``name`` is in :attr:`Site.named`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from crawler.demo.feeds import (
    CONTENT_TYPES,
    SITEMAP_FORMATS,
    WRITERS,
    Channel,
    Item,
    news_sitemap,
    sitemap_index,
    urlset,
    utc,
)
from crawler.demo.pages import Alternate, article_page, link_list_page
from crawler.demo.server import HTML, Route

__all__ = ["Article", "DemoSource", "Listing", "Site", "build_site", "load_data"]

INDEX_TITLE = "culturewatch demo outlets"
_TEXT = "text/plain; charset=utf-8"


class DemoSource(NamedTuple):
    """One listing of an outlet as a source of the demo crawl."""

    name: str
    url: str
    kind: str  # feed | sitemap
    language: str
    group: str  # a source group (storage.groups)
    note: str


class Article(NamedTuple):
    """One article page as served."""

    key: str
    outlet: str
    url: str  # canonical
    path: str
    title: str
    lang: str  # the page's <html lang>
    published: datetime
    data: Mapping[str, Any]  # the article as the data has it


class Listing(NamedTuple):
    """One feed or sitemap as served."""

    name: str
    outlet: str
    format: str
    url: str
    links: list[str]  # what it lists, in order: article links, or a sitemap index's sitemaps


@dataclass(frozen=True)
class Site:
    base_url: str
    pages: dict[str, Route]  # path -> answer
    sources: list[DemoSource]
    listings: list[Listing]
    article_pages: list[Article]  # each copy of the wire story counts
    named: dict[str, str]  # name of an item or a page -> its URL
    disallowed: list[str]  # robots.txt's Disallow prefixes

    @property
    def articles(self) -> int:
        """How many article pages are served."""
        return len(self.article_pages)


def load_data() -> dict[str, Any]:
    """The demo's outlets and articles, ``articles.json`` (read afresh on each call)."""
    text = resources.files("crawler.demo").joinpath("articles.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _copies(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The wire story as each outlet publishes it: the original, then the edited copies."""
    wire = data.get("syndicated")
    if not wire:
        return []
    out = [{**wire, "paras": [*wire["paras"], wire["credit"]]}]
    for copy in wire["copies"]:
        paras = list(wire["paras"])
        if copy.get("cut_last"):
            paras = paras[:-1]
        if copy.get("dateline"):
            paras[0] = copy["dateline"] + paras[0]
        out.append(
            {
                **wire,
                "outlet": copy["outlet"],
                "title": copy["title"],
                "author": copy.get("author", wire["author"]),
                "hours_ago": wire["hours_ago"] - copy["hours_later"],
                "paras": [*paras, copy["credit"]],
            }
        )
    return out


def _sources(outlet: Mapping[str, Any], listings: list[Listing]) -> list[DemoSource]:
    """The outlet's *listings* as sources of the demo crawl: ``demo-<outlet>``, or
    ``demo-<outlet>-<listing>`` for an outlet of several."""
    return [
        DemoSource(
            name=f"demo-{x.outlet}" if len(listings) == 1 else f"demo-{x.outlet}-{x.name}",
            url=x.url,
            kind="sitemap" if x.format in SITEMAP_FORMATS else "feed",
            language=outlet["lang"].split("-")[0],
            group=outlet.get("group", ""),
            note=f"culturewatch demo: {outlet['name']} (synthetic)",
        )
        for x in listings
    ]


class _Builder:
    def __init__(self, base_url: str, data: Mapping[str, Any], now: datetime) -> None:
        self.base_url = base_url
        self.now = now
        self.outlets = {
            o["key"]: {"home": f"/{o['key']}/", "listings": [], **o} for o in data["outlets"]
        }
        robots = data.get("robots", {})
        self.disallow: list[str] = list(robots.get("disallow", []))
        self.pages: dict[str, Route] = {}
        self.named: dict[str, str] = {}
        self.articles: dict[str, Article] = {}  # key -> article
        self.listing_paths = {
            (key, s.get("name", s["format"])): self.path(o, s["path"])
            for key, o in self.outlets.items()
            for s in o["listings"]
        }

    def path(self, outlet: Mapping[str, Any], path: str) -> str:
        return path if path.startswith("/") else outlet["home"] + path

    def url(self, path: str) -> str:
        return self.base_url + path

    def allowed(self, path: str) -> bool:
        return not any(path.startswith(prefix) for prefix in self.disallow)

    def newest(self, outlet: Mapping[str, Any]) -> list[Article]:
        """The outlet's articles that robots.txt allows, newest first."""
        mine = [
            a for a in self.articles.values() if a.outlet == outlet["key"] and self.allowed(a.path)
        ]
        return sorted(mine, key=lambda a: a.published, reverse=True)

    def feed_of(self, outlet: Mapping[str, Any]) -> Alternate | None:
        for spec in outlet["listings"]:
            if spec["format"] in WRITERS:
                kind = CONTENT_TYPES[spec["format"]].split(";")[0]
                return Alternate(self.path(outlet, spec["path"]), kind, outlet["name"])
        return None

    def add_article(self, a: Mapping[str, Any]) -> None:
        outlet = self.outlets[a.get("outlet") or next(iter(self.outlets))]
        path = self.path(outlet, a["path"])
        url = self.url(path)
        if "published" in a:
            published = utc(a["published"])
        else:
            published = self.now - timedelta(hours=float(a["hours_ago"]))
        page = Route(article_page(outlet, a, url, published, self.feed_of(outlet)).encode())
        self.pages[path] = page
        if a.get("also_at"):
            self.pages[self.path(outlet, a["also_at"])] = page
        lang = a.get("lang") or outlet["lang"]
        key = a.get("key") or path
        self.articles[key] = Article(key, outlet["key"], url, path, a["title"], lang, published, a)

    def item(self, outlet: Mapping[str, Any], ref: str | Mapping[str, Any]) -> Item:
        spec: Mapping[str, Any] = {"key": ref} if isinstance(ref, str) else ref
        if "key" in spec:
            a = self.articles[spec["key"]]
            if spec.get("path"):
                link = self.url(self.path(outlet, spec["path"]))
            elif spec.get("also_at"):
                link = self.url(self.path(outlet, a.data["also_at"]))
            else:
                link = a.url + spec.get("suffix", "")
            published, tags = a.published.isoformat(), list(a.data.get("tags", []))
            item = Item(link, a.title, a.data["desc"], published, tags, a.lang)
        else:
            link = self.url(self.path(outlet, spec["path"]))
            lang = spec.get("lang") or outlet["lang"]
            item = Item(link, spec["title"], f"{spec['title']}.", spec["published"], [], lang)
        if spec.get("name"):
            self.named[spec["name"]] = item.link
        return item

    def listing(self, outlet: Mapping[str, Any], spec: Mapping[str, Any]) -> Listing:
        name, fmt = spec.get("name", spec["format"]), spec["format"]
        path = self.listing_paths[(outlet["key"], name)]
        updated = spec.get("updated", outlet.get("updated"))
        if fmt == "sitemap_index":
            links = [self.url(self.listing_paths[(outlet["key"], c)]) for c in spec["items"]]
            body = sitemap_index(links, updated)
        else:
            refs = spec["items"] if "items" in spec else [a.key for a in self.newest(outlet)]
            items = [self.item(outlet, ref) for ref in refs]
            links = [i.link for i in items]
            if fmt == "news_sitemap":
                body = news_sitemap(items, outlet["name"])
            elif fmt == "urlset":
                body = urlset(items)
            else:
                channel = Channel(
                    title=spec.get("title", outlet["name"]),
                    link=self.url(outlet["home"]),
                    self_url=self.url(path),
                    description=spec.get("description")
                    or outlet.get("description")
                    or outlet["aside"],
                    language=spec.get("language", outlet["lang"]),
                    updated=updated,
                    publisher=outlet["name"],
                )
                body = WRITERS[fmt](channel, items)
        content: bytes = body.encode("utf-8")
        kind = CONTENT_TYPES[fmt]
        if spec.get("gzip"):
            content, kind = gzip.compress(content, mtime=0), "application/x-gzip"
        self.pages[path] = Route(
            content,
            content_type=kind,
            etag=spec.get("etag"),
            last_modified=spec.get("last_modified"),
        )
        return Listing(name, outlet["key"], fmt, self.url(path), links)

    def page(self, spec: Mapping[str, Any]) -> None:
        path = spec["path"]
        if spec.get("redirect_to"):
            location = self.articles[spec["redirect_to"]].url
            route = Route(status=301, location=location, content_type="text/plain")
        else:
            body = spec.get("body", "").encode("utf-8")
            route = Route(
                body, spec.get("status", 200), content_type=spec.get("content_type", HTML)
            )
        self.pages[path] = route
        if spec.get("name"):
            self.named[spec["name"]] = self.url(path)

    def robots(self, sitemaps: list[str]) -> None:
        rules = "".join(f"Disallow: {prefix}\n" for prefix in self.disallow) or "Allow: /\n"
        listed = "".join(f"Sitemap: {url}\n" for url in sitemaps)
        body = f"User-agent: *\n{rules}" + (f"\n{listed}" if listed else "")
        self.pages["/robots.txt"] = Route(body.encode("utf-8"), content_type=_TEXT)

    def homes(self) -> None:
        for outlet in self.outlets.values():
            links = [(a.url, a.title) for a in self.newest(outlet)]
            html = link_list_page(outlet["name"], outlet["lang"], links)
            self.pages[outlet["home"]] = Route(html.encode("utf-8"))
        if "/" not in self.pages:
            links = [(o["home"], o["name"]) for o in self.outlets.values()]
            self.pages["/"] = Route(link_list_page(INDEX_TITLE, "en", links).encode())


def build_site(
    base_url: str, data: Mapping[str, Any] | None = None, *, now: datetime | None = None
) -> Site:
    """The pages of the site of *data* (default: the demo's, :func:`load_data`) served at
    *base_url*; times given in ``hours_ago`` are before *now* (UTC, default: now)."""
    data = load_data() if data is None else data
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    b = _Builder(base_url, data, now)
    for a in [*data["articles"], *_copies(data)]:
        b.add_article(a)
    listings: list[Listing] = []
    sources: list[DemoSource] = []
    for outlet in b.outlets.values():
        mine = [b.listing(outlet, spec) for spec in outlet["listings"]]
        listings += mine
        sources += _sources(outlet, [x for x in mine if b.allowed(urlsplit(x.url).path)])
    for spec in data.get("pages", []):
        b.page(spec)
    wanted = data.get("robots", {}).get("sitemaps", [])
    by_name = {x.name: x.url for x in listings}
    b.robots([by_name[name] for name in wanted])
    b.homes()
    return Site(
        base_url=base_url,
        pages=b.pages,
        sources=sources,
        listings=listings,
        article_pages=list(b.articles.values()),
        named=b.named,
        disallowed=b.disallow,
    )
