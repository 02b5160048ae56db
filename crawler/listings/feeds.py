"""Parse feeds into entries: RSS 0.9x/1.0/2.0 and Atom with feedparser, JSON Feed by hand.

feedparser does not read JSON Feed (https://jsonfeed.org/version/1.1); it is a plain
JSON document, so a dozen lines here cover it.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urljoin
from xml.sax import SAXParseException

import feedparser

from pipelines.normalize import to_utc_iso

__all__ = ["Entry", "FeedError", "parse_feed"]


class FeedError(ValueError):
    """The document is not a feed we can read."""


@dataclass
class Entry:
    """One item of a feed or sitemap: a link and what the listing says about it."""

    url: str
    title: str | None = None
    published_at: str | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    description: str | None = None
    image: str | None = None
    language: str | None = None

    def hints(self) -> dict[str, Any]:
        """The metadata that fills what the article page lacks."""
        return {k: v for k, v in self.__dict__.items() if k != "url" and v}


def _struct_to_iso(value: Any) -> str | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError):
        return None


def _looks_like_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body.lstrip()[:1] == b"{"


def parse_feed(body: bytes, url: str, content_type: str = "") -> tuple[str, list[Entry]]:
    """Return ``(format, entries)`` for the feed *body* fetched from *url*.

    Raises :class:`FeedError` with a short reason when nothing feed-like is found, or when
    the document is broken (cut off, not well-formed) and gives no item. Items without a
    usable link (blank, or the feed's own URL) are left out.
    """
    if _looks_like_json(body, content_type):
        return "jsonfeed", _parse_json_feed(body, url)
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    version = parsed.get("version") or ""
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(problem, _HARMLESS):
        problem = None
    if not version and not parsed.entries:
        raise FeedError(f"not a feed: {_one_line(problem or 'no RSS, Atom or JSON Feed found')}")
    language = (parsed.feed.get("language") or "").split("-")[0].lower() or None
    entries = _each(parsed.entries, lambda item: _feed_entry(item, url, language))
    if not entries and problem is not None:
        # Cut off or broken before its first complete item: a failure, not "ok, 0 items".
        # A broken feed that still gives items is kept: what can be read is not lost.
        raise FeedError(f"truncated or malformed feed: {_one_line(problem)}, no items")
    return version or "feed", entries


# What feedparser flags without the XML being broken: a wrong declared encoding, a missing
# or non-XML Content-Type (always: it is given no Content-Type here), so no reason to give.
_HARMLESS = feedparser.ThingsNobodyCaresAboutButMe


def _one_line(reason: object) -> str:
    if isinstance(reason, SAXParseException):  # "<unknown>:2:34: no element found"
        line, column = reason.getLineNumber(), reason.getColumnNumber()
        reason = f"{reason.getMessage()} at line {line}, column {column}"
    return " ".join(str(reason).split())[:120]


# A malformed item (a wrong type, an unparsable link) is skipped; the others still count.
_BAD_ITEM = (AttributeError, KeyError, TypeError, ValueError)


def _each(items: Any, build: Any) -> list[Entry]:
    entries = []
    for item in items if isinstance(items, list) else []:
        try:
            entry = build(item)
        except _BAD_ITEM:
            continue
        if entry is not None:
            entries.append(entry)
    return entries


def _article_url(feed_url: str, candidates: Iterable[Any]) -> str | None:
    """The first candidate link that is not blank and not the feed itself, made absolute.

    A blank link resolves to the feed's own URL, which is no article: fetching it would
    archive the feed.
    """
    itself = urldefrag(feed_url).url
    for link in candidates:
        if not isinstance(link, str) or not link.strip():
            continue
        absolute = urljoin(feed_url, link.strip())
        if urldefrag(absolute).url != itself:
            return absolute
    return None


def _feed_entry(item: Any, url: str, language: str | None) -> Entry | None:
    guid = str(item.get("id", ""))
    link = _article_url(
        url,
        [
            item.get("link"),
            *(ln.get("href") for ln in item.get("links", [])),
            guid if guid.startswith(("http://", "https://")) else None,
        ],
    )
    if not link:
        return None
    image = next(
        (
            m["url"]
            for m in item.get("media_content", []) + item.get("media_thumbnail", [])
            if m.get("url")
        ),
        None,
    )
    return Entry(
        url=link,
        title=(item.get("title") or "").strip() or None,
        published_at=_struct_to_iso(item.get("published_parsed") or item.get("updated_parsed")),
        author=item.get("author") or None,
        tags=[t["term"] for t in item.get("tags", []) if t.get("term")],
        description=(item.get("summary") or "").strip() or None,
        image=image,
        language=language,
    )


def _parse_json_feed(body: bytes, url: str) -> list[Entry]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"not a feed: invalid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FeedError("not a feed: JSON without an 'items' list")
    language = str(doc.get("language") or "").split("-")[0].lower() or None
    return _each(doc["items"], lambda item: _json_entry(item, url, language))


def _json_entry(item: Any, url: str, language: str | None) -> Entry | None:
    link = _article_url(url, [item.get("url"), item.get("external_url")])
    if not link:
        return None
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    names = [a.get("name") for a in authors if isinstance(a, dict) and a.get("name")]
    return Entry(
        url=link,
        title=str(item.get("title") or "").strip() or None,
        published_at=to_utc_iso(item.get("date_published") or item.get("date_modified")),
        author=", ".join(str(n) for n in names) or None,
        tags=[str(t) for t in item.get("tags") or [] if t],
        description=str(item.get("summary") or "").strip() or None,
        image=str(item.get("image") or item.get("banner_image") or "") or None,
        language=str(item.get("language") or "").split("-")[0].lower() or language,
    )
