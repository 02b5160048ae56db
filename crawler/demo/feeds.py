"""The synthetic site's listings: feed and sitemap documents, written from a list of links.

Each writer turns a list of :class:`Item` (one listed link) into the text of one document:
RSS 2.0, RSS 1.0 (RDF), RSS 0.91, Atom, JSON Feed, a Google News sitemap, a plain urlset
and a sitemap index. A feed describes itself with a :class:`Channel`; a feed writer also
takes the home page's URL alone, for a channel that needs no more.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import NamedTuple

__all__ = [
    "CONTENT_TYPES",
    "FEED_FORMATS",
    "SITEMAP_FORMATS",
    "WRITERS",
    "Channel",
    "Item",
    "atom",
    "esc",
    "jsonfeed",
    "news_sitemap",
    "rss1",
    "rss2",
    "rss091",
    "sitemap_index",
    "urlset",
    "utc",
]

_XML = "application/xml; charset=utf-8"
CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "rss1": "application/rdf+xml; charset=utf-8",
    "rss091": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "jsonfeed": "application/feed+json; charset=utf-8",
    "news_sitemap": _XML,
    "urlset": _XML,
    "sitemap_index": _XML,
}
FEED_FORMATS = ("rss2", "rss1", "rss091", "atom", "jsonfeed")
SITEMAP_FORMATS = ("news_sitemap", "urlset", "sitemap_index")


def esc(text: str) -> str:
    """*text* escaped for HTML and XML, quotes included."""
    return html.escape(text, quote=True)


def utc(iso: str) -> datetime:
    """An ISO 8601 time as an aware datetime in UTC."""
    return datetime.fromisoformat(iso).astimezone(UTC)


class Item(NamedTuple):
    """One link as a feed or a sitemap lists it."""

    link: str
    title: str
    summary: str
    published: str  # ISO 8601
    tags: list[str]
    lang: str


class Channel(NamedTuple):
    """What a feed says of itself."""

    title: str
    link: str  # the home page
    self_url: str = ""  # the feed's own URL
    description: str = ""
    language: str = "en"
    updated: str | None = None  # ISO 8601; Atom's default: the newest item
    publisher: str = ""  # Atom's author (default: the title)


def _channel(channel: Channel | str) -> Channel:
    return Channel(title=channel, link=channel) if isinstance(channel, str) else channel


def _rss(c: Channel, items: Sequence[Item], version: str) -> str:
    """RSS 2.0, or 0.91: no self link, build date, guids, dates or categories."""
    two = version == "2.0"
    entries = "".join(
        f"""
    <item>
      <title>{esc(i.title)}</title>
      <link>{esc(i.link)}</link>"""
        + (
            f"""
      <guid isPermaLink="true">{esc(i.link)}</guid>
      <pubDate>{format_datetime(utc(i.published))}</pubDate>"""
            if two
            else ""
        )
        + f"\n      <description>{esc(i.summary)}</description>"
        + ("".join(f"\n      <category>{esc(t)}</category>" for t in i.tags) if two else "")
        + "\n    </item>"
        for i in items
    )
    namespace = ' xmlns:atom="http://www.w3.org/2005/Atom"' if two else ""
    self_link = (
        f'\n    <atom:link href="{esc(c.self_url)}" rel="self" type="application/rss+xml"/>'
        if two and c.self_url
        else ""
    )
    built = (
        f"\n    <lastBuildDate>{format_datetime(utc(c.updated))}</lastBuildDate>"
        if two and c.updated
        else ""
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="{version}"{namespace}>
  <channel>
    <title>{esc(c.title)}</title>
    <link>{esc(c.link)}</link>{self_link}
    <description>{esc(c.description)}</description>
    <language>{c.language}</language>{built}{entries}
  </channel>
</rss>
"""


def rss2(channel: Channel | str, items: Sequence[Item]) -> str:
    return _rss(_channel(channel), items, "2.0")


def rss1(channel: Channel | str, items: Sequence[Item]) -> str:
    c = _channel(channel)
    seq = "".join(f'\n          <rdf:li rdf:resource="{esc(i.link)}"/>' for i in items)
    entries = "".join(
        f"""
  <item rdf:about="{esc(i.link)}">
    <title>{esc(i.title)}</title>
    <link>{esc(i.link)}</link>
    <description>{esc(i.summary)}</description>
    <dc:date>{utc(i.published).isoformat()}</dc:date>
    <dc:language>{i.lang}</dc:language>
  </item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{esc(c.self_url or c.link)}">
    <title>{esc(c.title)}</title>
    <link>{esc(c.link)}</link>
    <description>{esc(c.description)}</description>
    <items>
      <rdf:Seq>{seq}
      </rdf:Seq>
    </items>
  </channel>{entries}
</rdf:RDF>
"""


def rss091(channel: Channel | str, items: Sequence[Item]) -> str:
    return _rss(_channel(channel), items, "0.91")


def atom(channel: Channel | str, items: Sequence[Item]) -> str:
    c = _channel(channel)
    entries = "".join(
        f"""
  <entry xml:lang="{i.lang}">
    <title>{esc(i.title)}</title>
    <link rel="alternate" type="text/html" href="{esc(i.link)}"/>
    <id>{esc(i.link)}</id>
    <published>{utc(i.published).isoformat()}</published>
    <updated>{utc(i.published).isoformat()}</updated>
    <summary>{esc(i.summary)}</summary>"""
        + "".join(f'\n    <category term="{esc(t)}"/>' for t in i.tags)
        + "\n  </entry>"
        for i in items
    )
    times = [utc(t) for t in ([c.updated] if c.updated else [i.published for i in items])]
    updated = max(times, default=datetime(1970, 1, 1, tzinfo=UTC)).isoformat()
    own = esc(c.self_url or c.link)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{esc(c.title)}</title>
  <id>{own}</id>
  <link rel="self" href="{own}"/>
  <link rel="alternate" href="{esc(c.link)}"/>
  <updated>{updated}</updated>
  <author><name>{esc(c.publisher or c.title)}</name></author>{entries}
</feed>
"""


def jsonfeed(channel: Channel | str, items: Sequence[Item]) -> str:
    c = _channel(channel)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": c.title,
        "home_page_url": c.link,
        "feed_url": c.self_url or c.link,
        "language": c.language,
        "items": [
            {
                "id": i.link,
                "url": i.link,
                "title": i.title,
                "content_text": i.summary,
                "summary": i.summary,
                "date_published": utc(i.published).isoformat(),
                "tags": i.tags,
                "language": i.lang,
            }
            for i in items
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2)


_SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _news_lang(lang: str) -> str:
    return {"zh-Hans": "zh-cn", "zh-Hant": "zh-tw"}.get(lang, lang)


def news_sitemap(items: Sequence[Item], publication: str) -> str:
    """A Google News sitemap of *items*, published by *publication*."""
    urls = "".join(
        f"""
  <url>
    <loc>{esc(i.link)}</loc>
    <lastmod>{utc(i.published).isoformat()}</lastmod>
    <news:news>
      <news:publication>
        <news:name>{esc(publication)}</news:name>
        <news:language>{_news_lang(i.lang)}</news:language>
      </news:publication>
      <news:publication_date>{utc(i.published).isoformat()}</news:publication_date>
      <news:title>{esc(i.title)}</news:title>"""
        + (f"\n      <news:keywords>{esc(', '.join(i.tags))}</news:keywords>" if i.tags else "")
        + "\n    </news:news>\n  </url>"
        for i in items
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS} {_NEWS_NS}>'
    return f"{head}{urls}\n</urlset>\n"


def urlset(items: Sequence[Item]) -> str:
    """A plain sitemap of *items* (each with the day it was published)."""
    urls = "".join(
        f"\n  <url><loc>{esc(i.link)}</loc><lastmod>{utc(i.published).date()}</lastmod></url>"
        for i in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS}>{urls}\n</urlset>\n'


def sitemap_index(urls: Sequence[str], updated: str | None = None) -> str:
    """A sitemap index of the sitemaps at *urls*, changed at *updated* (ISO 8601)."""
    lastmod = f"<lastmod>{updated}</lastmod>" if updated else ""
    entries = "".join(f"\n  <sitemap><loc>{esc(u)}</loc>{lastmod}</sitemap>" for u in urls)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_SITEMAP_NS}>{entries}\n'
        "</sitemapindex>\n"
    )


# the feed writers by format name (the sitemaps take other arguments)
WRITERS = {"rss2": rss2, "rss1": rss1, "rss091": rss091, "atom": atom, "jsonfeed": jsonfeed}
