"""The synthetic news site's feed and sitemap documents, and where they live.

Each writer turns a list of :class:`Item` (one listed link) into the text of one document:
RSS 2.0, RSS 1.0 (RDF), RSS 0.91, Atom, JSON Feed, a Google News sitemap, a plain urlset
and a sitemap index. The benchmark mirror reuses the RSS 2.0 and news-sitemap writers.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import NamedTuple

__all__ = [
    "PATHS",
    "SITE_NAME",
    "UPDATED",
    "Item",
    "atom",
    "esc",
    "jsonfeed",
    "news_sitemap",
    "rss091",
    "rss1",
    "rss2",
    "sitemap_index",
    "urlset",
    "utc",
]

SITE_NAME = "The Lantern Review"

# The site's fixed paths (articles have theirs in data/news-site.json).
PATHS = {
    "rss2": "/feeds/rss2.xml",
    "rss1": "/feeds/rss1.rdf",
    "rss091": "/feeds/rss091.xml",
    "atom": "/feeds/atom.xml",
    "jsonfeed": "/feeds/feed.json",
    "news": "/sitemap-news.xml",
    "index": "/sitemap-index.xml",
    "urlset": "/sitemap-1.xml",
    "urlset_gz": "/sitemap-2.xml.gz",
    "robots": "/robots.txt",
    "private": "/private/secret.html",
    "private_feed": "/private/feed.xml",
    "missing": "/culture/withdrawn-story.html",
    "not_html": "/files/culture-report-2025.pdf",
    "redirect": "/old/moved.html",
}
UPDATED = "2025-03-03T09:00:00Z"  # when the feeds and the sitemap index say they changed


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
    published: str  # ISO
    tags: list[str]
    lang: str


def rss2(site: str, items: list[Item]) -> str:
    entries = "".join(
        f"""
    <item>
      <title>{esc(i.title)}</title>
      <link>{esc(i.link)}</link>
      <guid isPermaLink="true">{esc(i.link)}</guid>
      <pubDate>{format_datetime(utc(i.published))}</pubDate>
      <description>{esc(i.summary)}</description>"""
        + "".join(f"\n      <category>{esc(t)}</category>" for t in i.tags)
        + "\n    </item>"
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{SITE_NAME}</title>
    <link>{site}/</link>
    <atom:link href="{site}{PATHS["rss2"]}" rel="self" type="application/rss+xml"/>
    <description>Culture, travel and opinion from {SITE_NAME}.</description>
    <language>en</language>
    <lastBuildDate>{format_datetime(utc(UPDATED))}</lastBuildDate>{entries}
  </channel>
</rss>
"""


def rss1(site: str, items: list[Item]) -> str:
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
  <channel rdf:about="{site}{PATHS["rss1"]}">
    <title>{SITE_NAME}: travel and living</title>
    <link>{site}/</link>
    <description>Travel, food and living.</description>
    <items>
      <rdf:Seq>{seq}
      </rdf:Seq>
    </items>
  </channel>{entries}
</rdf:RDF>
"""


def rss091(site: str, items: list[Item]) -> str:
    entries = "".join(
        f"""
    <item>
      <title>{esc(i.title)}</title>
      <link>{esc(i.link)}</link>
      <description>{esc(i.summary)}</description>
    </item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="0.91">
  <channel>
    <title>{SITE_NAME}: opinion and reviews</title>
    <link>{site}/</link>
    <description>Opinion and reviews.</description>
    <language>en-us</language>{entries}
  </channel>
</rss>
"""


def atom(site: str, items: list[Item]) -> str:
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
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{SITE_NAME}: China desk</title>
  <id>{site}{PATHS["atom"]}</id>
  <link rel="self" href="{site}{PATHS["atom"]}"/>
  <link rel="alternate" href="{site}/"/>
  <updated>{utc(UPDATED).isoformat()}</updated>
  <author><name>{SITE_NAME}</name></author>{entries}
</feed>
"""


def jsonfeed(site: str, items: list[Item]) -> str:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{SITE_NAME}: lifestyle",
        "home_page_url": f"{site}/",
        "feed_url": f"{site}{PATHS['jsonfeed']}",
        "language": "en",
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


def news_sitemap(items: list[Item], publication: str = SITE_NAME) -> str:
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
      <news:title>{esc(i.title)}</news:title>
      <news:keywords>{esc(", ".join(i.tags))}</news:keywords>
    </news:news>
  </url>"""
        for i in items
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS} {_NEWS_NS}>'
    return f"{head}{urls}\n</urlset>\n"


def urlset(items: list[Item]) -> str:
    urls = "".join(
        f"\n  <url><loc>{esc(i.link)}</loc><lastmod>{i.published[:10]}</lastmod></url>"
        for i in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS}>{urls}\n</urlset>\n'


def sitemap_index(urls: list[str]) -> str:
    entries = "".join(
        f"\n  <sitemap><loc>{esc(u)}</loc><lastmod>{UPDATED}</lastmod></sitemap>" for u in urls
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_SITEMAP_NS}>{entries}\n'
        "</sitemapindex>\n"
    )
