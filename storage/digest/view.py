"""The view model of a day's digest: what the Markdown, HTML, JSON and chart renderers show.

:func:`build_digest` reads the archive (through :mod:`storage.digest.selection`) and returns
a :class:`Digest`: the entries ranked by relevance, the same entries grouped into theme
sections and numbered, the counts per theme against the average of the previous days, the
daily volume of the chart, and for each entry its extract and why it matched. Renderers only
format these values; they compute nothing of their own.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage.digest.dates import day_start_utc, instant, local_time, utc_iso
from storage.digest.selection import UNTHEMED, ArticleRecord, articles_of_day, theme_volume
from storage.digest.text import extract, safe_link, without_title
from storage.evidence import ShownTerm

__all__ = [
    "AVERAGE_DAYS",
    "CHART_DAYS",
    "DayCounts",
    "Digest",
    "Entry",
    "Section",
    "ThemeCount",
    "build_digest",
    "default_label",
    "default_labels",
    "digest_view",
]

CHART_DAYS = 30  # the chart covers the digest day and the 29 days before
AVERAGE_DAYS = 7  # today's counts are compared with the average of this many previous days
EVIDENCE_TERMS = 6  # matched terms shown per theme


def default_label(key: str) -> str:
    """The label of a theme that has none configured: its key, readable."""
    return "No theme recorded" if key == UNTHEMED else key.replace("_", " ").capitalize()


def default_labels(keys: Iterable[str]) -> dict[str, str]:
    """Theme key -> :func:`default_label`, in the order of *keys*."""
    return {key: default_label(key) for key in keys}


# --------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Entry:
    """One article of a digest, with what is shown of it."""

    url: str
    title: str  # on one line; the URL when the article has no title
    source: str
    published_at: str | None
    fetched_at: str
    language: str | None
    relevance: float
    themes: tuple[str, ...]
    extract: str  # the first two or three sentences
    evidence: dict[str, list[ShownTerm]]  # theme -> [{"term", "title", "body"}]
    href: str | None  # the URL when it is safe to link (http or https)
    published: str  # the publication time for a reader, or "no date given (first seen ...)"
    theme_labels: tuple[str, ...]  # the labels of themes
    why: tuple[tuple[str, str], ...]  # (theme label, "term (title 1, body 2); ...")
    number: int = 0  # position in the digest, counted through its sections

    @property
    def theme(self) -> str:
        """The main theme (the first), under which the entry is listed."""
        return self.themes[0] if self.themes else UNTHEMED


@dataclass(frozen=True)
class Section:
    """The entries whose main theme is *theme*, ranked by relevance."""

    theme: str
    label: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class ThemeCount:
    """One theme's articles on the day against the average of the previous days."""

    theme: str
    label: str
    count: int
    average: float  # of the AVERAGE_DAYS days before, rounded to 2 places
    change: str  # count - average, e.g. "+0.9", or "±0"


@dataclass(frozen=True)
class DayCounts:
    """One day of the chart: theme -> articles touching it, every theme of the digest."""

    day: date
    counts: dict[str, int]


@dataclass(frozen=True)
class Digest:
    """A day's digest, ready to render."""

    day: date
    timezone: str
    max_age_days: int
    updated: str  # newest fetched_at among the entries (ISO, UTC), else the day's start
    entries: list[Entry]  # ranked by relevance
    sections: tuple[Section, ...]  # by main theme, in theme order; entries numbered through
    theme_counts: tuple[ThemeCount, ...]  # every theme, in display order
    daily: tuple[DayCounts, ...]  # the chart's days, oldest first

    @property
    def name(self) -> str:
        return self.day.isoformat()


# --------------------------------------------------------------------------- building it
def build_digest(
    db: sqlite3.Connection,
    day: date,
    *,
    tz: ZoneInfo,
    max_age_days: int = 3,
    labels: Mapping[str, str],
) -> Digest:
    """The digest of *day* from an open archive connection (read only).

    *labels* maps theme keys to labels, in display order (a theme without a label shows
    :func:`default_label`).
    """
    first = day - timedelta(days=CHART_DAYS - 1)
    volume = theme_volume(db, first, day, tz=tz, max_age_days=max_age_days)
    records = articles_of_day(db, day, tz=tz, max_age_days=max_age_days)
    return digest_view(
        day, tz=tz, max_age_days=max_age_days, labels=labels, volume=volume, records=records
    )


def digest_view(
    day: date,
    *,
    tz: ZoneInfo,
    max_age_days: int,
    labels: Mapping[str, str],
    volume: Mapping[date, Mapping[str, int]],
    records: Iterable[ArticleRecord],
) -> Digest:
    """The digest of *day* from the selected records and the chart's daily theme volume."""
    labels = dict(labels)

    def label(theme: str) -> str:
        return labels.get(theme) or default_label(theme)

    ranked = sorted(
        (_entry(record, tz, label) for record in records),
        key=lambda e: (-e.relevance, e.title.casefold(), e.url),
    )
    seen = {t for counts in volume.values() for t in counts} | {e.theme for e in ranked}
    themes = [t for t in labels if t != UNTHEMED]
    themes += sorted(seen - set(themes) - {UNTHEMED})
    if UNTHEMED in seen:
        themes.append(UNTHEMED)
    daily = tuple(DayCounts(d, {t: volume[d].get(t, 0) for t in themes}) for d in sorted(volume))
    sections, entries = _sections(ranked, themes, label)
    stamps = [instant(e.fetched_at) for e in entries]
    newest = max((s for s in stamps if s), default=day_start_utc(day, tz))
    return Digest(
        day=day,
        timezone=tz.key,
        max_age_days=max_age_days,
        updated=utc_iso(newest),
        entries=entries,
        sections=sections,
        theme_counts=_theme_counts(daily, themes, label),
        daily=daily,
    )


def _sections(
    ranked: list[Entry], themes: Sequence[str], label: Callable[[str], str]
) -> tuple[tuple[Section, ...], list[Entry]]:
    """The sections of the main themes with entries, the entries numbered through them, and
    the numbered entries in their ranked order."""
    numbered: dict[int, Entry] = {}
    sections = []
    for theme in themes:
        group = []
        for index, entry in enumerate(ranked):
            if entry.theme == theme:
                numbered[index] = replace(entry, number=len(numbered) + 1)
                group.append(numbered[index])
        if group:
            sections.append(Section(theme, label(theme), tuple(group)))
    return tuple(sections), [numbered.get(i, e) for i, e in enumerate(ranked)]


def _theme_counts(
    daily: Sequence[DayCounts], themes: Sequence[str], label: Callable[[str], str]
) -> tuple[ThemeCount, ...]:
    today = daily[-1].counts if daily else {}
    previous = [d.counts for d in daily[-1 - AVERAGE_DAYS : -1]]
    out = []
    for theme in themes:
        average = round(sum(c.get(theme, 0) for c in previous) / AVERAGE_DAYS, 2)
        count = today.get(theme, 0)
        out.append(ThemeCount(theme, label(theme), count, average, _change(count, average)))
    return tuple(out)


def _change(today: int, average: float) -> str:
    diff = today - average
    return "±0" if abs(diff) < 0.005 else f"{diff:+.1f}"


def _entry(record: ArticleRecord, tz: ZoneInfo, label: Callable[[str], str]) -> Entry:
    title = " ".join(str(record.title or "").split()) or record.url
    try:
        relevance = round(float(record.relevance or 0), 4)
    except (TypeError, ValueError):
        relevance = 0.0
    evidence = _evidence(record.evidence, record.themes)
    published_at = record.published_at or None
    seen = local_time(record.fetched_at, tz, record.fetched_at)
    return Entry(
        url=record.url,
        title=title,
        source=record.source or "",
        published_at=published_at,
        fetched_at=record.fetched_at,
        language=record.language or None,
        relevance=relevance,
        themes=record.themes,
        extract=extract(without_title(record.text or "", record.title or "")),
        evidence=evidence,
        href=safe_link(record.url),
        published=(
            local_time(published_at, tz, published_at)
            if published_at
            else f"no date given (first seen {seen})"
        ),
        theme_labels=tuple(label(t) for t in record.themes),
        why=tuple((label(theme), _why(terms)) for theme, terms in evidence.items()),
    )


# --------------------------------------------------------------------------- why it matched
def _evidence(value: Any, themes: Sequence[str]) -> dict[str, list[ShownTerm]]:
    """Matched terms per theme from the scorer's ``evidence`` JSON; {} when absent or unknown.

    The scorer writes :data:`storage.evidence.Evidence`, ``{theme: [TermEvidence]}``;
    a term whose ``points`` are 0 (a context word in an article not about China) did not count
    and is left out. The listed themes come first.
    """
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    order = [t for t in themes if t in parsed] + sorted(t for t in parsed if t not in themes)
    out: dict[str, list[ShownTerm]] = {}
    for theme in order:
        items = parsed[theme]
        if not isinstance(items, list):
            continue
        terms: list[ShownTerm] = []
        for item in items:
            if isinstance(item, str):
                terms.append({"term": item, "title": None, "body": None})
                continue
            if not isinstance(item, dict) or not item.get("term"):
                continue
            points = item.get("points")
            if isinstance(points, (int, float)) and points <= 0:
                continue
            terms.append(
                {
                    "term": str(item["term"]),
                    "title": _int_or_none(item.get("title")),
                    "body": _int_or_none(item.get("body")),
                }
            )
        if terms:
            out[str(theme)] = terms[:EVIDENCE_TERMS]
    return out


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _why(terms: Iterable[ShownTerm]) -> str:
    """The matched terms of one theme as "term (title 1, body 2); ..."."""
    return "; ".join(f"{t['term']} ({_where(t)})" if _where(t) else str(t["term"]) for t in terms)


def _where(term: ShownTerm) -> str:
    parts = []
    if term.get("title"):
        parts.append(f"title {term['title']}")
    if term.get("body"):
        parts.append(f"body {term['body']}")
    return ", ".join(parts)
