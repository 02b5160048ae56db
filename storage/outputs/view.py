"""The view model of a day's digest: what the Markdown, HTML, JSON and chart renderers show.

:func:`build_digest` reads the archive (through :mod:`storage.selection`) and returns
a :class:`Digest`: the articles ranked by relevance, the same articles grouped into stories
(:mod:`storage.outputs.grouping`: one entry per story, its best copy first, the outlets that
also carried it and the spread), the stories grouped into theme sections and numbered, the
counts per theme (articles and stories) against the average of the previous days, the daily
volume of the chart, and for each article its extract and why it matched
(:func:`storage.evidence.shown_evidence`). Renderers only format these values; they compute nothing of
their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from storage.connection import Reader
from storage.evidence import ShownTerm, shown_evidence, why_text
from storage.failing import Failing
from storage.formats import parse_iso
from storage.groups import SOURCE_GROUPS, group_label
from storage.health import FlagRule, SourceFlag, flags_in
from storage.labels import LabelledPrecision, labelled_precision
from storage.outputs.changes import ChangeNote, changes_of_day
from storage.outputs.grouping import Carrier, Story, group_stories
from storage.outputs.text import extract, local_time, safe_link, utc_iso, without_title
from storage.saved_alerts import is_muted, load_mutes
from storage.selection import (
    UNTHEMED,
    ArticleRecord,
    Copy,
    articles_of_day,
    day_start_utc,
    story_copies,
    theme_volume,
)

__all__ = [
    "AVERAGE_DAYS",
    "CHART_DAYS",
    "Carrier",
    "DayCounts",
    "Digest",
    "Entry",
    "GroupCount",
    "Section",
    "Story",
    "ThemeCount",
    "build_digest",
    "default_label",
    "default_labels",
    "digest_view",
]

CHART_DAYS = 30  # the chart covers the digest day and the 29 days before
LABELLED_DAYS = 30  # the labelled precision covers the digest day and the 29 days before
AVERAGE_DAYS = 7  # today's counts are compared with the average of this many previous days


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
    evidence: dict[str, list[ShownTerm]]  # theme -> [{"term", "matched", "title", "body"}]
    href: str | None  # the URL when it is safe to link (http or https)
    published: str  # the publication time for a reader, or "no date given (first seen ...)"
    theme_labels: tuple[str, ...]  # the labels of themes
    why: tuple[tuple[str, str], ...]  # (theme label, "word, word (title 1, body 2); ...")
    id: int = 0  # articles.id
    story_id: int | None = None  # articles.story_id
    group: str | None = None  # the source's group key (storage/groups.py), if it has one

    @property
    def group_label(self) -> str | None:
        return group_label(self.group) if self.group else None

    @property
    def theme(self) -> str:
        """The main theme (the first), under which the entry is listed."""
        return self.themes[0] if self.themes else UNTHEMED


@dataclass(frozen=True)
class Section:
    """The stories whose main theme (their best copy's) is *theme*, ranked by relevance."""

    theme: str
    label: str
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class ThemeCount:
    """One theme's articles (and stories) on the day against the average of the previous
    days' articles."""

    theme: str
    label: str
    count: int  # articles touching the theme
    stories: int  # stories of which a copy of the day touches the theme
    average: float  # of the AVERAGE_DAYS days before, rounded to 2 places
    change: str  # count - average, e.g. "+0.9", or "±0"


@dataclass(frozen=True)
class GroupCount:
    """The day's articles from the sources of one group (``group`` None: sources without)."""

    group: str | None
    label: str
    count: int


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
    entries: list[Entry]  # every article, ranked by relevance
    stories: list[Story]  # one per story, ranked by their best copies; numbered through sections
    sections: tuple[Section, ...]  # the stories by main theme, in theme order
    theme_counts: tuple[ThemeCount, ...]  # every theme, in display order
    daily: tuple[DayCounts, ...]  # the chart's days, oldest first
    # of the relevant articles of the last LABELLED_DAYS days, those labelled (None: none)
    labelled: LabelledPrecision | None = None
    article_pages: str | None = None  # URL of the articles' pages in Datasette ("{}/ID")
    attention: tuple[SourceFlag, ...] = ()  # sources needing attention (the footer)
    group_counts: tuple[GroupCount, ...] = ()  # the day's articles per source group
    failing: Failing | None = None  # the sources failing now (the header says so)
    health_page: str | None = None  # URL of the source-health query in Datasette
    changes: tuple[ChangeNote, ...] = ()  # changed or removed articles seen that day

    @property
    def name(self) -> str:
        return self.day.isoformat()


# --------------------------------------------------------------------------- building it
def build_digest(
    db: Reader,
    day: date,
    *,
    tz: ZoneInfo,
    max_age_days: int = 3,
    labels: Mapping[str, str],
    article_pages: str | None = None,
    flags: FlagRule | None = None,
    failing: Failing | None = None,
    health_page: str | None = None,
) -> Digest:
    """The digest of *day* from an open archive connection (read only).

    *labels* maps theme keys to labels, in display order (a theme without a label shows
    :func:`default_label`); the sources flagged under *flags*, if given, make its footer.
    *article_pages*: the URL of the articles' pages in Datasette
    (``http://127.0.0.1:8001/culturewatch/articles``), where the HTML links each entry to;
    *failing* (:func:`storage.failing.failing_sources`) makes the header's word on failing
    sources, linked to *health_page* (the source-health query).
    """
    first = day - timedelta(days=CHART_DAYS - 1)
    volume = theme_volume(db, first, day, tz=tz, max_age_days=max_age_days)
    mutes = load_mutes(db)  # a muted source or term is left out of the digest
    records = articles_of_day(db, day, tz=tz, max_age_days=max_age_days)
    records = [r for r in records if not is_muted(mutes, r.source, r.title, r.text)]
    copies = story_copies(db, records, day, tz=tz)
    # fetched_at is ISO 8601 in UTC as the archive writes it: the bounds compare as text
    start = day_start_utc(day - timedelta(days=LABELLED_DAYS - 1), tz).isoformat()
    end = day_start_utc(day + timedelta(days=1), tz).isoformat()
    digest = digest_view(
        day,
        tz=tz,
        max_age_days=max_age_days,
        labels=labels,
        volume=volume,
        records=records,
        copies=copies,
    )
    labelled = labelled_precision(db, start, end)
    digest = replace(digest, labelled=labelled, article_pages=article_pages)
    digest = replace(digest, failing=failing, health_page=health_page)
    digest = replace(digest, changes=changes_of_day(db, day, tz=tz, article_pages=article_pages))
    return replace(digest, attention=tuple(flags_in(db, flags))) if flags else digest


def digest_view(
    day: date,
    *,
    tz: ZoneInfo,
    max_age_days: int,
    labels: Mapping[str, str],
    volume: Mapping[date, Mapping[str, int]],
    records: Iterable[ArticleRecord],
    copies: Iterable[Copy] = (),
) -> Digest:
    """The digest of *day* from the selected records, the other copies of their stories
    (:func:`storage.selection.story_copies`) and the chart's daily theme volume."""
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
    sections, stories = _sections(group_stories(ranked, copies, tz), themes, label)
    entries = ranked
    stamps = [parse_iso(e.fetched_at) for e in entries]
    newest = max((s for s in stamps if s), default=day_start_utc(day, tz))
    return Digest(
        day=day,
        timezone=tz.key,
        max_age_days=max_age_days,
        updated=utc_iso(newest),
        entries=entries,
        stories=stories,
        sections=sections,
        theme_counts=_theme_counts(daily, themes, label, stories),
        daily=daily,
        group_counts=_group_counts(entries),
    )


def _group_counts(entries: Sequence[Entry]) -> tuple[GroupCount, ...]:
    """Articles per source group, in the order of SOURCE_GROUPS, then unknown keys, then none."""
    counts = Counter(e.group for e in entries)
    order: list[str | None] = [g for g in SOURCE_GROUPS if g in counts]
    order += sorted(g for g in counts if g is not None and g not in SOURCE_GROUPS)
    if None in counts:
        order.append(None)
    return tuple(GroupCount(g, group_label(g), counts[g]) for g in order)


def _sections(
    ranked: list[Story], themes: Sequence[str], label: Callable[[str], str]
) -> tuple[tuple[Section, ...], list[Story]]:
    """The sections of the main themes with stories, the stories numbered through them, and
    the numbered stories in their ranked order."""
    numbered: dict[int, Story] = {}
    sections = []
    for theme in themes:
        group = []
        for index, story in enumerate(ranked):
            if story.theme == theme:
                numbered[index] = replace(story, number=len(numbered) + 1)
                group.append(numbered[index])
        if group:
            sections.append(Section(theme, label(theme), tuple(group)))
    return tuple(sections), [numbered.get(i, e) for i, e in enumerate(ranked)]


def _theme_counts(
    daily: Sequence[DayCounts],
    themes: Sequence[str],
    label: Callable[[str], str],
    stories: Sequence[Story],
) -> tuple[ThemeCount, ...]:
    today = daily[-1].counts if daily else {}
    previous = [d.counts for d in daily[-1 - AVERAGE_DAYS : -1]]
    out = []
    for theme in themes:
        average = round(sum(c.get(theme, 0) for c in previous) / AVERAGE_DAYS, 2)
        count = today.get(theme, 0)
        told = sum(1 for story in stories if theme in story.themes)
        out.append(ThemeCount(theme, label(theme), count, told, average, _change(count, average)))
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
    evidence = shown_evidence(record.evidence, record.themes)
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
        why=tuple((label(theme), why_text(terms)) for theme, terms in evidence.items()),
        id=record.id,
        story_id=record.story_id,
        group=record.group or None,
    )
