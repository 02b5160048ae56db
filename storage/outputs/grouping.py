"""The digest by story: the day's entries grouped by ``articles.story_id``, each story with its
best copy, the outlets that carried it and how far it spread.

A story's *copies* are its articles first archived up to the end of the digest day: the
day's entries (relevant, recent enough) and the other articles of the story
(:func:`storage.selection.story_copies`, relevant or not). Its *carriers* are the
outlets (sources) in the order they first carried it, each with its first copy; the *spread*
is how many outlets over how many hours (first copy to the last). The order and the hours are
:func:`storage.carriers.carrying_order`'s, as the ``stories`` table's: a copy counts at its
publication time where known, else at its archive time, and the digest says which.
An article without a story (an archive from before stories) is a story of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from storage.carriers import CarriedCopy, carrying_order
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
    seen: str  # when it carried the story: published_at where known, else fetched_at
    shown: str  # the same for a reader, in the digest's time zone
    basis: str = "archived"  # which time *seen* is: "published" or "archived"


@dataclass(frozen=True)
class Story:
    """One entry of the digest: a story, its best copy first."""

    id: int | None  # stories.id; None for an article archived without a story
    title: str  # the title of its first copy
    best: Entry  # the day's copy shown: highest relevance, then earliest
    entries: tuple[Entry, ...]  # the day's copies in this digest, best first
    carriers: tuple[Carrier, ...]  # every outlet, in the order it first carried the story
    urls: tuple[str, ...]  # every copy up to the end of the day, in the order first seen
    spread_hours: float  # first copy to the last (storage.carriers), 1 decimal
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
        """E.g. "3 outlets over 5.5 hours, first carried by xinhua (published 2026-03-04
        06:00 UTC)"; "archived" instead when its publication time is unknown."""
        if self.outlets < 2:
            return ""
        return (
            f"{self.outlets} outlets over {self.spread_hours:.1f} hours, "
            f"first carried by {self.first.source or 'unknown'} "
            f"({self.first.basis} {self.first.shown})"
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
    copies = [
        CarriedCopy(e.id, e.source, e.url, e.title, e.published_at, e.fetched_at) for e in group
    ]
    copies += [
        CarriedCopy(c.id, c.source or "", c.url, c.title or "", c.published_at, c.fetched_at)
        for c in extra
    ]
    carriers = carrying_order(copies)
    outlets = tuple(
        Carrier(c.source, c.url, safe_link(c.url), c.when, local_time(c.when, tz, c.when), c.basis)
        for c in carriers.outlets
    )
    title = " ".join(str(carriers.first.title or "").split()) or group[0].title
    return Story(
        id=story_id,
        title=title,
        best=group[0],
        entries=tuple(group),
        carriers=outlets,
        urls=tuple(c.url for c in carriers.copies),
        spread_hours=carriers.spread_hours,
    )


_NEVER = datetime.max.replace(tzinfo=ZoneInfo("UTC"))


def _moment(value: str) -> datetime:
    return parse_iso(value) or _NEVER
