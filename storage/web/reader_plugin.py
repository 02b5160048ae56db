"""The reader's Datasette: the front page, the article page, readable cells, theme parameters.

A Datasette plugin (registered by :func:`storage.web.serve.build_datasette` beside
:mod:`storage.web.search_plugin`), with the templates in ``storage/web/templates/`` and the
stylesheet and script in ``storage/web/static/`` (served at ``/culturewatch-static/``). Its
configuration is the ``culturewatch`` plugin block of the metadata, which ``build_datasette``
fills from the themes: ``themes`` (key -> label, in display order) and ``concepts``.

- The home page (``index.html``) is the front page (:mod:`storage.web.front_page`): today and
  this week per theme, with links into everything else and the dashboard.
- An article's page (``row-culturewatch-articles.html``, :mod:`storage.web.article_page`): the
  text with the matched evidence in ``<mark>`` and why it scored.
- Cells: titles link to the article page (and the original), a URL shows its host, text is
  an excerpt, themes are chips, evidence a short "why", a source group its label.
- Canned queries with a ``:theme`` parameter: the page offers the theme keys in a list, and
  a request with an unknown key is refused (HTTP 400) with the valid keys, in words.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Request, Response
from markupsafe import Markup

from storage.groups import group_label
from storage.web.article_page import article_page
from storage.web.front_page import front_page, json_list

PLUGIN = "culturewatch"
DATABASE = "culturewatch"
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
STATIC_MOUNT = "culturewatch-static"
DASHBOARD = "/-/dashboards/attention"
EXCERPT = 180  # characters of text shown in a table cell
THEME_PARAMETER = "theme"


def theme_labels(datasette: Any) -> dict[str, str]:
    """Theme key -> label from the plugin configuration ({} when not configured)."""
    config = datasette.plugin_config(PLUGIN) or {}
    themes = config.get("themes") or {}
    return {str(k): str(v) for k, v in themes.items()} if isinstance(themes, Mapping) else {}


# --------------------------------------------------------------------------- pages
@hookimpl
def extra_template_vars(
    template: str, database: str | None, table: str | None, view_name: str, request: Any,
    datasette: Any,
) -> Any:  # fmt: skip
    async def inner() -> dict[str, Any]:
        labels = theme_labels(datasette)
        out: dict[str, Any] = {"cw_labels": labels, "cw_group_label": group_label}
        if DATABASE not in datasette.databases:
            return out
        db = datasette.get_database(DATABASE)
        if view_name == "index":
            out["cw_front"] = await db.execute_fn(lambda conn: front_page(conn, labels))
            out["cw_dashboard"] = datasette.urls.path(DASHBOARD)
            out["cw_queries"] = (datasette.metadata(database=DATABASE) or {}).get("queries", {})
        elif view_name == "row" and table == "articles" and request is not None:
            pks = request.url_vars.get("pks", "")
            if pks.isdigit():
                page = await db.execute_fn(lambda conn: article_page(conn, int(pks), labels))
                out["cw_article"] = page
        return out

    return inner


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    return [datasette.urls.path(f"/{STATIC_MOUNT}/culturewatch.css")]


@hookimpl
def extra_js_urls(datasette: Any) -> list[str]:
    return [datasette.urls.path(f"/{STATIC_MOUNT}/culturewatch.js")]


@hookimpl
def extra_body_script(datasette: Any) -> str:
    """The theme keys and labels for the script (which offers them for ``theme``)."""
    data = json.dumps(theme_labels(datasette), ensure_ascii=True).replace("</", "<\\/")
    return f"window.culturewatchThemes = {data};"


# --------------------------------------------------------------------------- cells
def _safe_href(url: Any) -> str | None:
    if isinstance(url, str) and urllib.parse.urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def _chips(themes: tuple[str, ...], labels: Mapping[str, str]) -> Markup:
    return Markup("").join(
        Markup('<span class="cw-chip cw-theme-{}" title="{}">{}</span>').format(
            key, labels.get(key, key), key
        )
        for key in themes
    )


def _get(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (IndexError, KeyError, TypeError):
        return None


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if database != DATABASE or table not in (None, "articles"):
        return None
    if column == "themes" and isinstance(value, str) and value.startswith("["):
        return _chips(json_list(value), theme_labels(datasette))
    if column == "source_group" and isinstance(value, str):
        return Markup('<span class="cw-group" title="{}">{}</span>').format(
            value, group_label(value)
        )
    if column == "url" and (href := _safe_href(value)):
        host = urllib.parse.urlsplit(href).netloc
        return Markup('<a class="cw-url" href="{}" title="{}">{} ↗</a>').format(href, href, host)
    if (
        column == "title"
        and isinstance(value, str)
        and (table == "articles" or _get(row, "story_id") is None)
    ):
        article_id = _get(row, "id")
        if not isinstance(article_id, int) or (table is None and _get(row, "url") is None):
            return None
        page = datasette.urls.row(database, "articles", str(article_id))
        link = Markup('<a class="cw-title" href="{}">{}</a>').format(page, value)
        href = _safe_href(_get(row, "url"))
        if href:
            link += Markup(' <a class="cw-out" href="{}" title="the original">↗</a>').format(href)
        return link
    if table == "articles" and column == "text" and isinstance(value, str):
        text = " ".join(value.split())
        cut = text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")
        return Markup('<span class="cw-excerpt">{}</span>').format(cut)
    if table == "articles" and column == "evidence" and isinstance(value, str):
        return _why_cell(value)
    return None


def _why_cell(value: str) -> Markup | None:
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    parts = []
    for theme, items in parsed.items():
        words = [
            str(i.get("matched", [i.get("term")])[0] if i.get("matched") else i.get("term"))
            for i in items or []
            if isinstance(i, dict) and i.get("term") and (i.get("points") or 0) > 0
        ]
        if words:
            parts.append(f"{theme}: {', '.join(words[:4])}")
    return Markup('<span class="cw-why">{}</span>').format("; ".join(parts) or "no evidence")


# --------------------------------------------------------------------------- theme parameters
def _theme_queries(datasette: Any) -> set[str]:
    queries = (datasette.metadata(database=DATABASE) or {}).get("queries") or {}
    return {
        name
        for name, query in queries.items()
        if isinstance(query, dict) and f":{THEME_PARAMETER}" in str(query.get("sql", ""))
    }


def unknown_theme(path: str, query_string: str, datasette: Any) -> tuple[str, str] | None:
    """(the message, the format) when *path* runs a canned query with an unknown theme."""
    labels = theme_labels(datasette)
    prefix = f"/{DATABASE}/"
    if not labels or not path.startswith(prefix):
        return None
    name, _, extension = path[len(prefix) :].partition(".")
    if "/" in name or name not in _theme_queries(datasette):
        return None
    values = urllib.parse.parse_qs(query_string, keep_blank_values=True).get(THEME_PARAMETER)
    theme = (values or [""])[0].strip()
    if not theme or theme in labels:
        return None
    return (
        f"Unknown theme {theme!r} for the query {name}: use one of "
        + ", ".join(f"{key} ({label})" for key, label in labels.items())
        + ", or leave it empty for all themes.",
        extension,
    )


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def refuse_unknown_themes(scope: Any, receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                query = scope.get("query_string", b"").decode("latin-1")
                refused = unknown_theme(scope.get("path", ""), query, datasette)
                if refused is not None:
                    message, extension = refused
                    response = await _refusal(
                        datasette, Request(_page_scope(scope), receive), message, extension
                    )
                    await response.asgi_send(send)
                    return
            await app(scope, receive, send)

        return refuse_unknown_themes

    return wrap


def _page_scope(scope: Any) -> Any:
    """The request's scope as a page needs it: outside Datasette's CSRF middleware (which
    adds ``csrftoken``) the refusal's page has no form to protect."""
    return {**scope, "csrftoken": lambda: ""}


async def _refusal(datasette: Any, request: Any, message: str, extension: str) -> Response:
    if extension == "json":
        body = {"ok": False, "error": message, "status": 400, "title": "Unknown theme"}
        return Response.json(body, status=400)
    if extension:
        return Response.text(message + "\n", status=400)
    page = await datasette.render_template(
        "error.html",
        {"ok": False, "error": message, "status": 400, "title": "Unknown theme"},
        request=request,
    )
    return Response.html(page, status=400)
