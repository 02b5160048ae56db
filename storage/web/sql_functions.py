"""SQL functions for Datasette's connections: the Chinese-aware search and the concept search.

- ``escape_fts``: Datasette's table search (``?_search=``, the search box) and the canned
  ``search`` query run ``... match escape_fts(:search)``. This module replaces that SQL
  function, on every connection Datasette opens, with :func:`storage.search_query.bounded_fts_query`,
  which quotes terms the same way and also segments Chinese ones for ``articles_search``.
- ``concept_fts``: the canned ``search`` query runs ``... match concept_fts(:q)``:
  :func:`storage.concepts.bounded_concept_query` with the theme aliases of the ``culturewatch``
  plugin configuration (``concepts``, filled by :func:`storage.web.serve.build_datasette`),
  so 哪吒 also finds "Ne Zha 2". The table's search box stays the plain (Chinese-aware) one.
- Both refuse a search beyond what one query may cost (:class:`storage.search_query.SearchTooLarge`:
  too many characters, or too many phrases once the names are expanded), which SQLite
  reports as an error of the function; :mod:`storage.web.search_size` refuses such a
  request before it runs, with the reason in words.
- ``snippet_fits(text)`` and ``search_excerpt(text, expression, tokens)``: the ``search``
  query's snippet is FTS5's ``snippet()`` on a text it is cheap on, else
  :func:`storage.search_excerpts.excerpt` (``snippet()`` costs the square of a row's matches, in
  one step the time limit cannot interrupt).
- ``theme_label(key)`` and ``group_label(key)``: a theme's human name (the themes file's
  label, from the plugin configuration's ``themes``) and a source group's, for the
  dashboard's legends and filters.
- ``cw_search_text`` and ``cw_search_grams`` (:func:`storage.search.register_search_functions`):
  the index ``articles_search`` keeps no copy of the text but reads it from ``articles``
  through them, for ``snippet()`` and its columns.
- At startup jieba's dictionary is loaded (about a second), so the first Chinese search does
  not pay for it inside Datasette's time limit on a query (``sql_time_limit_ms``).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any

from storage.concepts import Concepts, bounded_concept_query
from storage.groups import group_label
from storage.search import register_search_functions
from storage.search_excerpts import excerpt, snippet_fits
from storage.search_query import bounded_fts_query, han_words
from storage.web.hooks import hookimpl
from storage.web.names import PLUGIN

__all__ = ["concepts_of", "prepare_connection", "startup"]


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, so ours wins
def prepare_connection(conn: sqlite3.Connection, datasette: Any) -> None:
    register_search_functions(conn)  # articles_search reads the articles through them
    conn.create_function("escape_fts", 1, bounded_fts_query, deterministic=True)
    conn.create_function("concept_fts", 1, _concept_fts(datasette), deterministic=True)
    conn.create_function("snippet_fits", 1, snippet_fits, deterministic=True)
    conn.create_function("search_excerpt", 3, _excerpt, deterministic=True)
    conn.create_function("theme_label", 1, _theme_label(datasette), deterministic=True)
    conn.create_function("group_label", 1, _group_label, deterministic=True)


@hookimpl()
def startup(datasette: Any) -> None:
    """Load jieba's dictionary now (it stays loaded), not in the first query that cuts words."""
    han_words("文化")


def concepts_of(datasette: Any) -> Concepts:
    """The alias groups of the concept search (the plugin configuration's ``concepts``)."""
    groups = (datasette.plugin_config(PLUGIN) or {}).get("concepts") or []
    return _concepts(tuple(tuple(str(a) for a in g) for g in groups if isinstance(g, list)))


def _concept_fts(datasette: Any) -> Callable[[str | None], str]:
    concepts = concepts_of(datasette)

    @functools.lru_cache(maxsize=16)  # the query calls it for the match and the excerpts
    def concept_fts(text: str | None) -> str:
        return bounded_concept_query(text, concepts)

    return concept_fts


def _excerpt(text: str | None, expression: str | None, tokens: int | None) -> str:
    return excerpt(text, expression or "", tokens=max(8, min(int(tokens or 24), 64)))


@functools.lru_cache(maxsize=4)
def _concepts(groups: tuple[tuple[str, ...], ...]) -> Concepts:
    return Concepts(groups)


def _theme_label(datasette: Any) -> Callable[[str | None], str | None]:
    themes = (datasette.plugin_config(PLUGIN) or {}).get("themes") or {}
    labels = {str(k): str(v) for k, v in themes.items()} if isinstance(themes, dict) else {}

    def theme_label(key: str | None) -> str | None:
        return labels.get(key, key) if isinstance(key, str) else key

    return theme_label


def _group_label(key: str | None) -> str:
    return group_label(key) if key else "no group"
