"""Parse XML sitemaps: sitemap indexes, urlsets and Google News sitemaps.

Scrapy's own ``Sitemap`` class flattens each ``<url>`` into tag -> text and so loses
the nested ``<news:news>`` block; this parser keeps ``news:title``,
``news:publication_date``, ``news:keywords``, ``news:language`` and ``lastmod``.
Entities and network access are off: a sitemap is untrusted input.

:func:`iter_sitemap` reads the document incrementally (``lxml.etree.iterparse``) and drops
each ``<url>`` or ``<sitemap>`` once it has been turned into an item, so a sitemap of a
million URLs costs little more than its body; :func:`parse_sitemap` collects the same items
into a :class:`Sitemap`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin

from lxml import etree

from crawler.listings.feeds import Entry
from pipelines.normalize import to_utc_iso

__all__ = ["Sitemap", "SitemapError", "SitemapItems", "SitemapRef", "iter_sitemap", "parse_sitemap"]

# The parser's options: untrusted input, read what can be read. ``huge_tree`` stays off: it
# lifts libxml2's limits on one text node and on nesting, not on the document's size.
_OPTIONS = {
    "recover": True,
    "resolve_entities": False,
    "no_network": True,
    "remove_comments": True,
    "remove_pis": True,
    "huge_tree": False,
}


class SitemapError(ValueError):
    """The document is not a sitemap we can read."""


class SitemapRef(NamedTuple):
    """A child sitemap listed by a sitemap index."""

    url: str
    lastmod: str | None = None


@dataclass
class Sitemap:
    kind: str  # "index" or "urlset"
    entries: list[Entry] = field(default_factory=list)  # pages (urlset)
    sitemaps: list[SitemapRef] = field(default_factory=list)  # child sitemaps (index)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


class SitemapItems(Iterator[Entry | SitemapRef]):
    """The items of one sitemap, read as they are iterated.

    ``kind`` is ``"index"`` or ``"urlset"``, known as soon as the object exists: creating it
    reads the document up to its root element and raises :class:`SitemapError` when that is
    not a sitemap.
    """

    def __init__(self, body: bytes, url: str) -> None:
        self._items = _read(body, url)  # yields the kind first, then the items
        self.kind = str(next(self._items))

    def __iter__(self) -> SitemapItems:
        return self

    def __next__(self) -> Entry | SitemapRef:
        return next(self._items)  # type: ignore[return-value]  # after the kind: items


def iter_sitemap(body: bytes, url: str) -> SitemapItems:
    """The items of the (decompressed) sitemap fetched from *url*, one at a time.

    An :class:`Entry` per ``<url>`` of a urlset, a :class:`SitemapRef` per ``<sitemap>`` of
    an index. A plain-text sitemap (one URL per line) is accepted too. Raises
    :class:`SitemapError` at once when the document is not XML or its root is not a sitemap.
    """
    return SitemapItems(body, url)


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """Parse a (decompressed) sitemap fetched from *url* into one :class:`Sitemap`.

    A plain-text sitemap (one URL per line) is accepted too.
    """
    items = iter_sitemap(body, url)
    sitemap = Sitemap(items.kind)
    for item in items:
        if isinstance(item, SitemapRef):
            sitemap.sitemaps.append(item)
        else:
            sitemap.entries.append(item)
    return sitemap


def _read(body: bytes, url: str) -> Iterator[str | Entry | SitemapRef]:
    """Yield the sitemap's kind, then its items."""
    if body.lstrip()[:4] == b"http":
        yield "urlset"
        for chunk in io.BytesIO(body):  # one line at a time: no copy of the whole body
            for raw in chunk.split(b"\r"):  # old Mac line ends too
                line = raw.strip().decode("utf-8", "replace")
                if line.startswith("http"):
                    yield Entry(url=line)
        return
    events = etree.iterparse(io.BytesIO(body), events=("start", "end"), **_OPTIONS)
    root = None
    item_tag = ""
    depth = 0
    try:
        for event, el in events:
            if event == "start":
                depth += 1
                if root is None:
                    root = el
                    kind = _local(el.tag)
                    if kind == "sitemapindex":
                        item_tag = "sitemap"
                        yield "index"
                    elif kind == "urlset":
                        item_tag = "url"
                        yield "urlset"
                    else:
                        raise SitemapError(f"not a sitemap: root element <{kind or '?'}>")
                continue
            depth -= 1
            if depth != 1:  # inside an item (its end comes later) or the root's own end
                continue
            item = _item(el, url) if _local(el.tag) == item_tag else None
            # Drop what has been read: this element's content and the siblings before it.
            el.clear(keep_tail=False)
            while el.getprevious() is not None and root is not None:
                del root[0]
            if item is not None:
                yield item
    except etree.XMLSyntaxError as exc:
        if root is None:
            raise SitemapError(f"not a sitemap: {str(exc).splitlines()[0][:160]}") from None
        return  # broken after the root: keep what was read, as a recovering parser does
    if root is None:
        raise SitemapError("not a sitemap: empty or not XML")


def _item(node: etree._Element, base: str) -> Entry | SitemapRef | None:
    try:
        if _local(node.tag) == "sitemap":
            return _sitemap_ref(node, base)
        return _url_entry(node, base)
    except ValueError:  # an unparsable <loc>, e.g. "http://[::1/b": skip that item
        return None


def _sitemap_ref(node: etree._Element, base: str) -> SitemapRef | None:
    fields = {_local(el.tag): _text(el) for el in node}
    if not fields.get("loc"):
        return None
    return SitemapRef(urljoin(base, fields["loc"]), to_utc_iso(fields.get("lastmod")))


def _url_entry(node: etree._Element, base: str) -> Entry | None:
    loc = lastmod = None
    entry = Entry(url="")
    for el in node:
        name = _local(el.tag)
        if name == "loc":
            loc = _text(el)
        elif name == "lastmod":
            lastmod = to_utc_iso(_text(el))
        elif name == "news":
            for sub in el.iter():
                sub_name = _local(sub.tag)
                if sub_name == "title":
                    entry.title = _text(sub) or None
                elif sub_name == "publication_date":
                    entry.published_at = to_utc_iso(_text(sub))
                elif sub_name == "keywords":
                    entry.keywords = [k.strip() for k in _text(sub).split(",") if k.strip()]
                elif sub_name == "language":
                    entry.language = _text(sub).split("-")[0].lower() or None
        elif name == "image":
            for sub in el.iter():
                if _local(sub.tag) == "loc" and not entry.image:
                    entry.image = _text(sub) or None
    if not loc:
        return None
    entry.url = urljoin(base, loc)
    entry.published_at = entry.published_at or lastmod
    return entry
