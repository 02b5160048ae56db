"""The Datasette plugin that ``culturewatch browse`` registers.

- Chinese-aware search: Datasette's table search (``?_search=``, the search box) and the
  canned ``search`` query run ``... match escape_fts(:search)``. This plugin replaces that
  SQL function, on every connection Datasette opens, with :func:`storage.search.fts_query`,
  which quotes terms the same way and also segments Chinese ones for ``articles_search``.
- Safe highlighted snippets: a ``snippet`` column of a query (the canned ``search`` query
  marks matches with :data:`storage.search.MARK_START`/``MARK_END``) is rendered with
  :func:`storage.search.highlight_html`: the article's text is HTML-escaped and only the
  matches are wrapped in ``<mark>``, so markup in a crawled page never reaches the browser.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl
from markupsafe import Markup

from storage.search import fts_query, highlight_html

SNIPPET_COLUMN = "snippet"


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, so ours wins
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)


@hookimpl
def render_cell(value: Any, column: str, table: str | None) -> Markup | None:
    if table is None and column == SNIPPET_COLUMN and isinstance(value, str):
        return Markup(highlight_html(value))
    return None
