"""The digest by story: the day's entries grouped by ``articles.story_id``, each story with its
best copy, the outlets that carried it and how far it spread.

A story's *copies* are its articles first archived up to the end of the digest day: the
day's entries (relevant, recent enough) and the other articles of the story
(:func:`storage.selection.story_copies`, relevant or not). Its *carriers* are the
outlets (sources) in the order they first carried it, each with its first copy; the *spread*
is how many outlets over how many hours (first copy to the latest outlet's first copy).
An article without a story (an archive from before stories) is a story of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from storage.formats import parse_iso
from storage.outputs.text import local_time, safe_link
from storage.selection import Copy

if TYPE_CHECKING:
    from storage.outputs.view import Entry

__all__ = ["Carrier", "Story", "group_stories"]


@dataclass(frozen=True)
class Carrier:
    """One outlet of a story and its first copy."""

    source: str
    url: str
    href: str | None  # the URL when it is safe to link (http or https)
    seen: str  # when the copy was first archived (fetched_at, as stored)
    shown: str  # the same for a reader, in the digest's time zone


@dataclass(frozen=True)
class Story:
    """One entry of the digest: a story, its best copy first."""

    id: int | None  # stories.id; None for an article archived without a story
    title: str  # the title of its first copy
    best: Entry  # the day's copy shown: highest relevance, then earliest
    entries: tuple[Entry, ...]  # the day's copies in this digest, best first
    carriers: tuple[Carrier, ...]  # every outlet, in the order it first carried the story
    urls: tuple[str, ...]  # every copy up to the end of the day, in the order first seen
    spread_hours: float  # first copy to the latest outlet's first copy, 1 decimal
    number: int = 0  # position in the digest, counted through its sections

    @property
    def theme(self) -> str:
        return self.best.theme

    @property
    def themes(self) -> tuple[str, ...]:
        """Every theme a copy of the day touches, the best copy's first."""
        return tuple(dict.fromkeys(t for e in self.entries for t in e.themes))

    @property
    def first(self) -> Carrier:
        return self.carriers[0]

    @property
    def outlets(self) -> int:
        return len(self.carriers)

    @property
    def also(self) -> tuple[Carrier, ...]:
        """The other outlets, in the order they first carried it."""
        return tuple(c for c in self.carriers if c.source != self.best.source)

    @property
    def spread(self) -> str:
        """E.g. "3 outlets over 5.5 hours, first carried by xinhua (2026-03-04 06:00 UTC)"."""
        if self.outlets < 2:
            return ""
        return (
            f"{self.outlets} outlets over {self.spread_hours:.1f} hours, "
            f"first carried by {self.first.source or 'unknown'} ({self.first.shown})"
        )


def group_stories(entries: Iterable[Entry], copies: Iterable[Copy], tz: ZoneInfo) -> list[Story]:
    """One :class:`Story` per story among *entries* (ranked), in the order of their best copies
    (relevance, then title and URL)."""
    groups: dict[tuple[int, int], list[Entry]] = {}
    for entry in entries:
        key = (0, entry.story_id) if entry.story_id is not None else (1, entry.id)
        groups.setdefault(key, []).append(entry)
    others: dict[int, list[Copy]] = {}
    for copy in copies:
        others.setdefault(copy.story_id, []).append(copy)
    stories = []
    for (kind, number), group in groups.items():
        group.sort(key=lambda e: (-e.relevance, _moment(e.fetched_at), e.id))
        story_id = number if kind == 0 else None  # kind 1: an article without a story
        extra = others.get(number, []) if story_id is not None else []
        stories.append(_story(story_id, group, extra, tz))
    stories.sort(key=lambda s: (-s.best.relevance, s.best.title.casefold(), s.best.url))
    return stories


def _story(
    story_id: int | None, group: Sequence[Entry], extra: Sequence[Copy], tz: ZoneInfo
) -> Story:
    # every copy as (first seen, id, source, url, title), oldest first
    rows = [(_moment(e.fetched_at), e.id, e.source, e.url, e.title, e.fetched_at) for e in group]
    rows += [
        (_moment(c.fetched_at), c.id, c.source or "", c.url, c.title or "", c.fetched_at)
        for c in extra
    ]
    rows.sort(key=lambda r: (r[0], r[1]))
    carriers: dict[str, Carrier] = {}
    for _when, _id, source, url, _title, seen in rows:
        if source not in carriers:
            carriers[source] = Carrier(
                source, url, safe_link(url), seen, local_time(seen, tz, seen)
            )
    first_seen = rows[0][0]
    latest = max(_moment(c.seen) for c in carriers.values())
    title = " ".join(str(rows[0][4] or "").split()) or group[0].title
    return Story(
        id=story_id,
        title=title,
        best=group[0],
        entries=tuple(group),
        carriers=tuple(carriers.values()),
        urls=tuple(r[3] for r in rows),
        spread_hours=round((latest - first_seen).total_seconds() / 3600, 1),
    )


_NEVER = datetime.max.replace(tzinfo=ZoneInfo("UTC"))


def _moment(value: str) -> datetime:
    return parse_iso(value) or _NEVER
