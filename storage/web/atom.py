"""The ``.atom`` renderer: datasette-atom's feeds, and a valid empty feed when there are no rows.

datasette-atom 0.9 takes the feed's ``updated`` from the newest row (``max()`` over the
rows), so a query with no rows (an empty archive, a theme with no articles) answered
HTTP 500. This module registers the ``.atom`` renderer after datasette-atom's: rows go to
datasette-atom unchanged, no rows give a valid feed with no entries.
"""

from __future__ import annotations

from typing import Any

from datasette import __version__ as datasette_version
from datasette.utils.asgi import Response

from storage.web.hooks import hookimpl

__all__ = ["register_output_renderer", "render_atom"]


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
