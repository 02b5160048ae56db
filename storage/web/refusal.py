"""A request refused before Datasette runs it, answered in words in the format it asked for.

The ASGI wrappers of :mod:`storage.web` (an unknown theme, a search too large, a body too
large, too many requests) answer with :func:`send_refusal`: an HTML error page (Datasette's
``error.html``), JSON for ``.json`` (``{"ok": false, "error": ..., "status": ...}``, as
Datasette's own errors), plain text for any other extension (and for the answers to a
flood of requests, 413 and 429: no template to render).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from datasette.utils.asgi import Request, Response

__all__ = ["Receive", "Scope", "Send", "extension_of", "send_refusal"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def extension_of(path: str) -> str:
    """The format a path asks for: ``json`` for ``/db/table.json``, "" for a page."""
    last = path.rsplit("/", 1)[-1]
    return last.rpartition(".")[2] if "." in last else ""


def _page_scope(scope: Scope) -> Scope:
    """The request's scope as a page needs it: outside Datasette's CSRF middleware (which
    adds ``csrftoken``) the refusal's page has no form to protect."""
    return {**scope, "csrftoken": lambda: ""}


async def send_refusal(
    datasette: Any,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    status: int,
    title: str,
    message: str,
    extension: str | None = None,
    headers: Mapping[str, str] | None = None,
    page: bool = True,
) -> None:
    """Answer the request of *scope* with *status* and *message* (format: *extension*,
    default the path's) without calling the application. Without *page*, text instead of
    an HTML page (no template to render: the answer to a flood must cost next to nothing)."""
    extension = extension_of(str(scope.get("path", ""))) if extension is None else extension
    if not page and extension != "json":
        extension = "txt"
    if extension == "json":
        body = {"ok": False, "error": message, "status": status, "title": title}
        response = Response.json(body, status=status)
    elif extension:
        response = Response.text(message + "\n", status=status)
    else:
        html = await datasette.render_template(
            "error.html",
            {"ok": False, "error": message, "status": status, "title": title},
            request=Request(_page_scope(scope), receive),
        )
        response = Response.html(html, status=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    await response.asgi_send(send)
