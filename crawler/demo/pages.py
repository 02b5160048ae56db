"""The synthetic site's HTML: an outlet's article page, its home page and the site's index.

An article page is what a news site serves: the metadata a crawler reads (canonical link,
Open Graph, ``article:published_time``, tags, the feed's ``<link rel="alternate">``) and
the outlet's furniture around an ``<article>`` (header, navigation, byline, aside, footer)
that an extraction must leave out. The furniture is the outlet's data: ``name``, ``home``,
``by`` (the byline's word), ``dated_byline`` (the date after the author's name too),
``nav`` (labels, or ``[label, href]`` pairs), ``aside`` and ``footer`` (HTML).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from crawler.demo.feeds import esc

__all__ = ["Alternate", "article_page", "link_list_page"]


class Alternate(NamedTuple):
    """A feed an article page advertises with ``<link rel="alternate">``."""

    href: str
    content_type: str  # without parameters: "application/rss+xml"
    title: str


def _nav(nav: Sequence[str | Sequence[str]]) -> str:
    links = []
    for entry in nav:
        label, href = (entry, "#") if isinstance(entry, str) else entry
        links.append(f'<li><a href="{esc(href)}">{esc(label)}</a></li>')
    return "".join(links)


def article_page(
    outlet: Mapping[str, Any],
    article: Mapping[str, Any],
    canonical: str,
    published: datetime,
    feed: Alternate | None = None,
) -> str:
    """The page of *article* (title, desc, author, section, paras, optional lang and tags)
    as *outlet* publishes it at *canonical*."""
    lang = article.get("lang") or outlet["lang"]
    when = published.isoformat()
    paras = "\n".join(f"      <p>{esc(p)}</p>" for p in article["paras"])
    tags = "".join(
        f'\n  <meta property="article:tag" content="{esc(t)}">' for t in article.get("tags", [])
    )
    alternate = (
        f'\n  <link rel="alternate" type="{feed.content_type}" title="{esc(feed.title)}" '
        f'href="{esc(feed.href)}">'
        if feed
        else ""
    )
    name = esc(outlet["name"])
    dated = (
        f',\n        <time datetime="{when}">{when[:10]}</time>'
        if outlet.get("dated_byline")
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{esc(article["title"])} | {name}</title>
  <meta name="description" content="{esc(article["desc"])}">
  <meta name="author" content="{esc(article["author"])}">
  <link rel="canonical" href="{esc(canonical)}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{name}">
  <meta property="og:title" content="{esc(article["title"])}">
  <meta property="og:description" content="{esc(article["desc"])}">
  <meta property="og:url" content="{esc(canonical)}">
  <meta property="article:published_time" content="{when}">
  <meta property="article:section" content="{esc(article["section"])}">{tags}{alternate}
</head>
<body>
  <header class="site-header">
    <a class="logo" href="{esc(outlet["home"])}">{name}</a>
    <nav><ul>{_nav(outlet["nav"])}</ul></nav>
  </header>
  <main>
    <article>
      <h1>{esc(article["title"])}</h1>
      <p class="byline">{esc(outlet["by"])} {esc(article["author"])}{dated}</p>
{paras}
    </article>
    <aside>{outlet["aside"]}</aside>
  </main>
  <footer>
    <p>{outlet["footer"]}</p>
  </footer>
</body>
</html>
"""


def link_list_page(title: str, lang: str, links: Sequence[tuple[str, str]]) -> str:
    """A page titled *title* that lists *links* (``(href, text)``): a home page, an index."""
    items = "".join(f'<li><a href="{esc(href)}">{esc(text)}</a></li>' for href, text in links)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head><body><h1>{esc(title)}</h1>"
        f"<ul>{items}</ul></body></html>"
    )
