"""A story's first carrier and its spread: one rule for every place that names them.

The ``stories`` table (:func:`storage.stories.refresh_story`, read by the ``stories``
command, the story page and the ``amplified_stories`` query), the digest and the alerts
(e-mail, webhook, feed; :mod:`storage.outputs.grouping`) all order a story's copies with
:func:`carrying_order`:

- a copy was carried at its **publication time** where it is known (``published_at``
  parses and is not after the copy was archived), else at its **archive time**
  (``fetched_at``); which one is stated (:attr:`CarriedCopy.basis`);
- the **first carrier** is the outlet of the earliest copy (ties: the lower article id);
  each outlet counts once, at its own first copy;
- the **spread** is the hours from the first copy to the last, one decimal.

Pure: no archive access; the callers hand in the copies they read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.formats import parse_iso

__all__ = ["CarriedCopy", "Carriers", "carried_at", "carrying_order"]

PUBLISHED = "published"
ARCHIVED = "archived"

_NEVER = datetime.max.replace(tzinfo=UTC)


def carried_at(published_at: str | None, fetched_at: str | None) -> tuple[str, str]:
    """(when, basis): *published_at* and "published" when it is known and not after
    *fetched_at*, else *fetched_at* and "archived"."""
    published, fetched = parse_iso(published_at), parse_iso(fetched_at)
    if published_at and published is not None and (fetched is None or published <= fetched):
        return published_at.strip(), PUBLISHED
    return fetched_at or "", ARCHIVED


@dataclass(frozen=True)
class CarriedCopy:
    """One copy of a story, as the carrying order needs it."""

    id: int
    source: str
    url: str
    title: str
    published_at: str | None
    fetched_at: str
    language: str | None = None

    @property
    def when(self) -> str:
        """When it was carried: its publication time where known, else its archive time."""
        return carried_at(self.published_at, self.fetched_at)[0]

    @property
    def basis(self) -> str:
        """ "published" or "archived": which time :attr:`when` is."""
        return carried_at(self.published_at, self.fetched_at)[1]

    @property
    def moment(self) -> datetime:
        return parse_iso(self.when) or _NEVER


@dataclass(frozen=True)
class Carriers:
    """A story's copies in the order they were carried."""

    copies: tuple[CarriedCopy, ...]  # every copy, first carried first

    @property
    def first(self) -> CarriedCopy:
        return self.copies[0]

    @property
    def last(self) -> CarriedCopy:
        return self.copies[-1]

    @property
    def outlets(self) -> tuple[CarriedCopy, ...]:
        """Each outlet's first copy, in the order the outlets carried the story."""
        seen: dict[str, CarriedCopy] = {}
        for copy in self.copies:
            seen.setdefault(copy.source, copy)
        return tuple(seen.values())

    @property
    def spread_hours(self) -> float:
        """Hours from the first copy to the last, one decimal (0.0 for one copy)."""
        start, end = self.first.moment, self.last.moment
        if _NEVER in (start, end):
            return 0.0
        return round((end - start).total_seconds() / 3600, 1)


def carrying_order(copies: Iterable[CarriedCopy]) -> Carriers:
    """*copies* (at least one) in the order they were carried: time, then article id."""
    ordered = tuple(sorted(copies, key=lambda c: (c.moment, c.id)))
    if not ordered:
        raise ValueError("a story has at least one copy")
    return Carriers(ordered)
