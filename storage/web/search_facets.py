"""The facets of a search of the articles table (``?_search=``), all counted in one pass.

Datasette counts each facet on its own: a query per facet, each finding the search's matches
again and reading every one of them. A word in 14 % of a million articles is 141,790
matches, six facets of ~150 ms each from the index the search reads (m022_search_rows),
over a second before the page. Here the matches' facet columns are read once, from that
index alone (a materialized common table expression), grouped once on all of them together
(a few thousand groups), and each facet sums those groups: the same values, counts and order as Datasette's facets of the kinds in
:data:`storage.web.counted_facets.KINDS` (``column``, ``date`` of ``published_at``,
``grouped_array`` of ``themes``), ``tests/test_counted_facets.py`` checks it. The pass may
take the time of all its facets (``facet_time_limit_ms`` each); past it, all of them are
reported as timed out, as Datasette reports a facet that ran out of time.

The pass costs ~2.6 us a match on a small machine (a million articles: "heritage", 141,790
matches, 368 ms; after the page's own query and count, ~200 and ~110 ms, past 500 ms). So a
search of more than :data:`SEARCH_FACET_ROWS` rows (Datasette's count of them; the
metadata's ``plugins: culturewatch: search_facet_rows`` changes it) leaves its facets out,
reported as timed out, and the page links to the same search with ``?_all_facets=1``,
which counts them all (~2 s at a million). A filter added to the search (a language, a
source) brings the facets back at once.
"""

from __future__ import annotations

from typing import Any

from datasette.utils import escape_sqlite

__all__ = [
    "ALL_FACETS",
    "ROWS_KEY",
    "SEARCH_FACET_ROWS",
    "facet_values",
    "one_pass_sql",
]

SEARCH_FACET_ROWS = 50_000  # a search of more rows than this counts its facets on request
ROWS_KEY = "search_facet_rows"  # ... or the metadata's plugins: culturewatch: search_facet_rows
ALL_FACETS = "_all_facets"  # ... ?_all_facets=1 (a link on the page when they were left out)

_COLUMN = (
    "select {name} as facet, {col} as value, sum(n) as count from combos "
    "where {col} is not null group by {col} order by count desc, value limit {limit}"
)
_DATE = (
    "select {name} as facet, {col} as value, count(*) as count from matches "
    "where {col} is not null group by {col} order by count desc, value limit {limit}"
)
_ARRAY = (
    "select {name} as facet, value, sum(n) as count from ("
    "select distinct arrays.arr, arrays.n, j.value from ("
    "select {col} as arr, sum(n) as n from combos where {col} is not null group by {col}"
    ") as arrays join json_each(arrays.arr) j"
    ") group by value order by count desc, value limit {limit}"
)  # storage.web.facets.GroupedArrayFacet's counting: a value twice in an array counts once


def one_pass_sql(sql: str, kinds: dict[str, str], limit: int) -> str:
    """One query counting, over the rows of *sql*, each column of *kinds* ({column:
    the type of Datasette's facet class: 'column', 'date', 'grouped_array'}), at most *limit* values each, as rows (facet, value,
    count) in each facet's order.

    The matches' columns are read once (``matches``, a day for a ``date`` column), grouped
    once on every ``column`` and ``grouped_array`` column together (``combos``: a few thousand
    rows, however many matches), and each facet sums those groups; a ``date`` facet groups
    the matches' days. Two sorts of the matches instead of one per facet."""
    combo = [escape_sqlite(c) for c, kind in kinds.items() if kind != "date"] or ["null"]
    days = [
        f"date({escape_sqlite(c)}) as {escape_sqlite(c)}" for c, k in kinds.items() if k == "date"
    ]
    parts = []
    for n, (column, kind) in enumerate(kinds.items()):
        template = {"date": _DATE, "grouped_array": _ARRAY}.get(kind, _COLUMN)
        part = template.format(name=n, col=escape_sqlite(column), limit=limit)
        parts.append(f"select * from ({part})")
    return (
        f"with matches as materialized (select {', '.join(combo + days)} from ({sql})),\n"
        f"combos as materialized (select {', '.join(combo)}, count(*) as n from matches "
        f"group by {', '.join(combo)})\n" + "\nunion all\n".join(parts)
    )


async def facet_values(
    ds: Any, database: str, sql: str, params: dict[str, Any], kinds: dict[str, str],
    size: int, time_limit_ms: int,
) -> dict[str, list[tuple[Any, int]]]:  # fmt: skip
    """{column: [(value, count), ...]} of each facet of *kinds* over the rows of *sql*, at
    most *size* + 1 values each (one more tells the facet it is truncated), in one query
    (see the module's docstring). Raises Datasette's ``QueryInterrupted`` past
    *time_limit_ms*."""
    rows = await ds.execute(
        database, one_pass_sql(sql, kinds, size + 1), params, truncate=False,
        custom_time_limit=time_limit_ms,
    )  # fmt: skip
    names = list(kinds)
    out: dict[str, list[tuple[Any, int]]] = {column: [] for column in names}
    for row in rows.rows:
        column = names[row["facet"]]
        value = str(row["value"]) if kinds[column] == "grouped_array" else row["value"]
        out[column].append((value, row["count"]))
    return out
