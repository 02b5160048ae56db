"""The Datasette plugin that ``culturewatch browse`` registers.

- Chinese-aware search: Datasette's table search (``?_search=``, the search box) and the
  canned ``search`` query run ``... match escape_fts(:search)``. This plugin replaces that
  SQL function, on every connection Datasette opens, with :func:`storage.search.fts_query`,
  which quotes terms the same way and also segments Chinese ones for ``articles_search``.
- Concept search: the canned ``search`` query runs ``... match concept_fts(:q)``, this
  plugin's SQL function: :func:`storage.concepts.concept_query` with the theme aliases of
  the ``culturewatch`` plugin configuration (``concepts``, filled by ``build_datasette``),
  so 哪吒 also finds "Ne Zha 2". The table's search box stays the plain (Chinese-aware) one.
- Safe highlighted snippets: a ``snippet`` column of a query (the canned ``search`` query
  marks matches with :data:`storage.search.MARK_START`/``MARK_END``) is rendered with
  :func:`storage.search.highlight_html`: the article's text is HTML-escaped and only the
  matches are wrapped in ``<mark>``, so markup in a crawled page never reaches the browser.
- Stories linked: ``articles.story_id`` (in the table, a row's page and any query) links to
  the story's row; a query's ``title`` beside a ``story_id`` too (``amplified_stories``); a
  story's ``article_count`` links to its copies (the articles with that ``story_id``).
- Empty Atom feeds: datasette-atom 0.9 takes the feed's ``updated`` from the newest row
  (``max()`` over the rows), so a query with no rows (an empty archive, a theme with no
  articles) answered HTTP 500. This plugin registers the ``.atom`` renderer after it: rows
  go to datasette-atom unchanged, no rows give a valid feed with no entries.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any

from datasette import __version__ as datasette_version
from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from storage.concepts import Concepts, concept_query
from storage.search import fts_query, highlight_html

SNIPPET_COLUMN = "snippet"
STORY_COLUMN = "story_id"


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, so ours wins
def prepare_connection(conn: sqlite3.Connection, datasette: Any) -> None:
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("concept_fts", 1, _concept_fts(datasette), deterministic=True)


def _concept_fts(datasette: Any) -> Callable[[str | None], str]:
    groups = (datasette.plugin_config("culturewatch") or {}).get("concepts") or []
    concepts = _concepts(tuple(tuple(str(a) for a in g) for g in groups if isinstance(g, list)))
    return lambda text: concept_query(text, concepts)


@functools.lru_cache(maxsize=4)
def _concepts(groups: tuple[tuple[str, ...], ...]) -> Concepts:
    return Concepts(groups)


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if table is None and column == SNIPPET_COLUMN and isinstance(value, str):
        return Markup(highlight_html(value))
    if column == STORY_COLUMN and table in (None, "articles") and _is_id(value):
        return _link(datasette.urls.row(database, "stories", str(value)), str(value))
    if table is None and column == "title" and isinstance(value, str):
        story = _get(row, STORY_COLUMN)
        if _is_id(story):
            return _link(datasette.urls.row(database, "stories", str(story)), value)
    if table == "stories" and column == "article_count" and _is_id(_get(row, "id")):
        href = datasette.urls.table(database, "articles") + f"?story_id={int(row['id'])}"
        return _link(href, str(value))
    return None


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _get(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (IndexError, KeyError, TypeError):
        return None


@hookimpl(trylast=True)  # after datasette-atom's: the last renderer for an extension wins
def register_output_renderer() -> dict[str, Any] | None:
    try:
        import datasette_atom
    except ImportError:  # without datasette-atom there is no .atom to mend
        return None
    return {
        "extension": "atom",
        "render": render_atom,
        "can_render": datasette_atom.can_render_atom,
    }


def render_atom(
    datasette: Any,
    request: Any,
    sql: str,
    columns: list[str],
    rows: list[Any],
    database: str,
    table: str | None,
    query_name: str | None,
    view_name: str,
    data: dict[str, Any],
) -> Any:
    """datasette-atom's feed, or a feed without entries when there are no rows."""
    import datasette_atom

    if rows or not datasette_atom.REQUIRED_COLUMNS.issubset(columns):
        return datasette_atom.render_atom(
            datasette, request, sql, columns, rows, database, table, query_name, view_name, data
        )
    return _empty_feed(datasette, request, sql, database, table, query_name, data)


def _empty_feed(
    datasette: Any,
    request: Any,
    sql: str,
    database: str,
    table: str | None,
    query_name: str | None,
    data: dict[str, Any],
) -> Response:
    """What datasette-atom would give for no rows: the same id, link and title, no entries.

    ``updated`` (required by Atom) is the time of the request: nothing in the feed is older.
    """
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.generator(
        generator="Datasette", version=datasette_version, uri="https://github.com/simonw/datasette"
    )
    fg.id(request.url)
    fg.link(href=request.url, rel="self")
    title = request.args.get("_feed_title", sql)
    if table:
        title += "/" + table
    if data.get("human_description_en"):
        title += ": " + data["human_description_en"]
    if query_name:  # a canned query's configured title wins, as in datasette-atom
        queries = (datasette.metadata(database=database) or {}).get("queries") or {}
        query = queries.get(query_name)
        if isinstance(query, dict) and query.get("title"):
            title = query["title"]
    fg.title(title)
    return Response(
        fg.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200
    )
