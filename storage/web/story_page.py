"""A story's page: who carried it when, a timeline of every copy, its amplification on top.

:func:`story_page` reads one story (a sqlite3 connection, read only) and returns what the
template ``row-culturewatch-stories.html`` shows: the figures of its ``stories`` row
(outlets, copies, languages, spread, first carrier) and every copy in the order the outlets
carried it, each with its outlet, source group, language, time and a link to its article's
page. A copy's time is its publication time where the page gave one, else the time it was
first archived, and the page says which (``basis``). The plugin hook
(:func:`extra_template_vars`) hands it to the template on ``/culturewatch/stories/<id>``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from storage.connection import Reader
from storage.formats import parse_iso
from storage.groups import group_label
from storage.web.front_page import json_list
from storage.web.hooks import hookimpl
from storage.web.names import DATABASE_NAME
from storage.web.pages import theme_labels
from storage.web.readable import readable_score, readable_time

__all__ = ["Copy", "StoryPage", "extra_template_vars", "story_page"]

_NEVER = datetime.min.replace(tzinfo=UTC)  # sorts a copy with no time at all last


@dataclass(frozen=True)
class Copy:
    id: int
    title: str
    url: str
    source: str
    group: str | None
    language: str | None
    when: str  # ISO 8601: published_at, else fetched_at
    basis: str  # "published" or "archived"
    relevance: float
    themes: tuple[str, ...]
    after_hours: float | None  # hours after the first copy

    @property
    def group_label(self) -> str | None:
        return group_label(self.group) if self.group else None

    @property
    def when_text(self) -> str:
        return readable_time(self.when)

    @property
    def relevance_text(self) -> str:
        return readable_score(self.relevance)


@dataclass(frozen=True)
class StoryPage:
    id: int
    title: str
    outlets: int
    copies: tuple[Copy, ...]
    languages: tuple[str, ...]
    sources: tuple[str, ...]
    spread_hours: float | None
    first_source: str
    first_seen: str | None
    labels: Mapping[str, str]

    @property
    def first_seen_text(self) -> str:
        return readable_time(self.first_seen)

    @property
    def undated(self) -> int:
        """Copies placed by their archive time (no publication time)."""
        return sum(c.basis == "archived" for c in self.copies)


def story_page(conn: Reader, story_id: int, labels: Mapping[str, str]) -> StoryPage | None:
    """The page of the story *story_id*, or None when there is none."""
    story = conn.execute(
        "select title, source_count, languages, sources, spread_hours, first_source, "
        "first_seen from stories where id = ?",
        [story_id],
    ).fetchone()
    if story is None:
        return None
    rows = conn.execute(
        "select id, title, url, source, source_group, language, published_at, fetched_at, "
        "relevance, themes from articles where story_id = ?",
        [story_id],
    ).fetchall()
    dated = []
    for row in rows:
        published = parse_iso(row[6])
        when, basis = (row[6], "published") if published else (row[7], "archived")
        dated.append((parse_iso(when), row, when, basis))
    dated.sort(key=lambda d: (d[0] is None, d[0] or _NEVER, d[1][0]))
    start = dated[0][0] if dated else None
    copies = tuple(
        Copy(
            id=row[0],
            title=" ".join(str(row[1] or "").split()) or str(row[2]),
            url=str(row[2]),
            source=str(row[3] or ""),
            group=row[4],
            language=row[5],
            when=str(when or ""),
            basis=basis,
            relevance=float(row[8] or 0),
            themes=json_list(row[9]),
            after_hours=(
                round((moment - start).total_seconds() / 3600, 1)
                if moment is not None and start is not None
                else None
            ),
        )
        for moment, row, when, basis in dated
    )
    return StoryPage(
        id=story_id,
        title=" ".join(str(story[0] or "").split()) or f"story {story_id}",
        outlets=int(story[1] or len({c.source for c in copies})),
        copies=copies,
        languages=json_list(story[2]),
        sources=json_list(story[3]),
        spread_hours=float(story[4]) if story[4] is not None else None,
        first_source=str(story[5] or ""),
        first_seen=story[6],
        labels=labels,
    )


@hookimpl()
def extra_template_vars(
    template: str, database: str | None, table: str | None, view_name: str, request: Any,
    datasette: Any,
) -> Any:  # fmt: skip
    if view_name != "row" or table != "stories" or database != DATABASE_NAME or request is None:
        return None
    pks = str((request.url_vars or {}).get("pks") or "")
    if not pks.isdigit():
        return None

    async def inner() -> dict[str, Any]:
        labels = theme_labels(datasette)
        db = datasette.get_database(DATABASE_NAME)

        def read(conn: sqlite3.Connection) -> StoryPage | None:
            return story_page(conn, int(pks), labels)

        return {"cw_story": await db.execute_fn(read)}

    return inner
