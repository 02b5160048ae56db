"""The publication date of a page from its strongest evidence, never a modified date.

JSON-LD ``datePublished`` (``jsonld``), then ``article:published_time`` and its kin
(``meta``), then a ``<time datetime>`` marked as the publication or inside the
``<article>``, or a day printed after a date label ("<strong>Datum</strong> 28.04.2023")
(``time``). The feed's date and htmldate's guess come after, in
``pipelines.extraction.extract``. A date more than a day in the future or before 1995 is refused; the
offset is honoured and the time stored in UTC (``storage.formats.to_utc_iso``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pipelines.extraction.jsonld import article_objects, labelled
from storage.formats import to_utc_iso

__all__ = ["EARLIEST_YEAR", "published_date", "valid_date"]

EARLIEST_YEAR = 1995  # before the web carried news: a parse error or a placeholder
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_META_PUBLISHED = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "published_time",
)
# What a page prints before its publication date (never "updated", "modified").
_DATE_LABEL = re.compile(
    r"(?:date|datum|published|published on|veröffentlicht(?: am)?|erschienen(?: am)?"
    r"|publié le|publicado|pubblicato|gepubliceerd|publicerad|publisert|dato)",
    re.I,
)
_PRINTED = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b|^(\d{4})-(\d{2})-(\d{2})\b")


def printed_date(text: str) -> str | None:
    """The day of a printed date ("28.04.2023", "2023-04-28"), as ``YYYY-MM-DD``."""
    match = _PRINTED.match(text.strip())
    if not match:
        return None
    day, month, year, *iso = match.groups()
    if iso[0]:
        return f"{iso[0]}-{iso[1]}-{iso[2]}"
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{year}-{int(month):02d}-{int(day):02d}"


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


def _date_evidence(tree: Any, objects: list[dict[str, Any]]) -> Iterator[tuple[Any, str]]:
    """Every published date the page states, strongest evidence first."""
    for obj in article_objects(objects):
        yield obj.get("datePublished") or obj.get("dateCreated"), "jsonld"
    for name in _META_PUBLISHED:
        lowered = name.lower()
        for value in tree.xpath(
            "//meta[translate(@property, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
            f"='{lowered}' or translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
            f" 'abcdefghijklmnopqrstuvwxyz')='{lowered}' or @itemprop='{name}']/@content"
        ):
            yield str(value), "meta"
    for xpath in (
        "//time[@itemprop='datePublished' or @pubdate]/@datetime",
        "//*[@itemprop='datePublished']/@datetime",
        "//article//time/@datetime",
    ):
        for value in tree.xpath(xpath)[:1]:
            yield str(value), "time"
    for value in labelled(tree, _DATE_LABEL, limit=1):  # "<strong>Datum</strong> 28.04.2023"
        yield printed_date(value), "time"


def _has_offset(raw: str) -> bool:
    return bool(_OFFSET.search(raw.strip()))


def published_date(
    tree: Any, objects: list[dict[str, Any]], now: datetime | None = None
) -> tuple[str | None, str | None]:
    """(the publication date in UTC, its evidence: jsonld, meta or time), or (None, None).

    The strongest valid evidence wins; when it has no offset (a bare date, or a local time
    without zone) and weaker evidence gives the same local day with its offset, that one
    is taken, so the day is right in UTC."""
    first: tuple[str, str, str] | None = None
    for raw, source in _date_evidence(tree, objects):
        found = valid_date(raw, now)
        if not found:
            continue
        if first is None:
            if _has_offset(raw):
                return found, source
            first = (str(raw).strip(), found, source)
        elif _has_offset(raw) and str(raw).strip()[:10] == first[0][:10]:
            return found, source
    return (first[1], first[2]) if first else (None, None)
