"""A loopback HTTP server thread answering from a table of routes (path -> :class:`Route`).

It answers GET, HEAD and POST from the table, honours ``ETag`` and ``Last-Modified``
validators with a 304, and can redirect or wait before answering a path: what a news site
does, on 127.0.0.1 and without a network. ``culturewatch demo`` serves its synthetic site
with it; the tests serve the same site, and their own pages, with a subclass that logs
every request.
"""

from __future__ import annotations

import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import urlsplit

__all__ = ["HTML", "Hit", "Route", "SiteServer"]

HTML = "text/html; charset=utf-8"


@dataclass
class Route:
    """What the server answers on one path (changes to it take effect at once)."""

    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = HTML
    etag: str | None = None  # with or without the quotes
    last_modified: str | None = None  # an HTTP date: "Tue, 04 Mar 2025 09:00:00 GMT"
    location: str | None = None  # for 3xx
    delay: float = 0  # seconds to wait before answering


class Hit(NamedTuple):
    """One request the server answered (header names lower-cased)."""

    method: str
    path: str  # path with query string, as requested
    headers: dict[str, str]
    status: int
    time: float = 0.0  # time.monotonic() when the request arrived
    body: bytes = b""  # the request's body (a POST)


_NOT_FOUND = Route("not found\n", status=404, content_type="text/plain; charset=utf-8")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: SiteServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's name (socket.getfqdn), which can stall
        # without a network or on an address like 127.0.0.2; loopback needs no name
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):  # not a client that went away
            self.owner.errors.append(repr(exc))  # kept, never printed


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "culturewatch-site/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is dropped after this
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_POST(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        arrived = time.monotonic()
        owner = self.server.owner
        request_headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(request_headers.get("content-length") or 0)
        sent = self.rfile.read(length) if length else b""
        route = owner.answer(self.command, self.path, sent) or _NOT_FOUND
        if route.delay:
            time.sleep(route.delay)
        status = 304 if _not_modified(route, request_headers) else route.status
        body = route.body.encode("utf-8") if isinstance(route.body, str) else route.body
        headers: dict[str, str] = {}
        if status != 304:
            headers["Content-Type"] = route.content_type
            headers["Content-Length"] = str(len(body))
        if route.etag:
            headers["ETag"] = _quote_etag(route.etag)
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location:
            headers["Location"] = route.location
        headers.update(route.headers)
        owner.served(Hit(self.command, self.path, request_headers, status, arrived, sent))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)


def _quote_etag(etag: str) -> str:
    return etag if etag.startswith(('"', 'W/"')) else f'"{etag}"'


def _not_modified(route: Route, headers: Mapping[str, str]) -> bool:
    """A 304 is due: RFC 9110 section 13.2.2 (If-None-Match wins over If-Modified-Since)."""
    if route.status != 200:
        return False
    if "if-none-match" in headers:
        if not route.etag:
            return False
        wanted = {tag.strip().removeprefix("W/") for tag in headers["if-none-match"].split(",")}
        return "*" in wanted or _quote_etag(route.etag).removeprefix("W/") in wanted
    if "if-modified-since" in headers and route.last_modified:
        try:
            return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(
                headers["if-modified-since"]
            )
        except (TypeError, ValueError):
            return False
    return False


class SiteServer:
    """Serve ``self.routes`` on *host* in a daemon thread, from :meth:`start` to :meth:`stop`.

    The socket is bound at construction: ``base_url`` and :meth:`url` work before the
    routes are made, which is how pages can link to each other. *port* 0 takes a free one;
    a *port* that cannot be bound falls back to a free one when *fallback* is true. Routes
    may be added or changed while it runs.
    """

    def __init__(
        self,
        routes: Mapping[str, Route] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        fallback: bool = False,
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.errors: list[str] = []  # unexpected exceptions in request handling
        try:
            self._httpd = _HTTPServer((host, port), _Handler)
        except OSError:
            if not fallback or port == 0:
                raise
            self._httpd = _HTTPServer((host, 0), _Handler)
        self._httpd.owner = self
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    # -- life cycle
    def start(self) -> Self:
        """Start answering (at once, in a daemon thread); a second call does nothing."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"culturewatch-site-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- routes and URLs
    def url(self, path: str) -> str:
        """The absolute URL of *path* on this server (an absolute URL is kept as it is)."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def answer(self, method: str, path_with_query: str, body: bytes) -> Route | None:
        """The route for a request: :meth:`match` on its target (a subclass may read the
        method and the body, e.g. to answer a POST by what it sends); None: a 404."""
        return self.match(path_with_query)

    def match(self, path_with_query: str) -> Route | None:
        """The route for a request target: path and query exactly, else the path alone."""
        route = self.routes.get(path_with_query)
        if route is None:
            route = self.routes.get(urlsplit(path_with_query).path)
        return route

    def served(self, hit: Hit) -> None:
        """Called for each request as it is answered: a subclass may log them."""
