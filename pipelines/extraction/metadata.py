"""An article's metadata from the page's own evidence: headline, publication date, authors.

Pure functions over a parsed page (an lxml tree), general rules only (nothing per
publisher):

- **title**: the JSON-LD ``headline``, unless it is a cut of the ``<h1>`` (ending in an
  ellipsis) or the ``<h1>`` and ``og:title`` agree on a longer one containing it; else
  the ``<h1>`` when ``og:title``/``<title>`` begin with it; else ``og:title``, ``<title>``.
  Site-name prefixes and suffixes ("… - Site", "Site | …", "…：Site") are removed when the
  segment names the site (``og:site_name``, JSON-LD publisher, the host), a date or a byline.
- **date** (``date_source``): ``pipelines.extraction.dates``.
- **authors**: JSON-LD ``author`` names (people; an organisation only when no person is
  named), else the byline trafilatura finds, else ``meta name=author``; the page's byline
  element (a name after an author label first) when those name only the site or a CMS
  account, else the names on a line of their own atop the body (``lead_byline``). Split
  on "and", commas, semicolons and bars, without "By", roles and agency suffixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pipelines.extraction.dates import published_date, valid_date
from pipelines.extraction.jsonld import (
    article_objects,
    clean,
    jsonld_objects,
    labelled,
    text_key,
    types_of,
)

__all__ = [
    "PageMetadata",
    "choose_authors",
    "page_metadata",
    "published_date",
    "split_authors",
    "strip_site_affixes",
    "valid_date",
]

_PERSON = "Person"
_SEPARATORS = re.compile(r"\s+[-–—|·•*:/]\s+|\s*[|｜ㅣ•：]\s*|(?<=\S)-(?=[^\W\d_]+ㅣ)")
_GENERIC_LABELS = {"www", "news", "com", "org", "net", "amp", "edition", "online", "web"}
_DATE_SEGMENT = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")
_BY = re.compile(
    r"^(?:by|von|par|por|di|da|door|av|af|przez|autor(?:in)?|author|text|quelle|source)\s*:?\s+",
    re.I,
)
_ROLE = re.compile(
    r"\s*(?:,|-|–|\|)?\s*\b(?:staff\s+writer|senior\s+reporter|reporter|correspondent|editor|"
    r"redakteur(?:in)?|journalist|contributor|columnist|photographer)s?\b\.?$"
    r"|\s*기자$|\s*특파원$",
    re.I,
)
_AGENCIES = {
    "reuters", "ap", "afp", "dpa", "apa", "ansa", "efe", "xinhua", "associated press",
    "agence france-presse", "bloomberg", "kyodo", "yonhap", "pa", "kna", "epd", "sda", "sid", "ians", "pti", "ani", "tass",
}  # fmt: skip
_NAME_SPLIT = re.compile(r"\s*(?:;|\||,|/|\s&\s|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bog\b)\s*")


@dataclass
class PageMetadata:
    title: str | None = None
    published_at: str | None = None
    date_source: str | None = None
    authors: list[str] = field(default_factory=list)  # JSON-LD's
    meta_authors: list[str] = field(default_factory=list)  # meta name=author
    bylines: list[str] = field(default_factory=list)  # the page's byline element
    site_names: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # JSON-LD authors that are CMS accounts


# ---------------------------------------------------------------------------- title
def site_names(tree: Any, objects: list[dict[str, Any]], url: str) -> list[str]:
    """What the page calls its site: og:site_name, application-name, JSON-LD publisher and
    WebSite names, and the host's name (``golem`` of ``www.golem.de``)."""
    names = [
        clean(v)
        for v in tree.xpath(
            "//meta[@property='og:site_name']/@content | //meta[@name='application-name']/@content"
            " | //meta[@name='publisher']/@content | //meta[@name='copyright']/@content"
        )
    ]
    for obj in objects:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict):
            names.append(clean(publisher.get("name")))
        if "WebSite" in types_of(obj):
            names.append(clean(obj.get("name")))
    hrefs = [
        url,
        *tree.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"),
    ]
    for href in hrefs:
        host = urlsplit(str(href)).hostname or ""
        if host and not host[0].isdigit():
            labels = host.split(".")
            names.append(".".join(labels[-2:]))  # golem.de
            names.extend(x for x in labels[:-1] if len(x) >= 3 and x not in _GENERIC_LABELS)
    return [n for n in dict.fromkeys(names) if n]


def _names_site(segment: str, names: list[str]) -> bool:
    seg = text_key(segment)
    if not seg:
        return True
    if _DATE_SEGMENT.match(segment.strip()) or re.match(r"^by\s", segment.strip(), re.I):
        return True
    for name in names:
        key = text_key(name)
        if not key or len(seg) < 2:
            continue
        if seg == key or key.startswith(seg) or key.endswith(seg):
            return True  # the name or a short form of it: "WELT" of "DIE WELT"
        if len(key) >= 3 and key in seg and len(seg) - len(key) <= 6:
            return True  # the name and a little more: "Globalnews.ca", "Golem.de"
    return False


def strip_site_affixes(title: str, names: list[str]) -> str:
    """*title* without leading or trailing segments that name the site, a date or a byline."""
    parts = _SEPARATORS.split(title)
    seps = _SEPARATORS.findall(title)
    if len(parts) < 2:
        return title
    start, end = 0, len(parts)
    while end - start > 1 and _names_site(parts[end - 1], names):
        end -= 1
    while end - start > 1 and _names_site(parts[start], names) and seps[start].strip() != ":":
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    out = parts[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + parts[i]
    return out.strip() or title


def _as_h1(title: str, h1s: list[str]) -> str:
    """*title* cut to the ``<h1>`` when it is the ``<h1>`` and more segments ("H1 | Sport")."""
    parts, seps = _SEPARATORS.split(title), _SEPARATORS.findall(title)
    keys = {text_key(h) for h in h1s}
    head = parts[0]
    for i in range(1, len(parts)):
        if text_key(head) in keys and len(text_key(head)) > 5:
            return head
        head += seps[i - 1] + parts[i]
    return title


def best_title(tree: Any, objects: list[dict[str, Any]], names: list[str]) -> str | None:
    headlines = [clean(o.get("headline")) for o in article_objects(objects)]
    headline = next((h for h in headlines if h), "")
    h1s = [  # not a logo's <h1> that names the site
        t
        for t in (clean(h.text_content()) for h in tree.xpath("//h1")[:4])
        if t
        if not _names_site(t, names)
    ]
    og = clean(next(iter(tree.xpath("//meta[@property='og:title']/@content")), ""))
    tag = clean(next(iter(tree.xpath("//title/text()")), ""))
    framed = [_as_h1(strip_site_affixes(t, names), h1s) for t in (og, tag) if t]
    if headline:
        headline = _as_h1(strip_site_affixes(headline, names), h1s)
        cut = text_key(_ELLIPSIS.sub("", headline))
        for h1 in h1s:
            longer = len(text_key(h1)) > len(text_key(headline))
            if longer and _ELLIPSIS.search(headline) and text_key(h1).startswith(cut):
                return h1  # the JSON-LD headline is a cut of the page's
            if (
                longer
                and cut in text_key(h1)
                and text_key(strip_site_affixes(og, names)) == text_key(h1)
            ):
                return h1  # <h1> and og:title agree on a whole headline the JSON-LD cuts
        return headline
    for h1 in h1s:
        if (
            any(text_key(t).startswith(text_key(h1)) for t in (og, tag) if t)
            and len(text_key(h1)) > 5
        ):
            return h1
    return next((f for f in framed if f), None)


# ---------------------------------------------------------------------------- authors
_ACCOUNT = re.compile(
    r"/(?:author|autor|user|members?)/(?:admin|administrator|editor|redaktion|staff|webmaster)/?$",
    re.I,
)


def _ld_accounts(objects: list[dict[str, Any]]) -> list[str]:
    """Names of JSON-LD authors that are a CMS account (``/author/admin/``), not a person."""
    found = []
    for obj in article_objects(objects):
        raw = obj.get("author")
        for entry in raw if isinstance(raw, list) else [raw]:
            if isinstance(entry, dict) and any(
                _ACCOUNT.search(str(entry.get(k) or "")) for k in ("@id", "url")
            ):
                found.append(clean(entry.get("name")))
    return [n for n in found if n]


def _ld_authors(objects: list[dict[str, Any]]) -> list[str]:
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and o.get("name")}
    people: list[str] = []
    organisations: list[str] = []
    for obj in article_objects(objects):
        raw = obj.get("author") or obj.get("creator")
        for entry in raw if isinstance(raw, list) else [raw]:
            if isinstance(entry, dict) and not entry.get("name") and entry.get("@id") in by_id:
                entry = by_id[entry["@id"]]
            if isinstance(entry, dict):
                name, kind = clean(entry.get("name")), types_of(entry)
            else:
                name, kind = clean(entry), _PERSON
            if not name:
                continue
            if _PERSON in kind or not kind:
                people.extend(split_authors(name))
            else:
                organisations.append(name)
        if people or organisations:
            break
    return list(dict.fromkeys(people or organisations))


def split_authors(text: str | None) -> list[str]:
    """The names in a byline: "By A and B", "A, B; C" split; "By", roles, e-mail
    addresses and agency suffixes ("| Reuters") removed, an agency kept when it is alone."""
    text = clean(text)
    if not text:
        return []
    names: list[str] = []
    for part in _NAME_SPLIT.split(_BY.sub("", text)):
        name = _ROLE.sub("", _BY.sub("", part.strip(" .,:-–"))).strip(" .,:-–()")
        if not name or "@" in name or name.startswith("http") or not re.search(r"[^\W\d_]", name):
            continue
        names.append(name)
    people = [n for n in names if n.casefold() not in _AGENCIES]
    return list(dict.fromkeys(people or names))


def _not_person(name: str, meta: PageMetadata) -> bool:
    """*name* is the site, a CMS account or an agency rather than a person."""
    return (
        _names_site(name, meta.site_names) or name in meta.accounts or name.casefold() in _AGENCIES
    )


def _byline_people(meta: PageMetadata) -> list[str]:
    """The names of the first byline text that names someone, not the site or an agency."""
    for value in meta.bylines:
        names = [n for n in split_authors(value) if not _not_person(n, meta)]
        if names:
            return names
    return []


def _looks_like_names(names: list[str]) -> bool:
    """Each of *names* is two to four capitalised words, no digits: "Jane Doe", "JANE DOE"."""
    return bool(names) and all(
        2 <= len(words := name.split()) <= 4
        and not re.search(r"\d", name)
        and all(w[0].isupper() for w in words)
        for name in names
    )


def lead_byline(text: str | None, meta: PageMetadata | None = None) -> list[str]:
    """The names on a line of their own among the first three of the body, the byline
    many CMS pages type above the article ("Jane Doe", "By A/B"), else []."""
    for line in (text or "").splitlines()[:3]:
        line = line.strip()
        if not line or len(line) > 80 or re.search(r"[.!?:]$", line) or line[0] in "-*•":
            continue  # a sentence, a heading or a list item (breadcrumbs, a menu)
        names = split_authors(line)
        if _looks_like_names(names) and not any(meta and _not_person(n, meta) for n in names):
            return names
    return []


def choose_authors(meta: PageMetadata, found: str | None, text: str | None = None) -> list[str]:
    """The authors: JSON-LD's first, else the byline *found* by trafilatura (``"A; B"``),
    else ``meta name=author``, else the page's byline element; when those name only the
    site (or a CMS account) and the byline element names a person (not an agency), the
    byline's names, else the names on a line of their own atop the body *text*."""
    bylines = [n for value in meta.bylines[:1] for n in split_authors(value)]
    people = _byline_people(meta)
    candidates = [
        meta.authors,
        [n for value in (found or "").split(";") for n in split_authors(value)],
        [n for value in meta.meta_authors for n in split_authors(value)],
        bylines,
    ]
    names = next((names for names in candidates if names), [])
    only_site = all(_names_site(n, meta.site_names) or n in meta.accounts for n in names)
    if only_site and names:
        people = people or lead_byline(text, meta)  # never when no one is named at all
    if people and only_site:
        names = people  # the site is named as the author, the byline names a person
    persons = [n for n in names if not _not_person(n, meta)]
    if (
        persons
        and len(persons) < len(names)
        and all(
            _names_site(n, meta.site_names) or n in meta.accounts for n in names if n not in persons
        )
    ):
        names = persons  # "Site; Jane Doe": the site beside a person is no author
    return list(dict.fromkeys(names))[:20]


def page_metadata(tree: Any, url: str) -> PageMetadata:
    """The title, publication date (and its evidence) and authors of the page *tree*."""
    objects = jsonld_objects(tree)
    names = site_names(tree, objects, url)
    published, source = published_date(tree, objects)
    return PageMetadata(
        title=best_title(tree, objects, names),
        published_at=published,
        date_source=source,
        authors=_ld_authors(objects),
        meta_authors=[
            clean(v) for v in tree.xpath("//meta[@name='author' or @name='Author']/@content")
        ],
        bylines=_bylines(tree),
        site_names=names,
        accounts=_ld_accounts(objects),
    )


_SOCIAL = re.compile(r"\b(?:twitter|facebook|instagram|linkedin|whatsapp|share|follow)\b", re.I)
_AUTHOR_LINK = (
    "contains(@href, '/author/') or contains(@href, '/authors/') or contains(@href, '/autor')"
    " or contains(@href, '/reporter/') or contains(@href, '/journalist/')"
)


# What a page prints before its author's name: "Autor:", "Autorin/Autor", "Written by".
_AUTHOR_LABEL = re.compile(
    r"(?:(?:author|autor|auteur|autore|autoren|autorin|autori|auteurs|authors)"
    r"(?:\s*/\s*(?:author|autor|autorin|auteur))?|written by|geschrieben von)",
    re.I,
)


def _bylines(tree: Any) -> list[str]:
    """Short texts of the elements marked as the byline or the author, or linking to an
    author's page, the most specific first (the first text of each kind); first a name
    printed after an author label ("<strong>Autor</strong> Jane Doe")."""
    texts = labelled(tree, _AUTHOR_LABEL, limit=1)
    for xpath in (
        "//*[@itemprop='author']//*[@itemprop='name']",
        "//a[@rel='author']",
        "//*[contains(@class, 'byline')]",
        f"//article//a[{_AUTHOR_LINK}]",
        "//*[contains(@class, 'author')]",
        f"//a[{_AUTHOR_LINK}]",
    ):
        for element in tree.xpath(xpath)[:5]:
            text = clean(element.text_content())
            if text and len(text) <= 80 and len(text.split()) <= 10 and not _SOCIAL.search(text):
                texts.append(text)
                break
    return texts
