"""The Datasette plugin that ``culturewatch browse`` registers: Chinese-aware search.

Datasette's table search (``?_search=``, the search box) and the canned ``search`` query
run ``... match escape_fts(:search)``. This plugin replaces that SQL function, on every
connection Datasette opens, with :func:`storage.search.fts_query`, which quotes terms the
same way and also segments Chinese ones for the ``articles_search`` table.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from storage.search import fts_query


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, so ours wins
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
