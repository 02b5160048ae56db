"""The publication date of a page from its strongest evidence, never a modified date.

JSON-LD ``datePublished`` (``jsonld``), then ``article:published_time`` and its kin
(``meta``), then a ``<time datetime>`` marked as the publication or inside the
``<article>``, or a date the page prints: after a date label ("<strong>Datum</strong>
28.04.2023", "Published Jun 5, 2026"), or in the article's element of a date class
("28. April 2024, 14:26 Uhr"; never an update, a link or a teaser) (``time``); then a date
in the URL (``/2025/04/01/``) (``url``). The feed's date and htmldate's guess come after,
in ``pipelines.extraction.extract``.

Time zones: an offset given is honoured and the time stored in UTC
(``storage.formats.to_utc_iso``); a time without one is the publisher's local time, and
takes the offset of the page's other dated evidence (the same day's first); without any,
a machine-readable time is read as UTC and a printed one keeps only its day. A date more
than a day in the future or before 1995 is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pipelines.extraction import vocabulary
from pipelines.extraction.jsonld import article_objects, clean, labelled
from storage.formats import to_utc_iso

__all__ = ["EARLIEST_YEAR", "printed_date", "published_date", "url_date", "valid_date"]

EARLIEST_YEAR = 1995  # before the web carried news: a parse error or a placeholder
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_ANY_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$")
_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
_SOURCES = {"printed": "time"}  # a date the page prints is recorded as its time evidence
# zone abbreviations printed after a time ("5:50 pm CET"), as offsets
_ZONES = {
    "utc": "+00:00", "gmt": "+00:00", "bst": "+01:00", "cet": "+01:00", "mez": "+01:00",
    "cest": "+02:00", "mesz": "+02:00", "eet": "+02:00", "eest": "+03:00", "sast": "+02:00",
    "msk": "+03:00", "est": "-05:00", "edt": "-04:00", "cst": "-06:00", "cdt": "-05:00",
    "mst": "-07:00", "mdt": "-06:00", "pst": "-08:00", "pdt": "-07:00", "pt": "-08:00",
    "et": "-05:00", "jst": "+09:00", "kst": "+09:00", "hkt": "+08:00", "aest": "+10:00",
    "aedt": "+11:00", "awst": "+08:00",
}  # fmt: skip
_TIME = (
    r"(?P<h>\d{1,2})[:.h](?P<mi>\d{2})(?::\d{2})?\s*(?P<ampm>[ap]\.?m\.?)?"
    r"(?:\s*(?:uhr|h|hrs))?(?:\s+(?P<zone>[a-z]{2,4})\b)?"
)
_DAY_MONTH_YEAR = (
    r"(?P<d>\d{1,2})\.?\s*(?:de\s+)?(?P<mon>[^\W\d_]{3,})\.?\s*(?:de\s+)?,?\s*(?P<y>\d{4})"
)
_MONTH_DAY_YEAR = r"(?P<mon>[^\W\d_]{3,})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"
_NUMERIC = r"(?P<d>\d{1,2})\s*[./]\s*(?P<m>\d{1,2})\s*[./]\s*(?P<y>\d{4})"
_ISO = r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
_CJK = r"(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]?"
_DATES = [re.compile(p, re.I) for p in (_ISO, _CJK, _NUMERIC, _DAY_MONTH_YEAR, _MONTH_DAY_YEAR)]
_TIME_RE = re.compile(_TIME, re.I)
_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?:/|-|$)"
    r"|[/_-](?P<y2>(?:19|20)\d{2})(?P<m2>[01]\d)(?P<d2>[0-3]\d)(?:[/_.-]|$)"
)


def _month(name: str) -> int | None:
    """The month *name* (full, or cut after three letters or more) names, else None."""
    folded = name.casefold().rstrip(".")
    table = vocabulary.months()
    if folded in table:
        return table[folded]
    found = {n for full, n in table.items() if len(folded) >= 3 and full.startswith(folded)}
    return found.pop() if len(found) == 1 else None


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None


def printed_date(text: str) -> str | None:
    """The date a page prints in *text* ("28.04.2023", "28. April 2024, 14:26 Uhr",
    "Jun 05, 2026 5:50 pm CET", "2025年4月28日"): ``YYYY-MM-DD``, with the local time
    when one follows it or comes just before it (``YYYY-MM-DDTHH:MM``), and the offset of
    a zone printed after the time. Anything after an "updated" word is not read."""
    updated = vocabulary.pattern("updated").search(text)
    text = text[: updated.start()] if updated else text
    for pattern in _DATES:
        match = pattern.search(text)
        if not match:
            continue
        parts = match.groupdict()
        month = int(parts["m"]) if parts.get("m") else _month(parts.get("mon") or "")
        if month is None:
            continue
        day = _day(int(parts["y"]), month, int(parts["d"]))
        if day is None:
            continue
        after = _TIME_RE.match(text[match.end() :].lstrip(" ,-–•|"))
        before = re.search(_TIME + r"\s*,?\s*$", text[: match.start()], re.I)
        clock = after or before
        if clock is None:
            return day
        hour, minute = int(clock["h"]), int(clock["mi"])
        ampm = (clock["ampm"] or "").replace(".", "").lower()
        hour = hour % 12 + (12 if ampm == "pm" else 0) if ampm else hour
        if hour > 23 or minute > 59:
            return day
        zone = _ZONES.get((clock["zone"] or "").lower(), "")
        return f"{day}T{hour:02d}:{minute:02d}:00{zone}"
    return None


def url_date(url: str) -> str | None:
    """The day in the path of *url* (``/2025/04/01/``, ``-20250401-``), else None."""
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    y, m, d = (match["y"], match["m"], match["d"]) if match["y"] else match.group(4, 5, 6)
    return _day(int(y), int(m), int(d))


def valid_date(value: Any, now: datetime | None = None) -> str | None:
    """*value* as stored (UTC, or a bare date), or None when unparseable, in the future
    (more than a day ahead) or before 1995."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    text = re.sub(r"^(\d{4}-\d{2}-\d{2})\s+(\d)", r"\1T\2", text)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)  # +0200 -> +02:00
    stored = to_utc_iso(text)
    if stored is None:
        return None
    when = datetime.fromisoformat(stored if "T" in stored else stored + "T00:00:00+00:00")
    now = now or datetime.now(UTC)
    if when.year < EARLIEST_YEAR or when > now + timedelta(days=1):
        return None
    return stored


def _meta_xpath(name: str) -> str:
    return (
        f"//meta[translate(@property, '{_UPPER}', '{_LOWER}')='{name}'"
        f" or translate(@name, '{_UPPER}', '{_LOWER}')='{name}'"
        f" or translate(@itemprop, '{_UPPER}', '{_LOWER}')='{name}']/@content"
    )


def _printed(tree: Any) -> Iterator[str | None]:
    """The dates the page prints: after a date label, then in the article's elements of a
    date class (not in a link, a navigation, an aside or a footer)."""
    for value in labelled(tree, vocabulary.pattern("label_date"), limit=1):
        yield printed_date(value)
    scopes = tree.xpath("//article") or tree.xpath("//h1/..")[:1]
    seen = 0
    for element in (e for scope in scopes for e in scope.iter()):
        classes = (element.get("class") or "").casefold() if isinstance(element.tag, str) else ""
        if not classes or not any(c in classes for c in vocabulary.DATE_CLASSES):
            continue
        if any(a.tag in ("a", "nav", "aside", "footer") for a in element.iterancestors()):
            continue
        text = clean(element.text_content())
        if text and len(text) <= 100:
            yield printed_date(text)
            seen += 1
            if seen >= 5:
                return


def _date_evidence(tree: Any, objects: list[dict[str, Any]], url: str) -> Iterator[tuple[Any, str]]:
    """Every published date the page states, strongest evidence first."""
    for obj in article_objects(objects):
        yield obj.get("datePublished") or obj.get("dateCreated"), "jsonld"
    for name in vocabulary.DATE_META:
        for value in tree.xpath(_meta_xpath(name)):
            yield str(value), "meta"
    for xpath in (
        "//time[@itemprop='datePublished' or @pubdate]/@datetime",
        "//*[@itemprop='datePublished']/@datetime",
        "//article//time/@datetime",
    ):
        for value in tree.xpath(xpath)[:1]:
            yield str(value), "time"
    for printed in _printed(tree):
        yield printed, "printed"  # recorded as "time"
    yield url_date(url), "url"


def _page_offsets(tree: Any, objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(day, offset) of every dated evidence on the page that gives an offset: the
    publisher's time zone (modified dates too, which are never read as the date)."""
    values = [str(v) for o in objects for k, v in o.items() if k.startswith("date")]
    values += [str(v) for v in tree.xpath("//meta/@content | //time/@datetime")[:200]]
    found = []
    for value in values:
        value = value.strip()
        match = _ANY_OFFSET.search(value)
        if match and re.match(r"\d{4}-\d{2}-\d{2}", value):
            offset = match.group(1)
            found.append((value[:10], "+00:00" if offset == "Z" else offset))
    return found


def _valid_evidence(
    tree: Any, objects: list[dict[str, Any]], url: str, now: datetime | None
) -> Iterator[tuple[str, str, str]]:
    """(raw value, evidence, stored value) of each valid date, strongest first."""
    for raw, source in _date_evidence(tree, objects, url):
        stored = valid_date(raw, now)
        if stored:
            yield str(raw).strip(), source, stored


def _local(raw: str, offset: str) -> str:
    """The local time *raw* (no offset) at *offset*."""
    text = re.sub(r"^(\d{4}-\d{2}-\d{2})\s+", r"\1T", raw.strip())
    return re.sub(r"\.\d+$", "", text) + offset


def published_date(
    tree: Any, objects: list[dict[str, Any]], url: str = "", now: datetime | None = None
) -> tuple[str | None, str | None]:
    """(the publication date in UTC, its evidence: jsonld, meta, time or url), or
    (None, None). The strongest valid evidence wins; a local time without offset takes
    weaker evidence of the same day that has one, else the publisher's offset (module doc)."""
    evidence = _valid_evidence(tree, objects, url, now)
    first = next(evidence, None)
    if first is None:
        return None, None
    raw, source, found = first
    if _OFFSET.search(raw) or ("T" not in found and not re.search(r"\d:\d", raw)):
        return found, _SOURCES.get(source, source)  # an offset given, or a day only
    for other, other_source, other_found in evidence:
        if _OFFSET.search(other) and other[:10] == raw[:10] and re.search(r"\d:\d", other):
            return other_found, _SOURCES.get(other_source, other_source)  # with its offset
    offsets = _page_offsets(tree, objects)
    same_day = [o for day, o in offsets if day == raw[:10]]
    offset = next(iter(same_day or [o for _, o in offsets]), None)
    if offset:
        return valid_date(_local(raw, offset), now) or found, _SOURCES.get(source, source)
    # a printed time in an unknown zone: its day; a machine-readable one: UTC
    return (found[:10] if source == "printed" else found), _SOURCES.get(source, source)
