"""SQL functions for Datasette's connections: the Chinese-aware search and the concept search.

- ``escape_fts``: Datasette's table search (``?_search=``, the search box) and the canned
  ``search`` query run ``... match escape_fts(:search)``. This module replaces that SQL
  function, on every connection Datasette opens, with :func:`storage.search.fts_query`,
  which quotes terms the same way and also segments Chinese ones for ``articles_search``.
- ``concept_fts``: the canned ``search`` query runs ``... match concept_fts(:q)``:
  :func:`storage.concepts.concept_query` with the theme aliases of the ``culturewatch``
  plugin configuration (``concepts``, filled by :func:`storage.web.serve.build_datasette`),
  so 哪吒 also finds "Ne Zha 2". The table's search box stays the plain (Chinese-aware) one.
- At startup jieba's dictionary is loaded (about a second), so the first Chinese search does
  not pay for it inside Datasette's time limit on a query (``sql_time_limit_ms``).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any

from storage.concepts import Concepts, concept_query
from storage.search import fts_query, han_words
from storage.web.hooks import hookimpl
from storage.web.names import PLUGIN

__all__ = ["prepare_connection", "startup"]


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, so ours wins
def prepare_connection(conn: sqlite3.Connection, datasette: Any) -> None:
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("concept_fts", 1, _concept_fts(datasette), deterministic=True)


@hookimpl()
def startup(datasette: Any) -> None:
    """Load jieba's dictionary now (it stays loaded), not in the first query that cuts words."""
    han_words("文化")


def _concept_fts(datasette: Any) -> Callable[[str | None], str]:
    groups = (datasette.plugin_config(PLUGIN) or {}).get("concepts") or []
    concepts = _concepts(tuple(tuple(str(a) for a in g) for g in groups if isinstance(g, list)))
    return lambda text: concept_query(text, concepts)


@functools.lru_cache(maxsize=4)
def _concepts(groups: tuple[tuple[str, ...], ...]) -> Concepts:
    return Concepts(groups)
