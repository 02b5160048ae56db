"""CSV without the search's match marks: a spreadsheet gets plain snippets.

The ``search`` query marks each match between the private-use characters U+E000 and U+E001
(:data:`storage.search.MARK_START` / ``MARK_END``): the HTML page makes them ``<mark>``,
the JSON keeps them (documented), but in a CSV export they are invisible junk characters in
every spreadsheet cell (issue 29). This ASGI wrapper removes them from the body of every CSV
response (``.csv``, ``_format=csv``), across chunk boundaries, and drops a
``Content-Length`` that no longer holds.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from storage.search import MARK_END, MARK_START
from storage.web.hooks import hookimpl
from storage.web.refusal import Receive, Scope, Send

__all__ = ["asgi_wrapper", "is_csv", "strip_marks"]

_MARKS = (MARK_START.encode(), MARK_END.encode())  # three bytes each in UTF-8
_LEAD = _MARKS[0][:1]


def is_csv(scope: Scope) -> bool:
    """A request for CSV: a ``.csv`` path or ``_format=csv``."""
    path = str(scope.get("path", ""))
    query = bytes(scope.get("query_string", b""))
    return path.endswith(".csv") or b"_format=csv" in query


def strip_marks(data: bytes, tail: bytes = b"") -> tuple[bytes, bytes]:
    """(*tail* + *data* without the marks, the bytes held back): an incomplete mark at the
    end (one or two of its three bytes) waits for the next chunk."""
    data = tail + data
    held = b""
    cut = data.rfind(_LEAD, max(0, len(data) - 2))
    if cut != -1 and any(m.startswith(data[cut:]) for m in _MARKS) and len(data) - cut < 3:
        data, held = data[:cut], data[cut:]
    for mark in _MARKS:
        data = data.replace(mark, b"")
    return data, held


@hookimpl()
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def csv_marks(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") != "http" or not is_csv(scope):
                await app(scope, receive, send)
                return
            tail = b""

            async def send_plain(message: MutableMapping[str, Any]) -> None:
                nonlocal tail
                if message.get("type") == "http.response.start":
                    headers = [
                        (bytes(k), bytes(v))
                        for k, v in message.get("headers") or []
                        if bytes(k).lower() != b"content-length"
                    ]
                    message = {**message, "headers": headers}
                elif message.get("type") == "http.response.body":
                    body, tail = strip_marks(bytes(message.get("body", b"")), tail)
                    if not message.get("more_body", False):
                        body, tail = body + tail, b""
                    message = {**message, "body": body}
                await send(message)

            await app(scope, receive, send_plain)

        return csv_marks

    return wrap
