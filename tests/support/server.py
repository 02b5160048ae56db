"""The product's loopback site server (:mod:`crawler.demo.server`) with a request log.

``FixtureServer`` is :class:`~crawler.demo.server.SiteServer`, the server of ``culturewatch
demo``, that logs every request it answers (a ``Hit``) for the tests to count and inspect;
``fetch`` is one plain request for tests, ``loopback_alias`` a second loopback address for
a second "site".
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from crawler.demo.server import HTML, Hit, Route, SiteServer

__all__ = ["HTML", "FixtureServer", "Hit", "Response", "Route", "fetch", "loopback_alias"]


class FixtureServer(SiteServer):
    """A :class:`SiteServer` (on 127.0.0.1 and a free port by default) keeping ``self.log``.
    Used as a context manager, it serves for the block."""

    def __init__(
        self, routes: Mapping[str, Route] | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(routes, host, port)
        self.log: list[Hit] = []
        self._lock = threading.Lock()

    def served(self, hit: Hit) -> None:
        self._record(hit)

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
