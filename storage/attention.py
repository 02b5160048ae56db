"""Attention over time for any search: daily counts and shares of all archived articles.

:func:`daily_attention` counts, per day of the last *days* days, the articles matching an FTS5
expression of ``articles_search`` (the plain search's :func:`storage.search_query.bounded_fts_query`
or the concept search's :func:`storage.concepts.bounded_concept_query`, built by the caller)
and every article archived that day, overall, per language and per source group. A day is
the article's publication day, else the day it was first archived (as the dashboard's
charts count). The share is the matching articles per 100 archived that day in that slice.
Read only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.connection import Reader

__all__ = ["BY", "DayCount", "daily_attention"]

BY = ("all", "language", "source_group")  # the slices: everything, per language, per group


@dataclass(frozen=True)
class DayCount:
    day: str  # YYYY-MM-DD
    by: str  # one of BY
    value: str  # "all", a language, a source group key ("" when none)
    matching: int
    archived: int

    @property
    def share(self) -> float:
        """Matching articles per 100 archived (that day, in that slice)."""
        return round(100.0 * self.matching / self.archived, 2) if self.archived else 0.0


def daily_attention(
    conn: Reader, expression: str, *, days: int = 90, now: datetime | None = None
) -> list[DayCount]:
    """Per day (the last *days* UTC days up to *now*) and slice, the articles matching the FTS5
    *expression* and all archived; days with nothing archived are left out."""
    since = ((now or datetime.now(UTC)).date() - timedelta(days=max(days, 1) - 1)).isoformat()
    rows = conn.execute(
        "with hits as materialized (select rowid as id from articles_search "
        "where articles_search match ?) "
        "select substr(coalesce(published_at, fetched_at), 1, 10) as day, "
        "coalesce(nullif(language, ''), 'unknown'), coalesce(source_group, ''), "
        "sum(id in (select id from hits)), count(*) from articles "
        "where substr(coalesce(published_at, fetched_at), 1, 10) >= ? "
        "group by 1, 2, 3",
        [expression, since],
    ).fetchall()
    totals: dict[tuple[str, str, str], list[int]] = {}
    for day, language, group, hits, archived in rows:  # one pass, three slices
        for key in ((day, "all", "all"), (day, "language", language), (day, "source_group", group)):
            total = totals.setdefault(key, [0, 0])
            total[0] += int(hits or 0)
            total[1] += int(archived)
    return [DayCount(str(k[0]), k[1], str(k[2]), v[0], v[1]) for k, v in sorted(totals.items())]
