"""Parse XML sitemaps: sitemap indexes, urlsets and Google News sitemaps.

Scrapy's own ``Sitemap`` class flattens each ``<url>`` into tag -> text and so loses
the nested ``<news:news>`` block; this parser keeps ``news:title``,
``news:publication_date``, ``news:keywords``, ``news:language`` and ``lastmod``.
Entities and network access are off: a sitemap is untrusted input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from crawler.feeds import Entry
from pipelines.normalize import to_utc_iso

__all__ = ["Sitemap", "SitemapError", "parse_sitemap"]

_PARSER = etree.XMLParser(
    recover=True,
    resolve_entities=False,
    no_network=True,
    remove_comments=True,
    remove_pis=True,
    huge_tree=False,
)


class SitemapError(ValueError):
    """The document is not a sitemap we can read."""


@dataclass
class Sitemap:
    kind: str  # "index" or "urlset"
    entries: list[Entry] = field(default_factory=list)  # pages (urlset)
    sitemaps: list[tuple[str, str | None]] = field(default_factory=list)  # (url, lastmod)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """Parse a (decompressed) sitemap fetched from *url*.

    A plain-text sitemap (one URL per line) is accepted too.
    """
    stripped = body.lstrip()
    if stripped[:4] in (b"http",):
        lines = [ln.strip() for ln in body.decode("utf-8", "replace").splitlines()]
        return Sitemap("urlset", [Entry(url=ln) for ln in lines if ln.startswith("http")])
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not a sitemap: {exc}") from None
    if root is None:
        raise SitemapError("not a sitemap: empty or not XML")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        sitemap = Sitemap("index")
        for child in root:
            if _local(child.tag) != "sitemap":
                continue
            fields = {_local(el.tag): _text(el) for el in child}
            try:
                loc = urljoin(url, fields["loc"]) if fields.get("loc") else None
            except ValueError:  # an unparsable <loc>, e.g. "http://[::1/b": skip it
                continue
            if loc:
                sitemap.sitemaps.append((loc, to_utc_iso(fields.get("lastmod"))))
        return sitemap
    if kind != "urlset":
        raise SitemapError(f"not a sitemap: root element <{kind or '?'}>")
    sitemap = Sitemap("urlset")
    for node in root:
        if _local(node.tag) != "url":
            continue
        try:
            entry = _url_entry(node, url)
        except ValueError:  # an unparsable <loc>: skip that entry
            continue
        if entry:
            sitemap.entries.append(entry)
    return sitemap


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
