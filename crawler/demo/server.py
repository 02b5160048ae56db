"""A loopback HTTP server thread answering GET and HEAD from a table of fixed pages."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import urlsplit

__all__ = ["Page", "SiteServer"]


class Page(NamedTuple):
    """One answer: the body and its content type."""

    body: bytes
    content_type: str


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    pages: Mapping[str, Page] = {}

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's name (socket.getfqdn), which can stall
        # without a network; loopback needs no name
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away: nothing to report, the library does not print


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "culturewatch-demo/1.0"
    sys_version = ""
    timeout = 30
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        page = self.server.pages.get(urlsplit(self.path).path)
        status = 200 if page else 404
        if page is None:
            page = Page(b"not found\n", "text/plain; charset=utf-8")
        self.send_response(status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if not head:
            self.wfile.write(page.body)


class SiteServer:
    """Serve *pages* (path -> :class:`Page`) on *host* in a daemon thread.

    The socket is bound at construction: ``base_url`` is known before the pages are made,
    which is how they can link to each other. *port* 0 takes a free one; a *port* that
    cannot be bound falls back to a free one when *fallback* is true.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, fallback: bool = True) -> None:
        try:
            self._httpd = _HTTPServer((host, port), _Handler)
        except OSError:
            if not fallback or port == 0:
                raise
            self._httpd = _HTTPServer((host, 0), _Handler)
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    def serve(self, pages: Mapping[str, Page]) -> SiteServer:
        """Start answering with *pages* (at once, in a daemon thread)."""
        self._httpd.pages = dict(pages)
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"culturewatch-demo-site-{self.port}",
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

    def __enter__(self) -> SiteServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
