"""Saved searches, alerts and mutes from the pages: ``/-/culturewatch/alerts`` and ``/mutes``.

- ``POST /-/culturewatch/alerts``: save the search ``query`` as the alert ``name`` with a
  ``frequency`` (after_crawl, daily, weekly) to an ``email`` address and/or a ``webhook``
  URL (:func:`storage.saved_alerts.save_alert`); ``culturewatch alerts run`` runs it beside
  the alerts of ``alerts.toml``.
- ``POST /-/culturewatch/mutes``: ``action`` mute or unmute, ``kind`` source or term, ``value``.
- ``GET /-/culturewatch/mutes``: the saved alerts and the mutes, with the forms.

Every write is guarded exactly as a label is (:func:`storage.web.labelling.check_write`):
the person at the machine or a signed-in analyst, the CSRF token, this server's own origin.
The forms are ``templates/_search_actions.html`` (under a search) and ``cw_mutes.html``.
The ``saved_alerts`` table is shown only to those who may write (its e-mail addresses and
webhook URLs are not for every visitor), and so are the page's list of them and what the
alerts sent to whom (``alert_sends``, ``alert_items``, the query ``alert_deliveries``:
:data:`PRIVATE`); the page shows a webhook as "a webhook".
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from email.utils import parseaddr
from typing import Any

from datasette.utils.asgi import Response

from storage.concepts import ConceptQueryError, concept_query
from storage.saved_alerts import (
    FREQUENCIES,
    MUTE_KINDS,
    add_mute,
    load_mutes,
    remove_mute,
    save_alert,
    saved_alerts,
)
from storage.search_query import SearchTooLarge, check_search_length
from storage.web.hooks import hookimpl
from storage.web.labelling import ACTION, check_write
from storage.web.names import DATABASE_NAME
from storage.web.sql_functions import concepts_of

__all__ = ["ALERTS", "MUTES", "PRIVATE", "register_routes"]

ALERTS = "/-/culturewatch/alerts"
MUTES = "/-/culturewatch/mutes"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # as alerts.toml's names


# what holds the alerts' e-mail addresses and webhooks: the saved alerts, and the record of
# what was sent to whom (alert_sends.target is email:ADDRESS) with its canned query
PRIVATE = {
    "view-table": ("saved_alerts", "alert_sends", "alert_items"),
    "view-query": ("alert_deliveries",),
}


@hookimpl()
def permission_allowed(datasette: Any, actor: Any, action: str, resource: Any) -> Any:
    """The ``saved_alerts`` table (e-mail addresses; a webhook's URL is often its own secret),
    and what the alerts sent to whom, only for those who may write alerts; the mutes stay
    readable."""
    if not (
        isinstance(resource, tuple)
        and len(resource) == 2
        and resource[0] == DATABASE_NAME
        and resource[1] in PRIVATE.get(action, ())
    ):
        return None

    async def inner() -> bool | None:
        return None if await datasette.permission_allowed(actor, ACTION, default=False) else False

    return inner


@hookimpl()
def extra_template_vars(database: str | None, request: Any, datasette: Any) -> Any:
    """``cw_may_write``: the search's alert and mute forms (``_search_actions.html``) are
    for those who may save them; others get a link to log in."""
    if database != DATABASE_NAME or request is None or not request.args.get("q"):
        return {}

    async def inner() -> dict[str, Any]:
        may = await datasette.permission_allowed(request.actor, ACTION, default=False)
        return {"cw_may_write": may, "cw_login": datasette.urls.path("/-/login")}

    return inner


@hookimpl()
def register_routes() -> list[tuple[str, Any]]:
    return [(f"^{ALERTS}$", alerts_view), (f"^{MUTES}$", mutes_view)]


def _bad(message: str) -> Response:
    return Response.text(message, status=400)


async def alerts_view(request: Any, datasette: Any) -> Response:
    if request.method != "POST":
        return Response.redirect(datasette.urls.path(MUTES))
    await check_write(request, datasette, "alerts")
    form = await request.post_vars()
    name = str(form.get("name") or "").strip()
    query = " ".join(str(form.get("query") or "").split())
    frequency = str(form.get("frequency") or "")
    email = str(form.get("email") or "").strip() or None
    webhook = str(form.get("webhook") or "").strip() or None
    if not _NAME.match(name):
        return _bad("an alert's name is letters, digits, '-', '_' or '.' (at most 64)")
    if frequency not in FREQUENCIES:
        return _bad(f"frequency is one of {', '.join(FREQUENCIES)}")
    try:
        check_search_length(query)
        concept_query(query, concepts_of(datasette), strict=True)
    except (SearchTooLarge, ConceptQueryError) as exc:
        return _bad(f"the search {query!r} cannot be saved: {exc}")
    if not query:
        return _bad("the search is empty")
    if email is not None and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", parseaddr(email)[1]):
        return _bad(f"{email!r} is not an e-mail address")
    if webhook is not None and urllib.parse.urlsplit(webhook).scheme not in ("http", "https"):
        return _bad("the webhook is an http:// or https:// URL")
    if email is None and webhook is None:
        return _bad("an alert needs an e-mail address or a webhook")
    who = str(request.actor["id"])

    def write(conn: sqlite3.Connection) -> None:
        with conn:
            save_alert(conn, name, query, frequency, email=email, webhook=webhook, by=who)

    await datasette.get_database(DATABASE_NAME).execute_write_fn(write, block=True)
    datasette.add_message(request, f"Alert {name!r} saved: {query!r}, {frequency}.", datasette.INFO)
    return Response.redirect(datasette.urls.path(MUTES))


async def mutes_view(request: Any, datasette: Any) -> Response:
    db = datasette.get_database(DATABASE_NAME)
    if request.method == "POST":
        await check_write(request, datasette, "mutes")
        form = await request.post_vars()
        action, kind = str(form.get("action") or ""), str(form.get("kind") or "")
        value = " ".join(str(form.get("value") or "").split())
        if action not in ("mute", "unmute") or kind not in MUTE_KINDS or not value:
            return _bad("expected action mute or unmute, kind source or term, and a value")
        who = str(request.actor["id"])

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                if action == "mute":
                    add_mute(conn, kind, value, by=who)
                else:
                    remove_mute(conn, kind, value)

        await db.execute_write_fn(write, block=True)
        done = "Muted" if action == "mute" else "Unmuted"
        datasette.add_message(request, f"{done} the {kind} {value!r}.", datasette.INFO)
        return Response.redirect(datasette.urls.path(MUTES))

    # the saved alerts' addresses and webhooks only for those who may write (as the table)
    can = await datasette.permission_allowed(request.actor, ACTION, default=False)

    def read(conn: sqlite3.Connection) -> dict[str, Any]:
        sources = [r[0] for r in conn.execute("select name from sources order by name")]
        alerts = saved_alerts(conn) if can else []
        return {"alerts": alerts, "mutes": load_mutes(conn), "sources": sources}

    data = await db.execute_fn(read)
    return Response.html(
        await datasette.render_template(
            "cw_mutes.html",
            {**data, "can_write": can, "alerts_action": datasette.urls.path(ALERTS),
             "mutes_action": datasette.urls.path(MUTES), "login": datasette.urls.path("/-/login")},
            request=request,
        )
    )  # fmt: skip
