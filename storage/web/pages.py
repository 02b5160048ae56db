"""The reader's pages: the front page, an article's page, and what every page loads.

The templates are in ``storage/web/templates/``, the stylesheet and the script in
``storage/web/static/`` (served at ``/culturewatch-static/``); both are handed to Datasette
by :func:`storage.web.serve.build_datasette`, with this module's :data:`TEMPLATES`,
:data:`STATIC` and :data:`STATIC_MOUNT`. The configuration of every culturewatch module is
the ``culturewatch`` plugin block of the metadata (:data:`storage.web.names.PLUGIN`), which
``build_datasette`` fills from the themes: ``themes`` (key -> label, in display order,
read by :func:`theme_labels`) and ``concepts`` (:mod:`storage.web.sql_functions`). The
database is :data:`storage.web.names.DATABASE_NAME`.

- The home page (``index.html``) is the front page (:mod:`storage.web.front_page`): today and
  this week per theme, with links into everything else and the dashboard.
- An article's page (``row-culturewatch-articles.html``, :mod:`storage.web.article_page`): the
  text with the matched evidence in ``<mark>`` and why it scored.
- Every page: the stylesheet, the script, and the theme keys and labels for the script
  (``window.culturewatchThemes``), which offers them for a ``:theme`` parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from storage.groups import group_label
from storage.revisits import changes_since
from storage.web.article_page import article_page
from storage.web.front_page import front_page
from storage.web.history import article_history, since_yesterday
from storage.web.hooks import hookimpl
from storage.web.names import DATABASE_NAME, PLUGIN

__all__ = [
    "DASHBOARD",
    "STATIC",
    "STATIC_MOUNT",
    "TEMPLATES",
    "extra_body_script",
    "extra_css_urls",
    "extra_js_urls",
    "extra_template_vars",
    "theme_labels",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
STATIC_MOUNT = "culturewatch-static"
DASHBOARD = "/-/dashboards/attention"


def theme_labels(datasette: Any) -> dict[str, str]:
    """Theme key -> label from the plugin configuration ({} when not configured)."""
    config = datasette.plugin_config(PLUGIN) or {}
    themes = config.get("themes") or {}
    return {str(k): str(v) for k, v in themes.items()} if isinstance(themes, Mapping) else {}


@hookimpl()
def extra_template_vars(
    template: str, database: str | None, table: str | None, view_name: str, request: Any,
    datasette: Any,
) -> Any:  # fmt: skip
    async def inner() -> dict[str, Any]:
        labels = theme_labels(datasette)
        out: dict[str, Any] = {"cw_labels": labels, "cw_group_label": group_label}
        if DATABASE_NAME not in datasette.databases:
            return out
        db = datasette.get_database(DATABASE_NAME)
        if view_name == "index":
            out["cw_front"] = await db.execute_fn(lambda conn: front_page(conn, labels))
            actor = request.actor if request is not None else None
            # the dashboard's charts fetch their data with ?sql=: for those who may run it
            sql = await datasette.permission_allowed(
                actor, "execute-sql", DATABASE_NAME, default=True
            )
            out["cw_dashboard"] = datasette.urls.path(DASHBOARD) if sql else None
            queries = (datasette.metadata(database=DATABASE_NAME) or {}).get("queries", {})
            out["cw_queries"] = {  # those this visitor may open (alert_deliveries: not all)
                name: query
                for name, query in queries.items()
                if await datasette.permission_allowed(
                    actor, "view-query", (DATABASE_NAME, name), default=True
                )
            }
            out["cw_changes"] = await db.execute_fn(
                lambda conn: changes_since(conn, since_yesterday())
            )
        elif view_name == "row" and table == "articles" and request is not None:
            pks = request.url_vars.get("pks", "")
            if pks.isdigit():
                page = await db.execute_fn(lambda conn: article_page(conn, int(pks), labels))
                out["cw_article"] = page
                out["cw_history"] = await db.execute_fn(
                    lambda conn: article_history(conn, int(pks))
                )
        return out

    return inner


@hookimpl()
def extra_css_urls(datasette: Any) -> list[str]:
    return [
        datasette.urls.path(f"/{STATIC_MOUNT}/culturewatch.css"),
        datasette.urls.path(f"/{STATIC_MOUNT}/culturewatch-day.css"),
    ]


@hookimpl()
def extra_js_urls(datasette: Any) -> list[str]:
    return [datasette.urls.path(f"/{STATIC_MOUNT}/culturewatch.js")]


@hookimpl()
def extra_body_script(datasette: Any) -> str:
    """The theme keys and labels for the script (which offers them for ``theme``)."""
    data = json.dumps(theme_labels(datasette), ensure_ascii=True).replace("</", "<\\/")
    return f"window.culturewatchThemes = {data};"
