"""The demo's synthetic news site: several outlets on one loopback server, each with its
article pages and a feed (RSS 2.0 or Atom) or a Google News sitemap.

The articles are data, ``articles.json`` beside this module, written for culturewatch in its
own words: one object per outlet (``outlets``), one per article (``articles``) and one wire
story (``syndicated``) that three other outlets carry, edited as outlets edit wire copy (a
new headline, a dateline, a cut paragraph, a credit line). Publication times are relative
to the build (``hours_ago``), so the archive always looks current.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from importlib import resources
from typing import Any, NamedTuple

from crawler.demo.server import Page

__all__ = ["DemoSite", "DemoSource", "build_site", "load_data"]

HTML = "text/html; charset=utf-8"
XML_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "sitemap": "application/xml; charset=utf-8",
}
LISTING_PATHS = {"rss": "rss.xml", "atom": "atom.xml", "sitemap": "sitemap-news.xml"}


class DemoSource(NamedTuple):
    """One outlet as a source of the demo crawl."""

    name: str
    url: str
    kind: str  # feed | sitemap
    language: str
    group: str  # a source group (storage.groups)
    note: str


@dataclass(frozen=True)
class DemoSite:
    pages: dict[str, Page]  # path -> answer
    sources: list[DemoSource]
    articles: int  # article pages served (each copy of the wire story counts)


class _Entry(NamedTuple):
    url: str
    title: str
    summary: str
    published: datetime
    lang: str


def load_data() -> dict[str, Any]:
    """The outlets and articles of ``articles.json`` (read afresh on each call)."""
    text = resources.files("crawler.demo").joinpath("articles.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _page(outlet: dict[str, Any], a: dict[str, Any], url: str, published: datetime) -> str:
    lang = a.get("lang") or outlet["lang"]
    when = published.isoformat()
    paras = "\n".join(f"      <p>{_esc(p)}</p>" for p in a["paras"])
    nav = "".join(f'<li><a href="#">{_esc(n)}</a></li>' for n in outlet["nav"])
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{_esc(a["title"])} | {_esc(outlet["name"])}</title>
  <meta name="description" content="{_esc(a["desc"])}">
  <meta name="author" content="{_esc(a["author"])}">
  <link rel="canonical" href="{_esc(url)}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{_esc(outlet["name"])}">
  <meta property="og:title" content="{_esc(a["title"])}">
  <meta property="og:url" content="{_esc(url)}">
  <meta property="article:published_time" content="{when}">
  <meta property="article:section" content="{_esc(a["section"])}">
</head>
<body>
  <header><a class="logo" href="/{outlet["key"]}/">{_esc(outlet["name"])}</a>
    <nav><ul>{nav}</ul></nav></header>
  <main>
    <article>
      <h1>{_esc(a["title"])}</h1>
      <p class="byline">{_esc(outlet["by"])} {_esc(a["author"])}</p>
{paras}
    </article>
    <aside>{_esc(outlet["aside"])}</aside>
  </main>
  <footer><p>{_esc(outlet["footer"])}</p></footer>
</body>
</html>
"""


def _rss(outlet: dict[str, Any], home: str, self_url: str, entries: list[_Entry]) -> str:
    items = "".join(
        f"""
    <item>
      <title>{_esc(e.title)}</title>
      <link>{_esc(e.url)}</link>
      <guid isPermaLink="true">{_esc(e.url)}</guid>
      <pubDate>{format_datetime(e.published)}</pubDate>
      <description>{_esc(e.summary)}</description>
    </item>"""
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{_esc(outlet["name"])}</title>
    <link>{home}</link>
    <atom:link href="{self_url}" rel="self" type="application/rss+xml"/>
    <description>{_esc(outlet["aside"])}</description>
    <language>{outlet["lang"]}</language>{items}
  </channel>
</rss>
"""


def _atom(outlet: dict[str, Any], home: str, self_url: str, entries: list[_Entry]) -> str:
    updated = max(e.published for e in entries).isoformat()
    items = "".join(
        f"""
  <entry xml:lang="{e.lang}">
    <title>{_esc(e.title)}</title>
    <link rel="alternate" type="text/html" href="{_esc(e.url)}"/>
    <id>{_esc(e.url)}</id>
    <published>{e.published.isoformat()}</published>
    <updated>{e.published.isoformat()}</updated>
    <summary>{_esc(e.summary)}</summary>
  </entry>"""
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{_esc(outlet["name"])}</title>
  <id>{self_url}</id>
  <link rel="self" href="{self_url}"/>
  <link rel="alternate" href="{home}"/>
  <updated>{updated}</updated>
  <author><name>{_esc(outlet["name"])}</name></author>{items}
</feed>
"""


def _news_sitemap(outlet: dict[str, Any], home: str, self_url: str, entries: list[_Entry]) -> str:
    lang = {"zh-Hans": "zh-cn", "zh-Hant": "zh-tw"}
    urls = "".join(
        f"""
  <url>
    <loc>{_esc(e.url)}</loc>
    <news:news>
      <news:publication>
        <news:name>{_esc(outlet["name"])}</news:name>
        <news:language>{lang.get(e.lang, e.lang)}</news:language>
      </news:publication>
      <news:publication_date>{e.published.isoformat()}</news:publication_date>
      <news:title>{_esc(e.title)}</news:title>
    </news:news>
  </url>"""
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}\n</urlset>\n'
    )


_LISTINGS = {"rss": _rss, "atom": _atom, "sitemap": _news_sitemap}


def _copies(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The wire story as each outlet publishes it: the original, then the edited copies."""
    wire = data["syndicated"]
    out = [{**wire, "outlet": wire["outlet"], "paras": [*wire["paras"], wire["credit"]]}]
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


def build_site(base_url: str, now: datetime | None = None) -> DemoSite:
    """The pages of the demo site served at *base_url*, dated relative to *now* (UTC)."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    data = load_data()
    outlets = {o["key"]: o for o in data["outlets"]}
    pages: dict[str, Page] = {}
    listed: dict[str, list[_Entry]] = {key: [] for key in outlets}
    count = 0
    for a in [*data["articles"], *_copies(data)]:
        outlet = outlets[a["outlet"]]
        path = f"/{outlet['key']}/{a['section_path']}/{a['slug']}.html"
        url = base_url + path
        published = now - timedelta(hours=float(a["hours_ago"]))
        pages[path] = Page(_page(outlet, a, url, published).encode("utf-8"), HTML)
        lang = a.get("lang") or outlet["lang"]
        listed[outlet["key"]].append(_Entry(url, a["title"], a["desc"], published, lang))
        count += 1
    sources = []
    for key, outlet in outlets.items():
        entries = sorted(listed[key], key=lambda e: e.published, reverse=True)
        home = f"{base_url}/{key}/"
        listing = outlet["listing"]
        path = f"/{key}/{LISTING_PATHS[listing]}"
        body = _LISTINGS[listing](outlet, home, base_url + path, entries)
        pages[path] = Page(body.encode("utf-8"), XML_TYPES[listing])
        links = "".join(f'<li><a href="{_esc(e.url)}">{_esc(e.title)}</a></li>' for e in entries)
        pages[f"/{key}/"] = Page(
            f'<!DOCTYPE html><html lang="{outlet["lang"]}"><head><meta charset="utf-8">'
            f"<title>{_esc(outlet['name'])}</title></head><body><h1>{_esc(outlet['name'])}</h1>"
            f"<ul>{links}</ul></body></html>".encode(),
            HTML,
        )
        sources.append(
            DemoSource(
                name=f"demo-{key}",
                url=base_url + path,
                kind="sitemap" if listing == "sitemap" else "feed",
                language=outlet["lang"].split("-")[0],
                group=outlet["group"],
                note=f"culturewatch demo: {outlet['name']} (synthetic)",
            )
        )
    pages["/robots.txt"] = Page(b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
    index = "".join(f'<li><a href="/{k}/">{_esc(o["name"])}</a></li>' for k, o in outlets.items())
    pages["/"] = Page(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>culturewatch demo'
        f"</title></head><body><h1>culturewatch demo outlets</h1><ul>{index}</ul></body></html>".encode(),
        HTML,
    )
    return DemoSite(pages=pages, sources=sources, articles=count)
