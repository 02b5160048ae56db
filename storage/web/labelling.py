"""The Datasette plugin that lets an analyst label an article where they read it.

``culturewatch browse`` registers it beside the other modules of :mod:`storage.web`.
Reading is unchanged; writing a label is one POST route, ``/-/culturewatch/label``, which:

- goes through Datasette's permission system: the action :data:`ACTION` is checked with
  ``datasette.permission_allowed``, and this plugin's ``permission_allowed`` hook grants it
  to the *local actor*, or to a signed-in actor matching the plugin's ``label_allow``
  block (Datasette's allow-block syntax; default ``{"id": "*"}``: anyone signed in);
- is protected by Datasette's CSRF protection (asgi-csrf): the form carries
  ``csrftoken()``. asgi-csrf lets a request without cookies through unchecked, so the
  route also refuses a POST without Datasette's CSRF cookie: a page elsewhere cannot post
  a label in a browser that never opened the archive. The cookie is HttpOnly
  (:mod:`storage.web.response_headers`): cookies ignore ports, so a page served on another
  port of 127.0.0.1 is sent it, but its scripts cannot read the token to put it in a form;
- for the local actor, also refuses a POST whose ``Origin`` (else ``Referer``) is not this
  server's own scheme, host and port (``null`` included): a page on another port of this
  machine is another origin even where cookies see one site. The archive's pages are
  served with ``Referrer-Policy: same-origin``, under which a browser names their origin
  (under Datasette's ``no-referrer`` it sends ``null``); a client that sends neither header,
  not a browser, relies on the token alone.

The local actor is the person at the machine: a request from a loopback address, to a
loopback host name (:func:`storage.web.loopback.is_loopback`, the rule ``browse`` applies to
the host it listens on: ``localhost`` or a loopback address; a page whose DNS name was
re-pointed at 127.0.0.1 does not qualify), while the server listens on loopback only
(``local_writes``, set by :func:`storage.web.serve.build_datasette`). Its id is the user
running ``browse``. Served beyond loopback there is no local actor: labels need a
signed-in actor, e.g. an account of datasette-auth-passwords (config/metadata.yml says how;
README, Labelling and evaluation).

The buttons are the template partial ``templates/_label_form.html``; the variable it reads,
``culturewatch_label``, comes from :func:`extra_template_vars` on an article's page.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from typing import Any

from datasette.utils import actor_matches_allow
from datasette.utils.asgi import Forbidden, NotFound, Response

from storage.labels import add_label
from storage.web.hooks import hookimpl
from storage.web.loopback import is_local
from storage.web.names import DATABASE_NAME

__all__ = ["ACTION", "LOCAL_KEY", "PLUGIN", "ROUTE", "check_write"]

PLUGIN = "culturewatch-labelling"  # the plugin's configuration in Datasette's metadata
ACTION = "culturewatch-label"  # the permission to write a label
ROUTE = "/-/culturewatch/label"
LOCAL_KEY = "culturewatch_local"  # marks the local actor
NOTE_CHARS = 1000


def _config(datasette: Any) -> dict[str, Any]:
    return datasette.plugin_config(PLUGIN) or {}


@hookimpl()
def actor_from_request(datasette: Any, request: Any) -> dict[str, Any] | None:
    config = _config(datasette)
    if not config.get("local_writes"):
        return None
    client = request.scope.get("client") or ("", 0)
    if not is_local(str(client[0]), request.headers):  # relayed by a proxy: not local
        return None
    return {"id": str(config.get("local_user") or "local"), LOCAL_KEY: True}


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of *url*; None when it has none (``null``, garbage)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def _from_elsewhere(request: Any) -> str | None:
    """The origin a browser says the POST came from (``Origin``, else ``Referer``), when it
    is not this server's own (scheme, host and port of the request's ``Host``); None when it
    is, or when the request names none."""
    said = request.headers.get("origin") or request.headers.get("referer")
    if said is None:
        return None
    scheme = str(request.scope.get("scheme") or "http")
    own = _origin(f"{scheme}://{request.headers.get('host', '')}/")
    return None if own is not None and _origin(said) == own else str(said)


@hookimpl()
def permission_allowed(datasette: Any, actor: Any, action: str, resource: Any) -> bool | None:
    if action != ACTION:
        return None
    if not isinstance(actor, dict) or not actor.get("id"):
        return False
    if actor.get(LOCAL_KEY):
        return bool(_config(datasette).get("local_writes"))
    return bool(actor_matches_allow(actor, _config(datasette).get("label_allow", {"id": "*"})))


async def check_write(request: Any, datasette: Any, what: str) -> None:
    """Raise Forbidden unless *request* may write *what* (labels, saved alerts, mutes): the
    CSRF cookie (and no bearer token), the permission :data:`ACTION`, and for the local
    actor this server's own origin."""
    if "ds_csrftoken" not in request.cookies or request.headers.get("authorization", "").startswith(
        "Bearer "
    ):
        raise Forbidden(f"{what} are written from the archive's pages (CSRF token missing)")
    if not await datasette.permission_allowed(request.actor, ACTION, default=False):
        raise Forbidden(f"you may not write {what} here: sign in first (README, Labelling)")
    elsewhere = _from_elsewhere(request) if request.actor.get(LOCAL_KEY) else None
    if elsewhere is not None:
        raise Forbidden(f"{what} are written from this archive's own pages, not {elsewhere}")


@hookimpl()
def register_routes() -> list[tuple[str, Any]]:
    return [(f"^{ROUTE}$", label_view)]


async def label_view(request: Any, datasette: Any) -> Response:
    """POST ``article_id``, ``label`` (1 or 0), optional ``theme`` and ``note``."""
    if request.method != "POST":
        return Response.text("POST a label here from an article's page", status=405)
    await check_write(request, datasette, "labels")
    form = await request.post_vars()
    article = str(form.get("article_id") or "")
    label = str(form.get("label") or "")
    theme = str(form.get("theme") or "").strip() or None
    note = " ".join(str(form.get("note") or "").split())[:NOTE_CHARS] or None
    themes = _config(datasette).get("themes") or {}
    if not article.isdigit() or label not in ("0", "1") or (theme and theme not in themes):
        return Response.text("expected article_id, label 0 or 1 and a known theme", status=400)
    who = str(request.actor["id"])

    def write(conn: sqlite3.Connection) -> int | None:
        with conn:
            if not conn.execute("select 1 from articles where id = ?", [int(article)]).fetchone():
                return None
            return add_label(
                conn, int(article), int(label), labelled_by=who, theme=theme, note=note
            )

    db = datasette.get_database(DATABASE_NAME)
    if await db.execute_write_fn(write, block=True) is None:
        raise NotFound(f"no article {article}")
    what = "relevant" if label == "1" else "not relevant"
    about = f" for {themes.get(theme, theme)}" if theme else ""
    datasette.add_message(request, f"Labelled {what}{about}, by {who}.", datasette.INFO)
    return Response.redirect(datasette.urls.row(DATABASE_NAME, "articles", article) + "#label")


@hookimpl()
def extra_template_vars(
    template: str, database: str, table: str, view_name: str, request: Any, datasette: Any
) -> Any:
    if view_name != "row" or table != "articles" or database != DATABASE_NAME:
        return None
    pks = str((request.url_vars or {}).get("pks") or "")
    if not pks.isdigit():
        return None

    async def inner() -> dict[str, Any]:
        allowed = await datasette.permission_allowed(request.actor, ACTION, default=False)
        result = await datasette.get_database(database).execute(
            "select label, theme, note, labelled_by, labelled_at from current_labels "
            "where article_id = ? order by labelled_at desc, id desc",
            [int(pks)],
        )
        themes = _config(datasette).get("themes") or {}
        return {
            "culturewatch_label": {
                "article_id": int(pks),
                "action": datasette.urls.path(ROUTE),
                "can_label": allowed,
                "themes": list(themes.items()),
                "labels": [dict(row) for row in result.rows],
                "theme_labels": themes,
                "login": datasette.urls.path("/-/login"),
            }
        }

    return inner
