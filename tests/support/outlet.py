"""An outlet of a test's own words: article pages and the RSS feed that lists them.

A test that needs a few articles of its own (a language, a topic the synthetic news site
does not have) writes them as ``{path: (title, paragraphs)}`` and publishes them on a
:class:`FixtureServer`; publishing again replaces the feed, so a later crawl finds more::

    with FixtureServer(host="127.0.0.1") as outlet:
        publish(outlet, {"/film/a.html": ("A title", ["A paragraph.", "Another."])})
        ... a crawl of outlet.url("/feed.xml") ...
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from crawler.demo.feeds import Item, rss2

from .server import FixtureServer, Route

__all__ = ["PUBLISHED", "Stories", "article_html", "publish"]

PUBLISHED = "2025-03-04T08:00:00+00:00"  # unless a test needs another time
Stories = Mapping[str, tuple[str, Sequence[str]]]  # path -> (title, paragraphs)


def article_html(
    title: str, paragraphs: Sequence[str], *, language: str = "en", published: str = PUBLISHED
) -> str:
    """An article page as publishers write them: title, publication time, body paragraphs."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f'<meta property="article:published_time" content="{published}">'
        f"</head><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>"
    )


def publish(
    outlet: FixtureServer, stories: Stories, *, language: str = "en", published: str = PUBLISHED
) -> None:
    """Serve each story's page on *outlet* and ``/feed.xml``, an RSS feed of them all."""
    items = []
    for path, (title, paragraphs) in stories.items():
        page = article_html(title, paragraphs, language=language, published=published)
        outlet.routes[path] = Route(page)
        items.append(Item(outlet.url(path), title, title, published, [], language))
    outlet.routes["/feed.xml"] = Route(
        rss2(outlet.base_url, items), content_type="application/rss+xml; charset=utf-8"
    )
