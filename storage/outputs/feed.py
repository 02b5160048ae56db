"""``feed.xml``: an Atom feed of the newest digests in a directory, for a feed reader.

:func:`atom_feed` is the writer (a head and :class:`FeedEntry` items); the alerts' feeds
(:mod:`storage.outputs.alert_render`) are written with it too.

Built from the digests' JSON files (not from one day's view), so it lists every digest the
directory holds, newest first. Written with :mod:`xml.etree.ElementTree`, not feedgen, whose
output cannot be configured to these bytes: it fixes the order of the elements (``id``,
``title``, ``updated`` first), writes ``+00:00`` for ``Z``, ``'1.0'`` in the XML declaration
and ``<link/>``, and (1.0.0) drops the ``rel`` and ``type`` of an entry's link.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from storage.outputs.text import safe_link

__all__ = ["FEED_ENTRIES", "FeedEntry", "atom_feed", "render_feed"]

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 30  # digests listed in feed.xml
_DIGEST_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json$")


def render_feed(out_dir: Path, limit: int = FEED_ENTRIES) -> str:
    """An Atom feed of the newest *limit* digests whose JSON is in *out_dir*."""
    digests = []
    for path in sorted(out_dir.iterdir(), reverse=True):
        match = _DIGEST_NAME.match(path.name)
        if not match:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            date.fromisoformat(match.group(1))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("articles"), list):
            digests.append((match.group(1), data))
        if len(digests) == limit:
            break
    updated = max((str(d.get("updated") or f"{n}T00:00:00Z") for n, d in digests), default=None)
    entries = []
    for name, data in digests:
        articles = [a for a in data["articles"] if isinstance(a, dict)]
        count = len(articles)
        title = f"Digest {name}: {count} relevant article{'s' if count != 1 else ''}"
        stories = [s for s in data.get("stories") or [] if isinstance(s, dict)]
        if stories and len(stories) != count:
            title += f" in {len(stories)} stor{'ies' if len(stories) != 1 else 'y'}"
        entries.append(
            FeedEntry(
                title=title,
                id=f"urn:culturewatch:digest:{name}",
                href=f"{name}.html",
                updated=str(data.get("updated") or f"{name}T00:00:00Z"),
                summary_html=_summary(data, articles, stories),
            )
        )
    return atom_feed(
        title="culturewatch daily digests",
        subtitle="Coverage of China's cultural exports and soft power, one digest a day",
        feed_id="urn:culturewatch:digests",
        self_href="feed.xml",
        updated=updated,
        entries=entries,
    )


@dataclass(frozen=True)
class FeedEntry:
    """One entry of an Atom feed; *summary_html* is HTML whose every value is escaped."""

    title: str
    id: str
    href: str | None  # the entry's page (rel alternate, text/html), if it has one
    updated: str
    summary_html: str


def atom_feed(
    *,
    title: str,
    subtitle: str,
    feed_id: str,
    self_href: str,
    updated: str | None,
    entries: Iterable[FeedEntry],
) -> str:
    """An Atom document: the feed's head, then *entries* in their order (all text escaped as
    XML by ElementTree; a summary is HTML escaped again as XML text)."""
    feed = ET.Element("feed", {"xmlns": ATOM})
    ET.SubElement(feed, "title").text = title
    ET.SubElement(feed, "subtitle").text = subtitle
    ET.SubElement(feed, "id").text = feed_id
    ET.SubElement(feed, "link", {"rel": "self", "href": self_href})
    ET.SubElement(feed, "updated").text = updated or "1970-01-01T00:00:00Z"
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = "culturewatch"
    ET.SubElement(feed, "generator").text = "culturewatch"
    for item in entries:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "title").text = item.title
        ET.SubElement(entry, "id").text = item.id
        if item.href:
            ET.SubElement(
                entry, "link", {"rel": "alternate", "type": "text/html", "href": item.href}
            )
        ET.SubElement(entry, "updated").text = item.updated
        ET.SubElement(entry, "summary", {"type": "html"}).text = item.summary_html
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _summary(
    data: Mapping[str, Any], articles: list[dict[str, Any]], stories: list[dict[str, Any]]
) -> str:
    """The HTML of one feed entry (escaped here, and escaped again as XML text): one item
    per story (its best copy, and how many outlets carried it), or per article in a digest
    from before stories."""

    def esc(value: Any) -> str:
        return html.escape(str(value or ""), quote=True)

    parts = []
    themes = [t for t in data.get("theme_counts", []) if isinstance(t, dict) and t.get("count")]
    if themes:
        parts.append(
            "<p>"
            + ", ".join(
                f"{esc(t.get('label') or t.get('theme'))}: {esc(t['count'])}" for t in themes
            )
            + "</p>"
        )
    if not articles:
        parts.append("<p>No relevant articles were first archived on this day.</p>")
    else:
        by_url = {a.get("url"): a for a in articles}
        shown = [(by_url.get(s.get("best_url")), s) for s in stories]
        listed = [(a, s) for a, s in shown if a] or [(a, {}) for a in articles]
        items = []
        for a, story in listed[:10]:
            href = safe_link(str(a.get("url") or ""))
            title = esc(a.get("title") or a.get("url"))
            link = f'<a href="{esc(href)}">{title}</a>' if href else title
            outlets = story.get("outlets")
            also = f", {esc(outlets)} outlets" if isinstance(outlets, int) and outlets > 1 else ""
            items.append(f"<li>{link} ({esc(a.get('source'))}{also})</li>")
        more = f"<p>and {len(listed) - 10} more</p>" if len(listed) > 10 else ""
        parts.append("<ol>" + "".join(items) + "</ol>" + more)
    return "".join(parts)
