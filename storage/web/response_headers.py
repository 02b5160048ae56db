"""The headers of every response: cookies HttpOnly, the referrer policy ``same-origin``.

**Cookies.** Datasette's CSRF token cookie (``ds_csrftoken``, set by asgi-csrf), the
signed-in actor (``ds_actor``, set by datasette-auth-passwords) and the messages
(``ds_messages``) are sent without HttpOnly. Cookies ignore ports: a page served on another
port of 127.0.0.1 is on the same site, so its scripts could read the CSRF token in
``document.cookie`` and post a label with it as the local user (issue 27, finding 5), or
read the actor cookie. No page of the archive reads a cookie in a script (Datasette's
forms, the label form and the sign-in form put the token in the page with the template's
``csrftoken()``), so every ``Set-Cookie`` gets ``HttpOnly``.

**Referrer policy.** Datasette sends ``Referrer-Policy: no-referrer`` with its pages, so that
a link out (an article's original) does not tell the other site the archive's address; but
under it a browser sends ``Origin: null`` with a form posted from the archive's own page,
which is what a page elsewhere can send too, and the labelling plugin refuses a label whose
``Origin`` is not the archive's own (:mod:`storage.web.labelling`). ``same-origin`` keeps the
first (no referrer to another origin) and lets the browser name the archive's own origin.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from storage.web.hooks import hookimpl
from storage.web.refusal import Receive, Scope, Send

__all__ = ["REFERRER_POLICY", "asgi_wrapper", "http_only"]

REFERRER_POLICY = b"same-origin"


def http_only(cookie: bytes) -> bytes:
    """A ``Set-Cookie`` value with the ``HttpOnly`` attribute."""
    attributes = [part.strip().lower() for part in cookie.split(b";")[1:]]
    return cookie if b"httponly" in attributes else cookie + b"; HttpOnly"


def _headers(message: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    headers: list[tuple[bytes, bytes]] = []
    for raw_name, raw_value in message.get("headers") or []:
        name, value = bytes(raw_name), bytes(raw_value)
        if name.lower() == b"referrer-policy":
            continue
        headers.append((name, http_only(value) if name.lower() == b"set-cookie" else value))
    headers.append((b"referrer-policy", REFERRER_POLICY))
    return {**message, "headers": headers}


@hookimpl()
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def response_headers(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(message: MutableMapping[str, Any]) -> None:
                if message.get("type") == "http.response.start":
                    message = _headers(message)
                await send(message)

            await app(scope, receive, send_with_headers)

        return response_headers

    return wrap
