"""Attention over time for any search: ``/-/culturewatch/attention?q=...``.

The page charts, per day, the articles matching a search and their share of everything
archived that day (:func:`storage.attention.daily_attention`), overall, by language and by
source group, with the numbers as CSV (``&format=csv``). ``mode=concept`` (the default) is
the concept search of the ``search`` query (a name in all its spellings:
:func:`storage.concepts.bounded_concept_query` with the themes' alias groups),
``mode=plain`` the articles table's search box (:func:`storage.search_query.bounded_fts_query`);
``days`` is how far back (default 90, at most 3650). A search beyond what one query may
cost is refused with 400 and the reason. The charts are Vega-Lite, the copy that
datasette-dashboards serves for the dashboard (no CDN, no other script). The search pages
link here (``templates/query-culturewatch-search.html``).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from typing import Any

from datasette.utils.asgi import Response

from storage.attention import DayCount, daily_attention
from storage.concepts import bounded_concept_query
from storage.groups import group_label
from storage.search_query import SearchTooLarge, bounded_fts_query
from storage.web.hooks import hookimpl
from storage.web.names import DATABASE_NAME
from storage.web.sql_functions import concepts_of

__all__ = ["ROUTE", "attention_view", "charts", "register_routes", "to_csv"]

ROUTE = "/-/culturewatch/attention"
MAX_DAYS = 3650


@hookimpl()
def register_routes() -> list[tuple[str, Any]]:
    return [(f"^{ROUTE}$", attention_view)]


def _days(text: str | None) -> int | None:
    if not text:
        return 90
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_DAYS else None


def to_csv(counts: list[DayCount]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "by", "value", "matching", "archived", "per_100_archived"])
    for c in counts:
        writer.writerow([c.day, c.by, c.value, c.matching, c.archived, f"{c.share:.2f}"])
    return out.getvalue()


def _series(c: DayCount) -> str:
    if c.by == "source_group":
        return group_label(c.value) if c.value else "no group"
    return c.value


def charts(counts: list[DayCount]) -> list[dict[str, Any]]:
    """The Vega-Lite specifications of the page's four charts."""

    def points(by: str) -> list[dict[str, Any]]:
        return [
            {"day": c.day, "series": _series(c), "matching": c.matching,
             "archived": c.archived, "share": c.share}
            for c in counts if c.by == by
        ]  # fmt: skip

    tooltip = [
        {"field": "day", "type": "temporal", "title": "day", "format": "%-d %b %Y"},
        {"field": "series", "type": "nominal", "title": "of"},
        {"field": "matching", "type": "quantitative", "title": "matching"},
        {"field": "archived", "type": "quantitative", "title": "archived"},
        {"field": "share", "type": "quantitative", "title": "per 100 archived"},
    ]
    x = {"field": "day", "type": "temporal", "timeUnit": "yearmonthdate", "title": "day"}

    def spec(title: str, by: str, mark: str, y: str, y_title: str, color: bool) -> dict[str, Any]:
        encoding: dict[str, Any] = {
            "x": x,
            "y": {"field": y, "type": "quantitative", "title": y_title},
            "tooltip": tooltip,
        }
        if color:
            encoding["color"] = {"field": "series", "type": "nominal", "title": by}
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": title,
            "width": 1100,
            "height": 220,
            "data": {"values": points("all" if not color else by)},
            "mark": {"type": mark, "point": mark == "line", "tooltip": True},
            "encoding": encoding,
        }

    return [
        spec("Matching articles per day", "all", "bar", "matching", "articles", False),
        spec("Per 100 articles archived that day", "all", "line", "share", "per 100", False),
        spec("Matching articles per day, by language", "language", "line", "matching",
             "articles", True),
        spec("Matching articles per day, by source group", "source_group", "line", "matching",
             "articles", True),
    ]  # fmt: skip


async def attention_view(request: Any, datasette: Any) -> Response:
    q = " ".join((request.args.get("q") or "").split())
    mode = request.args.get("mode") or "concept"
    days = _days(request.args.get("days"))
    if mode not in ("concept", "plain") or days is None:
        return Response.text(f"expected mode concept or plain, days 1 to {MAX_DAYS}", status=400)
    counts: list[DayCount] = []
    if q:
        try:
            expression = (
                bounded_concept_query(q, concepts_of(datasette))
                if mode == "concept"
                else bounded_fts_query(q)
            )
        except SearchTooLarge as exc:
            return Response.text(f"search refused: {exc}", status=400)

        def read(conn: sqlite3.Connection) -> list[DayCount]:
            return daily_attention(conn, expression, days=days)

        counts = await datasette.get_database(DATABASE_NAME).execute_fn(read)
    if request.args.get("format") == "csv":
        name = "attention.csv"
        return Response(
            to_csv(counts),
            content_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )
    total = [c for c in counts if c.by == "all"]
    specs = json.dumps(charts(counts), ensure_ascii=True).replace("</", "<\\/")
    csv_href = datasette.urls.path(ROUTE) + "?" + request.query_string + "&format=csv"
    return Response.html(
        await datasette.render_template(
            "cw_attention.html",
            {
                "q": q,
                "mode": mode,
                "days": days,
                "matching": sum(c.matching for c in total),
                "archived": sum(c.archived for c in total),
                "active_days": sum(c.matching > 0 for c in total),
                "specs": specs,
                "csv_href": csv_href,
                "action": datasette.urls.path(ROUTE),
                "search_href": datasette.urls.database(DATABASE_NAME) + "/search",
            },
            request=request,
        )
    )
