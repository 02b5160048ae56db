"""Who may run arbitrary SQL: Datasette's ``execute-sql`` (``?sql=``, the SQL box, ``_where=``).

Arbitrary SQL is what lets a visitor make the server work and allocate at will (a query of
the time limit after another, values of many megabytes), so beyond the person at the machine
it is off by default:

- the person at the machine may run SQL: a request that is local
  (:func:`storage.web.loopback.is_local_request`: from a loopback address, to a loopback host
  name, relayed by no proxy) while ``browse`` listens on loopback only (the ``culturewatch``
  plugin configuration's ``loopback``, set by :func:`storage.web.serve.build_datasette`);
- a signed-in actor may (Datasette's own ``allow_sql`` blocks still apply);
- an anonymous visitor from anywhere else (served with ``--host 0.0.0.0``, or through a
  reverse proxy) may not, unless the ``culturewatch`` plugin configuration says
  ``anonymous_sql: true`` (config/metadata.yml). The canned queries, the tables, their
  filters, facets and search stay open to everyone.

Datasette asks for the permission with the actor only, so this module's ``asgi_wrapper``
notes whether the request under way is local (a context variable) for its
``permission_allowed``. Datasette refuses with a bare "execute-sql"; the wrapper answers an
anonymous request for ``?sql=`` or ``_where=`` (no actor cookie, no ``Authorization``) from
elsewhere itself, with 403 and the reason in words.
"""

from __future__ import annotations

import urllib.parse
from contextvars import ContextVar
from typing import Any

from storage.web.hooks import hookimpl
from storage.web.loopback import is_local_request, scope_headers
from storage.web.names import DATABASE_NAME, PLUGIN
from storage.web.refusal import Receive, Scope, Send, send_refusal

__all__ = ["ACTION", "REFUSAL", "SETTING", "asgi_wrapper", "permission_allowed"]

ACTION = "execute-sql"
SETTING = "anonymous_sql"  # the culturewatch plugin's key: anyone may run arbitrary SQL

REFUSAL = (
    "Arbitrary SQL is for the person at the machine and signed-in analysts: use the tables, "
    "their facets and search, and the canned queries, or sign in. The archive's owner can "
    f"open it to everyone with anonymous_sql: true (config/metadata.yml, plugins: {PLUGIN})."
)

_LOCAL: ContextVar[bool] = ContextVar("culturewatch_local_request", default=False)


def _anonymous_sql(scope: Scope, datasette: Any) -> bool:
    """The request asks for arbitrary SQL (``sql``, ``_where``) of the archive, and carries
    no sign of an actor (Datasette's actor cookie, an ``Authorization`` header)."""
    path = str(scope.get("path", ""))
    database = datasette.urls.path(f"/{DATABASE_NAME}")
    if path != database and not path.startswith((database + "/", database + ".")):
        return False
    query = urllib.parse.parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
    if "sql" not in query and "_where" not in query:
        return False
    headers = scope_headers(scope.get("headers") or ())
    return "ds_actor=" not in headers.get("cookie", "") and not headers.get("authorization")


def served_on_loopback(datasette: Any) -> bool:
    """``browse`` listens on loopback only (the default of a Datasette built here)."""
    return bool((datasette.plugin_config(PLUGIN) or {}).get("loopback", True))


@hookimpl()
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def note_local_requests(scope: Scope, receive: Receive, send: Send) -> None:
            local = scope.get("type") == "http" and is_local_request(scope)
            local = local and served_on_loopback(datasette)
            if (
                scope.get("type") == "http"
                and not local
                and not _open(datasette)
                and _anonymous_sql(scope, datasette)
            ):
                await send_refusal(
                    datasette, scope, receive, send,
                    status=403, title="Arbitrary SQL is off", message=REFUSAL,
                )  # fmt: skip
                return
            token = _LOCAL.set(local)
            try:
                await app(scope, receive, send)
            finally:
                _LOCAL.reset(token)

        return note_local_requests

    return wrap


@hookimpl()
def permission_allowed(datasette: Any, actor: Any, action: str) -> bool | None:
    if action != ACTION:
        return None
    if isinstance(actor, dict) and actor.get("id"):
        return None  # signed in (or the local actor): Datasette's rules
    if _LOCAL.get() or _open(datasette):
        return None
    return False


def _open(datasette: Any) -> bool:
    """Anyone may run arbitrary SQL (``anonymous_sql: true``)."""
    return (datasette.plugin_config(PLUGIN) or {}).get(SETTING) is True
