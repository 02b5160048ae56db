"""Theme parameters of canned queries: an unknown theme key is refused in words.

A canned query with a ``:theme`` parameter (``relevant_by_theme``, ``relevant_feed``, ...)
asked for a key that is not a theme would answer with no rows, silently. This module's
``asgi_wrapper`` refuses such a request (HTTP 400) with the valid keys and their labels:
an HTML error page, JSON for ``.json``, plain text for other formats. The page's list of
keys to pick from is offered by :mod:`storage.web.pages` (``window.culturewatchThemes``).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from storage.web.hooks import hookimpl
from storage.web.names import DATABASE_NAME
from storage.web.pages import theme_labels
from storage.web.refusal import send_refusal

__all__ = ["THEME_PARAMETER", "asgi_wrapper", "unknown_theme"]

THEME_PARAMETER = "theme"


def _theme_queries(datasette: Any) -> set[str]:
    queries = (datasette.metadata(database=DATABASE_NAME) or {}).get("queries") or {}
    return {
        name
        for name, query in queries.items()
        if isinstance(query, dict) and f":{THEME_PARAMETER}" in str(query.get("sql", ""))
    }


def unknown_theme(path: str, query_string: str, datasette: Any) -> tuple[str, str] | None:
    """(the message, the format) when *path* runs a canned query with an unknown theme."""
    labels = theme_labels(datasette)
    prefix = f"/{DATABASE_NAME}/"
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


@hookimpl()
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def refuse_unknown_themes(scope: Any, receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                query = scope.get("query_string", b"").decode("latin-1")
                refused = unknown_theme(scope.get("path", ""), query, datasette)
                if refused is not None:
                    message, extension = refused
                    await send_refusal(
                        datasette, scope, receive, send,
                        status=400, title="Unknown theme", message=message, extension=extension,
                    )  # fmt: skip
                    return
            await app(scope, receive, send)

        return refuse_unknown_themes

    return wrap
