"""A search too large for one query is refused in words (HTTP 400) before it runs.

The SQL functions of :mod:`storage.web.sql_functions` refuse such a search too, but SQLite
reports that only as "user-defined function raised exception". This module's
``asgi_wrapper`` reads a request's searches first, as the SQL will: the table search
(``_search``, ``_search_COLUMN``: :func:`storage.search_query.bounded_fts_query`) and a canned
query's parameter passed to ``concept_fts`` (:func:`storage.concepts.bounded_concept_query`)
or ``escape_fts``; one beyond the limits (too many characters, too many phrases once names
are expanded to their aliases: :class:`storage.search_query.SearchTooLarge`) is answered with
400 and the reason, as an error page, JSON or text (:mod:`storage.web.refusal`).
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from storage.concepts import bounded_concept_query
from storage.search_query import SearchTooLarge, bounded_fts_query
from storage.web.hooks import hookimpl
from storage.web.names import DATABASE_NAME
from storage.web.refusal import Receive, Scope, Send, send_refusal
from storage.web.sql_functions import concepts_of

__all__ = ["asgi_wrapper", "too_large"]

_SEARCH_PARAMETER = re.compile(r"\b(concept_fts|escape_fts)\(\s*(?:coalesce\(\s*)?:(\w+)")


def _query_searches(datasette: Any, name: str) -> list[tuple[str, str]]:
    """(SQL function, parameter) of each search in the canned query *name*."""
    queries = (datasette.metadata(database=DATABASE_NAME) or {}).get("queries") or {}
    query = queries.get(name)
    if not isinstance(query, dict):
        return []
    return _SEARCH_PARAMETER.findall(str(query.get("sql", "")))


def too_large(path: str, query_string: str, datasette: Any) -> str | None:
    """Why the searches of a request for *path* are too large for one query, or None."""
    prefix = f"/{DATABASE_NAME}/"
    if not path.startswith(prefix):
        return None
    values = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    name = path[len(prefix) :].partition(".")[0]
    checks: list[tuple[str, str]] = [
        ("escape_fts", v)
        for key, found in values.items()
        if key == "_search" or key.startswith("_search_")
        for v in found
    ]
    if "/" not in name:
        for function, parameter in _query_searches(datasette, name):
            checks += [(function, v) for v in values.get(parameter, [])]
    try:
        for function, value in checks:
            if function == "concept_fts":
                bounded_concept_query(value, concepts_of(datasette))
            else:
                bounded_fts_query(value)
    except SearchTooLarge as exc:
        return str(exc)
    return None


@hookimpl()
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def refuse_large_searches(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") == "http":
                query = bytes(scope.get("query_string", b"")).decode("latin-1")
                why = too_large(str(scope.get("path", "")), query, datasette)
                if why is not None:
                    await send_refusal(
                        datasette, scope, receive, send,
                        status=400, title="Search too large", message=why,
                    )  # fmt: skip
                    return
            await app(scope, receive, send)

        return refuse_large_searches

    return wrap
