"""The articles table's facets read from the daily counts: the same numbers at any size
(and the stories table's days from an index).

A facet of the whole articles table counts every article (at a million, each facet reads a
million index entries: 100-300 ms on a small machine, six of them per page), and a facet of
``?language=zh`` a fifth of them. :mod:`storage.daily_counts` already holds, per publication
day x source x source group x language (x theme), how many articles and how many relevant,
kept exact by triggers. So the facet type ``counted`` (metadata: ``facets: [counted:
source, ...]``) answers from it, a sum over a few thousand rows, whenever the table is
filtered only on what it counts: ``source``, ``source_group``, ``language`` (``=`` or
``__exact``), ``relevant`` and ``themes__arraycontains`` (then the facets of the other
columns), each given once, with any of :data:`HARMLESS` (sorting, page size, the facets
asked for). A search (``_search``) has all its facets counted in one pass over its matches
(:mod:`storage.web.search_facets`; past ``search_facet_rows`` matches, on request).
Anything else (``_where``, another column, ``_next``, one row per story) is counted as
before, by Datasette's facet of the column's kind: ``column``, ``date``
(``date(published_at)``) or ``grouped_array`` (:mod:`storage.web.facets`); so is ``themes``
filtered on a theme. The results are those facets' own (name, type, values, toggle links):
the page cannot tell them apart, and ``tests/test_counted_facets.py`` checks they are equal.

On the stories table, ``counted: first_seen`` with no filter counts the stories of each day
by a range of the index on ``first_seen`` per day (:data:`_DAYS`), not ``date()`` of every
story and a sort of them all (555 -> 83 ms at a million articles); filtered, it is
Datasette's date facet.

The date facet counts an article on its publication day, the counts on its publication day
else the day it was archived: the articles without a publication date are counted apart (an
index on ``published_at`` finds them) and taken off. Days are those of the stored ISO text
(the archive stores UTC). Counts equal Datasette's while ``relevant`` is 0 or 1 (the writer
stores nothing else) and names are not empty strings (the counts store NULL as '').
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet, DateFacet, Facet
from datasette.utils import path_with_added_args, path_with_removed_args

from storage.daily_counts import TABLE as DAILY_COUNTS
from storage.web.facets import GroupedArrayFacet
from storage.web.hooks import hookimpl
from storage.web.names import PLUGIN
from storage.web.search_facets import ALL_FACETS, ROWS_KEY, SEARCH_FACET_ROWS, facet_values

__all__ = ["HARMLESS", "KINDS", "CountedFacet", "register_facet_classes"]

TABLE = "articles"
STORIES = "stories"
_DAYS = """
with recursive days(d) as (
  select date(min(first_seen)) from stories where first_seen is not null
  union all select date(d, '+1 day') from days where d < (select date(max(first_seen)) from stories)
)
select d as value,
       (select count(*) from stories where first_seen >= d and first_seen < date(d, '+1 day')) as count
from days where count > 0 order by count desc, value limit :limit
"""  # a count of a range of the index on first_seen per day: no date() of every story, no sort
KINDS = {
    "source": ColumnFacet, "source_group": ColumnFacet, "language": ColumnFacet,
    "relevant": ColumnFacet, "themes": GroupedArrayFacet, "published_at": DateFacet,
}  # fmt: skip
STORY_KINDS = {"first_seen": DateFacet}
_DIMENSIONS = {"source", "source_group", "language"}
_FILTERS = {
    **{key: key for key in _DIMENSIONS}, **{f"{key}__exact": key for key in _DIMENSIONS},
    "relevant": "relevant", "relevant__exact": "relevant", "themes__arraycontains": "theme",
}  # fmt: skip
HARMLESS = frozenset(
    {"_sort", "_sort_desc", "_size", "_facet_size", "_labels", "_nolabels", "_nocount",
     "_col", "_nocol", "_trace", "_timelimit", "_nosuggest", "_facet", "_facet_date",
     "_facet_array", "_facet_grouped_array", "_facet_counted", "_shape", "_json", "_nl",
     "_all_facets"}
)  # fmt: skip


def _column(item: dict[str, Any]) -> str:
    """The column of a configured facet (``counted: COLUMN`` or ``{column: COLUMN}``)."""
    return str(item["config"].get("column") or item["config"]["simple"])


class CountedFacet(Facet):  # type: ignore[misc]
    """``counted: COLUMN`` on the articles table (see the module's docstring)."""

    type = "counted"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        filters = self._filters()
        searched = await self._searched()
        facets = [self._facet(item, filters, searched) for item in self.get_configs()]
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        for more, late in await asyncio.gather(*facets):  # each in its SQL thread, at once
            results += more
            timed_out += late
        return results, timed_out

    async def _facet(
        self, item: dict[str, Any], filters: dict[str, str] | None,
        searched: dict[str, list[tuple[Any, int]]] | None,
    ) -> tuple[list[dict[str, Any]], list[str]]:  # fmt: skip
        """The facet of one configured *item*: ([its result], []) or ([], [its column])
        when it ran out of time."""
        column = _column(item)
        kind = (STORY_KINDS if self.table == STORIES else KINDS).get(column, ColumnFacet)
        if searched is not None and column in KINDS:
            if column not in searched:
                return [], [column]
            size, values = self.get_facet_size(), searched[column]
            return [self._result(column, kind, item, values[:size], len(values) > size)], []
        counted = self.table == TABLE and filters is not None and column in KINDS
        if counted and kind is GroupedArrayFacet and "theme" in (filters or {}):
            counted = False  # the themes of the articles of one theme: not counted
        days = self.table == STORIES and column == "first_seen" and filters == {}
        if counted or days:
            try:
                if days:
                    return [await self._story_days(item)], []
                return [await self._counted(column, kind, filters or {}, item)], []
            except QueryInterrupted:
                return [], [column]
        delegate = kind(
            self.ds, self.request, self.database, sql=self.sql, table=self.table,
            params=self.params, metadata=self.metadata, row_count=self.row_count,
        )  # fmt: skip
        delegate.get_configs = lambda: [item]
        found: tuple[list[dict[str, Any]], list[str]] = await delegate.facet_results()
        return found

    async def _searched(self) -> dict[str, list[tuple[Any, int]]] | None:
        """The facets of a search of the articles table, counted in one pass
        (:mod:`storage.web.search_facets`); {} when they ran out of time; None when this is
        not a search."""
        if self.table != TABLE or not self.request.args.get("_search"):
            return None
        most = int((self.ds.plugin_config(PLUGIN) or {}).get(ROWS_KEY, SEARCH_FACET_ROWS))
        asked = self.request.args.get(ALL_FACETS) == "1"
        if self.row_count is not None and self.row_count > most and not asked:
            return {}  # facets on request (the page links to them): see search_facets
        columns = [_column(item) for item in self.get_configs()]
        kinds = {column: KINDS[column].type for column in columns if column in KINDS}
        if not kinds:
            return None
        try:
            return await facet_values(
                self.ds, self.database, self.sql, self.params, kinds, self.get_facet_size(),
                self.ds.setting("facet_time_limit_ms") * len(kinds),
            )  # fmt: skip
        except QueryInterrupted:
            return {}

    def _filters(self) -> dict[str, str] | None:
        """{dimension or 'relevant' or 'theme': value} when the daily counts can answer
        this request's facets, else None."""
        if self.table not in (TABLE, STORIES):
            return None
        out: dict[str, str] = {}
        for key, value in self.get_querystring_pairs():
            if key in HARMLESS:
                continue
            name = _FILTERS.get(key)
            if name is None or name in out or not value:
                return None
            if name == "relevant" and value not in ("0", "1"):
                return None
            out[name] = value
        return out

    async def _story_days(self, item: dict[str, Any]) -> dict[str, Any]:
        size = self.get_facet_size()
        rows = await self.ds.execute(
            self.database, _DAYS, {"limit": size + 1}, truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )  # fmt: skip
        values = [(row["value"], row["count"]) for row in rows.rows]
        return self._result("first_seen", DateFacet, item, values[:size], len(values) > size)

    async def _counted(
        self, column: str, kind: Any, filters: dict[str, str], item: dict[str, Any]
    ) -> dict[str, Any]:
        measure = {"1": "relevant", "0": "articles - relevant"}.get(
            filters.get("relevant", ""), "articles"
        )
        where = "basis = 'published' and " + (
            "theme <> ''" if kind is GroupedArrayFacet else "theme = :theme"
        )
        params: dict[str, Any] = {"theme": filters.get("theme", "")}
        for name in _DIMENSIONS & set(filters):
            where += f" and {name} = :{name}"
            params[name] = filters[name]
        size = self.get_facet_size()
        limit = self.ds.setting("facet_time_limit_ms")
        if column == "relevant":
            sql = " union all ".join(
                f"select {value} as value, sum({sums}) as count from {DAILY_COUNTS} where {where}"
                for value, sums in ((1, "relevant"), (0, "articles - relevant"))
                if filters.get("relevant", str(value)) == str(value)
            )
        else:
            key = {"themes": "theme", "published_at": "day"}.get(column, column)
            sql = (
                f"select {key} as value, sum({measure}) as count from {DAILY_COUNTS} "
                f"where {where} and {key} <> '' group by {key}"
            )
        rows = await self.ds.execute(
            self.database, sql, params, truncate=False, custom_time_limit=limit
        )
        counts = Counter({row["value"]: row["count"] or 0 for row in rows.rows})
        if kind is DateFacet:  # those without a publication date, counted on their archiving day
            undated = await self.ds.execute(
                self.database,
                f"select substr(fetched_at, 1, 10) as value, count(*) as count from ({self.sql}) "
                "where published_at is null group by 1",
                self.params, truncate=False, custom_time_limit=limit,
            )  # fmt: skip
            counts.subtract({row["value"]: row["count"] for row in undated.rows})
        ordered = sorted(
            ((v, n) for v, n in counts.items() if n > 0), key=lambda vn: (-vn[1], vn[0])
        )
        return self._result(column, kind, item, ordered[:size], len(ordered) > size)

    def _result(
        self, column: str, kind: Any, item: dict[str, Any], values: list[tuple[Any, int]],
        truncated: bool,
    ) -> dict[str, Any]:  # fmt: skip
        """The facet as Datasette's facet of this *kind* presents it."""
        pairs = self.get_querystring_pairs()
        arg = {ColumnFacet: column, DateFacet: f"{column}__date"}.get(
            kind, f"{column}__arraycontains"
        )
        out = []
        for value, count in values:
            selected = (arg, str(value)) in pairs
            change = path_with_removed_args if selected else path_with_added_args
            path = change(self.request, {arg: str(value)} if selected else {arg: value})
            if kind is ColumnFacet:
                path = self.ds.urls.path(path)
            out.append({
                "value": value, "label": value, "count": count,
                "toggle_url": self.ds.absolute_url(self.request, path), "selected": selected,
            })  # fmt: skip
        hide = {ColumnFacet: "_facet", DateFacet: "_facet_date"}.get(kind)
        return {
            "name": column,
            "type": kind.type,
            "results": out,
            "hideable": item["source"] != "metadata",
            "toggle_url": (
                self.ds.urls.path(path_with_removed_args(self.request, {hide: column}))
                if hide == "_facet"
                else path_with_removed_args(self.request, {hide: column})
                if hide
                else self.ds.urls.path(self.request.path)
            ),
            "truncated": truncated,
        }


@hookimpl()
def register_facet_classes() -> list[type]:
    return [CountedFacet]
