"""Which articles a digest or an alert holds: the queries on the archive, the day window in a
time zone, ``max_age_days``; plain records out (:class:`ArticleRecord`, :class:`Copy`).

An article belongs to the digest of the day (in the time zone) it was first archived
(``fetched_at``) when it is relevant and was published at most ``max_age_days`` days before
that day (an article without a date counts as published when first seen). The alerts
(:mod:`storage.alert_state`) select their own articles into the same records, and take the
other copies of their stories from :func:`story_copies`. Read only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage.connection import Reader
from storage.formats import parse_iso

__all__ = [
    "UNTHEMED",
    "ArticleRecord",
    "Copy",
    "articles_of_day",
    "day_start_utc",
    "published_day",
    "story_copies",
    "theme_volume",
]

UNTHEMED = "unthemed"  # the theme of an article whose themes were not recorded

_ARTICLE_COLUMNS = (
    "a.id, a.url, a.title, a.text, a.source, a.published_at, a.fetched_at, a.language, "
    "a.relevance, a.themes, a.evidence, a.story_id, a.source_group"
)
_COPY_COLUMNS = "id, story_id, url, title, source, fetched_at, language, published_at"
_IN_CHUNK = 500  # story ids per query (SQLite's limit on parameters is far higher)
_VOLUME_COLUMNS = "a.id, a.fetched_at, a.published_at, a.themes"


@dataclass(frozen=True)
class ArticleRecord:
    """One selected article, its columns as the archive holds them, its themes resolved."""

    url: str
    title: str | None
    text: str | None
    source: str | None
    published_at: str | None
    fetched_at: str
    language: str | None
    relevance: Any  # as stored (a number, normally)
    themes: tuple[str, ...]  # never empty: the recorded themes, else the top theme, else UNTHEMED
    evidence: Any  # the scorer's evidence JSON as stored, or None
    id: int = 0  # articles.id
    story_id: int | None = None  # articles.story_id (None in an archive without stories)
    group: str | None = None  # articles.source_group: the source's group (storage/groups.py)


@dataclass(frozen=True)
class Copy:
    """An article of a story, relevant or not, as "also carried by" shows it."""

    id: int
    story_id: int
    url: str
    title: str | None
    source: str | None
    fetched_at: str
    language: str | None
    published_at: str | None = None


def theme_volume(
    db: Reader, first: date, last: date, *, tz: ZoneInfo, max_age_days: int
) -> dict[date, dict[str, int]]:
    """For every day in [first, last]: theme -> how many of the day's articles touch it."""
    days = (last - first).days + 1
    volume: dict[date, dict[str, int]] = {first + timedelta(days=n): {} for n in range(days)}
    for day, row in _select(db, first, last, tz, max_age_days, _VOLUME_COLUMNS):
        counts = volume[day]
        for theme in row["themes"]:
            counts[theme] = counts.get(theme, 0) + 1
    return volume


def articles_of_day(
    db: Reader, day: date, *, tz: ZoneInfo, max_age_days: int
) -> list[ArticleRecord]:
    """The articles of *day*'s digest, in no particular order."""
    return [
        ArticleRecord(
            url=row["url"],
            title=row["title"],
            text=row["text"],
            source=row["source"],
            published_at=row["published_at"],
            fetched_at=row["fetched_at"],
            language=row["language"],
            relevance=row["relevance"],
            themes=row["themes"],
            evidence=row["evidence"],
            id=row["id"],
            story_id=row["story_id"],
            group=row["source_group"],
        )
        for _day, row in _select(db, day, day, tz, max_age_days, _ARTICLE_COLUMNS)
    ]


def story_copies(
    db: Reader, records: Iterable[ArticleRecord], day: date, *, tz: ZoneInfo
) -> list[Copy]:
    """The other articles of the stories of *records* first archived before the end of *day*
    (in *tz*), relevant or not: the outlets that also carried them, as the archive stood at
    the end of that day (a later copy never changes an old day's digest)."""
    records = list(records)
    known = {r.id for r in records}
    story_ids = sorted({r.story_id for r in records if r.story_id is not None})
    end = day_start_utc(day + timedelta(days=1), tz)
    upper = (end + timedelta(days=1)).date().isoformat()
    out = []
    for start in range(0, len(story_ids), _IN_CHUNK):
        chunk = story_ids[start : start + _IN_CHUNK]
        marks = ", ".join("?" * len(chunk))
        cursor = db.execute(
            f"select {_COPY_COLUMNS} from articles where story_id in ({marks}) "
            "and fetched_at < ? order by story_id, fetched_at, id",
            [*chunk, upper],
        )
        for row in cursor:
            copy = Copy(*row)
            fetched = parse_iso(copy.fetched_at)
            if copy.id not in known and fetched is not None and fetched < end:
                out.append(copy)
    return out


def day_start_utc(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of *day* in *tz*, in UTC."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def published_day(value: Any, tz: ZoneInfo) -> date | None:
    """The day (in *tz*) an article was published; a bare date is taken as written."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    parsed = parse_iso(value)
    return parsed.astimezone(tz).date() if parsed else None


def _select(
    db: Reader, first: date, last: date, tz: ZoneInfo, max_age_days: int, columns: str
) -> Iterator[tuple[date, dict[str, Any]]]:
    """Relevant articles first archived on a day in [first, last] (in *tz*) that belong to that
    day's digest, each with its day."""
    start, end = day_start_utc(first, tz), day_start_utc(last + timedelta(days=1), tz)
    # fetched_at is ISO 8601 (in UTC when the archive wrote it); the string bounds (the UTC day
    # before the start and the UTC day after the end, so another offset cannot slip through)
    # narrow the scan via the index, the exact test is done on the parsed value.
    lower = (start - timedelta(days=1)).date().isoformat()
    upper = (end + timedelta(days=1)).date().isoformat()
    cursor = db.execute(
        f"select {columns}, (select theme from article_themes t where t.article_id = a.id "
        "order by t.score desc, t.theme limit 1) as top_theme "
        "from articles a where a.relevant = 1 and a.fetched_at >= ? and a.fetched_at < ?",
        [lower, upper],
    )
    names = [d[0] for d in cursor.description]
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        fetched = parse_iso(row["fetched_at"])
        if fetched is None or not start <= fetched < end:
            continue
        day = fetched.astimezone(tz).date()
        published = published_day(row["published_at"], tz)
        if published is not None and published < day - timedelta(days=max_age_days):
            continue
        themes = _json_list(row["themes"]) or ([row["top_theme"]] if row["top_theme"] else [])
        row["themes"] = tuple(dict.fromkeys(themes)) or (UNTHEMED,)
        yield day, row


def _json_list(value: Any) -> list[str]:
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    if not isinstance(parsed, list):
        return []
    return [str(v) for v in parsed if isinstance(v, str) and v]
