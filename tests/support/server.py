"""A threading HTTP server on a loopback address that answers from a route table.

``FixtureServer`` logs every request it receives (``Hit``), honours ``ETag`` and
``Last-Modified`` validators with a 304, and can delay an answer; ``fetch`` is one plain
request for tests, ``loopback_alias`` a second loopback address for a second "site".
"""

from __future__ import annotations

import http.client
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import urlsplit

__all__ = ["HTML", "FixtureServer", "Hit", "Response", "Route", "fetch", "loopback_alias"]

HTML = "text/html; charset=utf-8"


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = HTML
    etag: str | None = None  # with or without the quotes
    last_modified: str | None = None  # an HTTP date: "Tue, 04 Mar 2025 09:00:00 GMT"
    location: str | None = None  # for 3xx
    delay: float = 0  # seconds to wait before answering


class Hit(NamedTuple):
    """One request the server received (header names lower-cased)."""

    method: str
    path: str  # path with query string, as requested
    headers: dict[str, str]
    status: int
    time: float = 0.0  # time.monotonic() when the request arrived
    body: bytes = b""  # the request's body (a POST)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: FixtureServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (socket.getfqdn), which can
        # stall on an address like 127.0.0.2; the name is not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            self.owner.errors.append(repr(exc))  # kept, never printed


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "culturewatch-fixture/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is dropped after this
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

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
        route = owner.answer(self.command, self.path, sent)
        if route is None:
            route = Route("not found\n", status=404, content_type="text/plain; charset=utf-8")
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
        owner._record(Hit(self.command, self.path, request_headers, status, arrived, sent))
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


class FixtureServer:
    """A threading HTTP server on a loopback address serving ``self.routes``.

    The socket is bound at construction, so ``base_url`` and ``url()`` work before
    ``start()``. Routes may be added or changed while it runs.
    """

    def __init__(
        self, routes: Mapping[str, Route] | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.log: list[Hit] = []
        self.errors: list[str] = []  # unexpected exceptions in request handling
        self._lock = threading.Lock()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.owner = self
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    # -- life cycle
    def start(self) -> FixtureServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"fixture-server-{self.port}",
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

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- routes and URLs
    def url(self, path: str) -> str:
        """The absolute URL of *path* on this server."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def answer(self, method: str, path_with_query: str, body: bytes) -> Route | None:
        """The route for a request: :meth:`match` on its target (a subclass may read the
        method and the body, e.g. to answer a POST by what it sends)."""
        return self.match(path_with_query)

    def match(self, path_with_query: str) -> Route | None:
        """The route for a request target: path and query exactly, else the path alone."""
        route = self.routes.get(path_with_query)
        if route is None:
            route = self.routes.get(urlsplit(path_with_query).path)
        return route

    # -- request log
    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.log.append(hit)

    def requests(
        self, match: str | Callable[[Hit], bool] | None = None, *, method: str | None = None
    ) -> list[Hit]:
        """Logged requests whose path starts with *match* (a path or an absolute URL on
        this server) or for which *match(hit)* is true; optionally of one *method*."""
        with self._lock:
            hits = list(self.log)
        if isinstance(match, str):
            prefix = match.removeprefix(self.base_url) or "/"
            hits = [h for h in hits if h.path.startswith(prefix)]
        elif match is not None:
            hits = [h for h in hits if match(h)]
        if method:
            hits = [h for h in hits if h.method == method.upper()]
        return hits

    def hits(
        self, match: str | Callable[[Hit], bool] | None = None, *, method: str | None = None
    ) -> int:
        """How many requests :meth:`requests` would return."""
        return len(self.requests(match, method=method))

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()


class Response(NamedTuple):
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes


def fetch(
    url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None, timeout: float = 10
) -> Response:
    """One plain request (no redirect following, no decompression), for tests."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn.request(method, target, headers=dict(headers or {}))
        resp = conn.getresponse()
        body = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def loopback_alias() -> str:
    """A second loopback address for a second "site": 127.0.0.2 when it can be bound
    here (Linux routes all of 127/8 to lo), else 127.0.0.1 (a second port then)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.2", 0))
        return "127.0.0.2"
    except OSError:
        return "127.0.0.1"
