"""The front page's data: today and this week at a glance, per theme, from the archive.

"Today" is the UTC day so far and "this week" the last seven UTC days, both by when an
article was first archived (``fetched_at``, as the ``todays_relevant`` query counts). Per
theme: how many relevant articles, and the strongest ones of the week (by their score on
that theme), one per story; a muted source or term (:mod:`storage.saved_alerts`) is not
listed (the counts keep it). Read only; :func:`front_page` takes a sqlite3 connection (the
plugin runs it in Datasette's thread with ``execute_fn``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.connection import Reader
from storage.daily_counts import TABLE as DAILY_COUNTS
from storage.groups import group_label
from storage.saved_alerts import load_mutes, mute_clause

__all__ = ["Article", "FrontPage", "ThemeBlock", "front_page", "json_list"]

TOP_PER_THEME = 5
TOP_STORIES = 6

_ARTICLE = (
    "a.id, a.title, a.url, a.source, a.source_group, a.published_at, a.fetched_at, "
    "a.language, a.relevance, a.themes"
)


@dataclass(frozen=True)
class Article:
    id: int
    title: str
    url: str
    source: str
    group: str | None
    published_at: str | None
    fetched_at: str
    language: str | None
    relevance: float
    themes: tuple[str, ...]
    outlets: int = 1  # outlets that carried its story

    @property
    def group_label(self) -> str | None:
        return group_label(self.group) if self.group else None

    @property
    def day(self) -> str:
        return (self.published_at or self.fetched_at or "")[:10]


@dataclass(frozen=True)
class ThemeBlock:
    key: str
    label: str
    today: int
    week: int
    top: tuple[Article, ...]


@dataclass(frozen=True)
class FrontPage:
    today: str  # YYYY-MM-DD (UTC)
    week_start: str
    archived_today: int
    archived_week: int
    relevant_today: int
    relevant_week: int
    total: int
    themes: tuple[ThemeBlock, ...]
    stories: tuple[Article, ...] = field(default=())  # the most carried stories of the week
    groups: tuple[tuple[str, int], ...] = field(default=())  # (group label, relevant this week)


def json_list(value: Any) -> tuple[str, ...]:
    """A JSON array of strings as a tuple; () for anything else."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return ()
    return tuple(v for v in parsed if isinstance(v, str)) if isinstance(parsed, list) else ()


def _article(row: sqlite3.Row, outlets: int = 1) -> Article:
    return Article(
        id=row["id"],
        title=" ".join(str(row["title"] or "").split()) or row["url"],
        url=row["url"],
        source=row["source"] or "",
        group=row["source_group"],
        published_at=row["published_at"],
        fetched_at=row["fetched_at"],
        language=row["language"],
        relevance=float(row["relevance"] or 0),
        themes=json_list(row["themes"]),
        outlets=outlets,
    )


def front_page(
    conn: sqlite3.Connection, labels: Mapping[str, str], *, now: datetime | None = None
) -> FrontPage:
    """The front page of the archive at *now* (default: the present); *labels* maps the
    theme keys to labels, in display order."""
    now = now or datetime.now(UTC)
    today = now.date().isoformat()
    week = (now.date() - timedelta(days=6)).isoformat()
    previous = conn.row_factory  # Datasette's connections have sqlite3.Row already
    conn.row_factory = sqlite3.Row
    try:
        return _front_page(conn, labels, today, week)
    finally:
        conn.row_factory = previous


def _front_page(conn: Reader, labels: Mapping[str, str], today: str, week: str) -> FrontPage:
    # The counts from the daily counts (m019, storage/daily_counts.py: the articles
    # counted per day of first archiving); the top articles from the week's rows only,
    # by the index on (fetched_at, relevant, ...) (m018): a scan of the table would read
    # every article's text on the way. ``+relevant`` keeps SQLite on that index rather
    # than the one on relevant (every relevant article ever).
    days = f"from {DAILY_COUNTS} where basis = 'fetched' and day >= :week"
    total = conn.execute(
        f"select coalesce(sum(articles), 0) from {DAILY_COUNTS} "
        "where basis = 'fetched' and theme = ''"
    ).fetchone()[0]
    muted, hidden = mute_clause(load_mutes(conn))  # muted sources and terms are not listed
    counts = conn.execute(
        "select coalesce(sum(articles), 0) as archived_week, "
        "coalesce(sum(case when day >= :today then articles end), 0) as archived_today, "
        "coalesce(sum(relevant), 0) as relevant_week, "
        "coalesce(sum(case when day >= :today then relevant end), 0) as relevant_today "
        f"{days} and theme = ''",
        {"today": today, "week": week},
    ).fetchone()
    per_theme = {
        row["theme"]: (row["today"], row["week"])
        for row in conn.execute(
            "select theme, coalesce(sum(case when day >= :today then relevant end), 0) "
            f"as today, sum(relevant) as week {days} and theme <> '' "
            "group by theme having sum(relevant) > 0",
            {"today": today, "week": week},
        )
    }
    top: dict[str, list[Article]] = {}
    seen: dict[str, set[Any]] = {}
    for row in conn.execute(
        f"select t.theme, {_ARTICLE}, a.story_id, coalesce(s.source_count, 1) as outlets "
        "from articles a cross join article_themes t on t.article_id = a.id "
        "left join stories s on s.id = a.story_id "
        "where +a.relevant = 1 and a.fetched_at >= ? "
        "and exists (select 1 from json_each(a.themes) j where j.value = t.theme)" + muted + " "
        "order by t.theme, t.score desc, a.relevance desc, a.id desc",
        [week, *hidden],
    ):
        story = row["story_id"] if row["story_id"] is not None else -row["id"]
        picked = top.setdefault(row["theme"], [])
        if len(picked) < TOP_PER_THEME and story not in seen.setdefault(row["theme"], set()):
            seen[row["theme"]].add(story)
            picked.append(_article(row, row["outlets"]))
    keys = list(labels) + sorted(set(per_theme) - set(labels))
    themes = tuple(
        ThemeBlock(
            key,
            labels.get(key, key),
            *(per_theme.get(key, (0, 0))),
            tuple(top.get(key, ())),
        )
        for key in keys
    )
    stories = tuple(
        _article(row, row["source_count"])
        for row in conn.execute(
            f"select {_ARTICLE}, s.source_count from stories s join articles a on a.id = s.id "
            "where +s.source_count >= 2 and s.first_seen >= ?" + muted + " "
            "order by s.source_count desc, s.article_count desc, s.first_seen desc "
            f"limit {TOP_STORIES}",
            [week, *hidden],
        )
    )
    groups = tuple(
        (group_label(row[0]), row[1])
        for row in conn.execute(
            f"select nullif(source_group, ''), sum(relevant) {days} and theme = '' "
            "group by source_group having sum(relevant) > 0 "
            "order by sum(relevant) desc, source_group",
            {"week": week},
        )
    )
    return FrontPage(
        today=today,
        week_start=week,
        archived_today=counts["archived_today"],
        archived_week=counts["archived_week"],
        relevant_today=counts["relevant_today"],
        relevant_week=counts["relevant_week"],
        total=total,
        themes=themes,
        stories=stories,
        groups=groups,
    )
