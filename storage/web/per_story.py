"""One row per story in the articles table: ``/culturewatch/articles?_per_story=1``.

Four copies of one wire story make four rows of the articles table (and of its search). With
``_per_story=1`` the table keeps, of each story, its most relevant copy (the lowest id on a
tie) among the copies that match the table's search (``_search``), so a search collapsed to
one row per story still finds every story it found before. Other filters (a source, a
language) pick among the rows so kept: a story whose best copy is of another source is left
out. The table's page has the toggle (``templates/table-culturewatch-articles.html``); the
concept search has its own, the canned query ``search_stories``.
"""

from __future__ import annotations

from typing import Any

from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args

from storage.web.hooks import hookimpl
from storage.web.names import DATABASE_NAME

__all__ = ["PARAMETER", "filters_from_request"]

PARAMETER = "_per_story"

_BETTER = (
    "not exists (select 1 from articles cw_b where cw_b.story_id = articles.story_id "
    "and cw_b.id != articles.id and (cw_b.relevance > articles.relevance "
    "or (cw_b.relevance = articles.relevance and cw_b.id < articles.id)){search})"
)
_MATCHING = (
    " and cw_b.id in (select rowid from articles_search where articles_search match {expression})"
)


@hookimpl()
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    if database != DATABASE_NAME or table != "articles":
        return None
    if request.args.get(PARAMETER) not in ("1", "on", "true"):
        return None
    params: dict[str, str] = {}
    search = ""
    typed = (request.args.get("_search") or "").strip()
    if typed:
        raw = request.args.get("_searchmode") == "raw"
        search = _MATCHING.format(expression=":cw_story_q" if raw else "escape_fts(:cw_story_q)")
        params["cw_story_q"] = typed
    return FilterArguments(
        [_BETTER.format(search=search)],
        params=params,
        human_descriptions=["one row per story (its most relevant copy)"],
    )


@hookimpl()
def extra_template_vars(
    template: str, database: str | None, table: str | None, view_name: str, request: Any,
    datasette: Any,
) -> dict[str, Any] | None:  # fmt: skip
    """``cw_per_story``: whether the page is collapsed and the link that toggles it, on the
    articles table and on the concept search (``search`` <-> ``search_stories``)."""
    if database != DATABASE_NAME or request is None:
        return None
    if view_name == "table" and table == "articles":
        on = request.args.get(PARAMETER) in ("1", "on", "true")
        href = (
            path_with_removed_args(request, {PARAMETER})
            if on
            else path_with_added_args(request, {PARAMETER: "1", "_next": None})
        )
        return {"cw_per_story": {"on": on, "href": href}}
    query = (request.url_vars or {}).get("table")  # a canned query's name
    if query in ("search", "search_stories"):
        other = "search" if query == "search_stories" else "search_stories"
        href = datasette.urls.database(DATABASE_NAME) + f"/{other}"
        if request.query_string:
            href += "?" + request.query_string
        return {"cw_per_story": {"on": query == "search_stories", "href": href}}
    return None
