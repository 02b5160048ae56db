"""The count of a search of the articles table, run beside the page's own query.

Datasette's table page runs its query (the first rows, sorted), then ``select count(*)``
of the same rows, one after the other. A search's matches are looked up one by one in the
index of m022_search_rows, by both: at a million articles a word in 14 % of them costs the
page's query ~200 ms and the count ~110 ms, on one core while the other waits. So when the
archive is asked for the page of a search of the articles table, the count Datasette will
ask for next is started at once, in another of Datasette's SQL threads; when Datasette asks
for it (the same SQL text and parameters), it gets that answer (or its error: a count past
the time limit is left out as before). The SQL Datasette 0.65 writes for them
(``views/table.py``) is derived here: a page of another shape (a later page, ``_next``,
whose query has more conditions than its count) just finds nothing started for its count,
and a count started that nobody asks for within :data:`KEEP_SECONDS` is dropped. Same
answers, in the time of the longer of the two.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["KEEP_SECONDS", "LONGEST", "count_ahead", "count_sql_of"]

KEEP_SECONDS = 10.0
LONGEST = 4000  # characters: a search page's SQL is ~1,000 (a _where of a visitor's may be long)
_PAGE = re.compile(
    r"select .+? (?P<from>from articles where .*search_id in \(select rowid from "
    r"articles_search where .*?)(?:order by [^()]*)?limit \d+",
    re.S,
)


def count_sql_of(sql: str) -> str | None:
    """The ``select count(*)`` Datasette runs after *sql*, the page query of a search of
    the articles table (None for any other query)."""
    if len(sql) > LONGEST or "from articles_search where" not in sql:
        return None  # (the pattern's work grows with the square of a text that nearly fits)
    page = _PAGE.fullmatch(sql)
    return f"select count(*) {page['from']}" if page else None


def count_ahead(database: Any) -> None:
    """Wrap the Datasette *database*'s ``execute`` so that the page query of a search of
    the articles table starts its count beside it (see the module's docstring)."""
    execute: Callable[..., Awaitable[Any]] = database.execute
    started: dict[tuple[str, str], asyncio.Future[Any]] = {}

    async def execute_counting_ahead(sql: str, params: Any = None, *args: Any, **kw: Any) -> Any:
        key = (sql, repr(sorted(params.items()) if isinstance(params, dict) else params))
        if not args and not kw and key in started:
            return await started.pop(key)
        count_sql = count_sql_of(sql)
        if count_sql is not None:
            ahead = (count_sql, key[1])
            task = asyncio.ensure_future(execute(count_sql, params))
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            started[ahead] = task  # a page asked again: the newer count

            def forget() -> None:
                if started.get(ahead) is task:
                    del started[ahead]

            asyncio.get_running_loop().call_later(KEEP_SECONDS, forget)
        return await execute(sql, params, *args, **kw)

    database.execute = execute_counting_ahead
