"""A real SMTP server on loopback (aiosmtpd) that keeps and parses what it receives, a
webhook receiver that answers POSTs with the statuses it is given (500 first, then 200),
and :class:`Dripping`, a server that answers too slowly or too much.

All are plain Python: ``with Mailbox() as box: ...`` then ``box.messages`` (parsed
:class:`email.message.EmailMessage` objects); ``with WebhookReceiver([500]) as hook: ...``
then ``hook.accepted`` (the JSON bodies answered with a 2xx); ``with Dripping("smtp") as
srv: ...`` then ``srv.port``.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import ssl
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Dripping", "Mailbox", "WebhookReceiver", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Mailbox:
    """aiosmtpd on 127.0.0.1: answers 451 to the first *fail_first* messages, then keeps
    each one. *login* (user, password) requires AUTH; *tls* (a server SSLContext) offers
    STARTTLS and requires it, or with *implicit_tls* speaks TLS from the start.

    The first *drop_first* messages it keeps are never answered: the connection is closed
    before the final 250 (the sender cannot know it arrived); the first *slow_first* ones
    are answered 250 after *slow* seconds."""

    def __init__(
        self,
        *,
        fail_first: int = 0,
        login: tuple[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        drop_first: int = 0,
        slow_first: int = 0,
        slow: float = 0,
    ):
        self.fail_first = fail_first
        self.drop_first = drop_first
        self.slow_first = slow_first
        self.slow = slow
        self.login = login
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.attempts = 0
        self.logins: list[str] = []
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.attempts += 1
        if self.attempts <= self.fail_first:
            return "451 4.3.0 Mailbox busy, try again later"
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.messages.append(message)  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        kept = len(self.messages)
        if kept <= self.drop_first:  # received, and the connection lost before the 250
            server.transport.abort()
            return "250 OK"
        if kept <= self.slow_first:
            await asyncio.sleep(self.slow)
        return "250 OK"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        from aiosmtpd.smtp import AuthResult

        user = data.login.decode() if isinstance(data.login, bytes) else str(data.login)
        password = data.password.decode() if isinstance(data.password, bytes) else data.password
        ok = self.login is not None and (user, password) == self.login
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok, handled=False)

    def __enter__(self) -> Mailbox:
        from aiosmtpd.controller import Controller

        server_kwargs: dict[str, Any] = {}
        if self.login:
            server_kwargs.update(
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=self.tls is not None and not self.implicit_tls,
            )
        if self.tls is not None and not self.implicit_tls:
            server_kwargs.update(tls_context=self.tls, require_starttls=True)
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=self.tls if self.implicit_tls else None,
            server_hostname="localhost" if self.implicit_tls else None,
            **server_kwargs,
        )
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class _Hook(BaseHTTPRequestHandler):
    server: _HookServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with owner.lock:
            delay = owner.delays.pop(0) if owner.delays else owner.delay
        time.sleep(delay)
        if owner.on_post is not None:
            owner.on_post()
        with owner.lock:
            status = owner.statuses.pop(0) if owner.statuses else 200
            owner.requests.append((status, {k.lower(): v for k, v in self.headers.items()}, body))
            if 200 <= status < 300:
                owner.accepted.append(json.loads(body))
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class _HookServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: WebhookReceiver


class WebhookReceiver:
    """POST receiver on 127.0.0.1 answering *statuses* in order, then 200 to everything,
    the first answers after *delays* seconds (in order), the others after *delay*. A request
    counts as received (``requests``, ``accepted``) once answered, even when the client
    gave up waiting."""

    def __init__(
        self,
        statuses: list[int] | None = None,
        *,
        delay: float = 0,
        delays: list[float] | None = None,
    ):
        self.statuses = list(statuses or [])
        self.delay = delay  # seconds before each answer
        self.delays = list(delays or [])
        self.on_post: Any = None  # called with each request, before it is answered
        self.requests: list[tuple[int, dict[str, str], bytes]] = []
        self.accepted: list[Any] = []
        self.lock = threading.Lock()
        self._server = _HookServer(("127.0.0.1", 0), _Hook)
        self._server.owner = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class Dripping:
    """A server on 127.0.0.1 that answers too slowly or too much, as *kind* says:

    ``http``  reads an HTTP request (headers and body), then drips its answer's status line,
              a byte every *interval* seconds
    ``smtp``  greets, reads EHLO, then answers with ``250-`` lines, one every *interval*
              seconds, never the last one
    ``huge``  reads an HTTP request, then answers ``200`` with a body of *size* bytes, sent
              as fast as the client takes them

    Each connection is served for at most *limit* seconds, and none once the ``with`` block
    is left. ``requests`` holds the HTTP requests read: (headers, lower-cased, and body);
    ``sent`` the bytes of answers sent in all; ``durations`` how long each connection of
    ``http`` and ``smtp`` lasted, from its accept to the client closing it (or the server
    giving up after *limit*): what the client waited, whatever else slowed it down."""

    def __init__(self, kind: str, *, interval: float = 0.2, size: int = 0, limit: float = 60):
        if kind not in ("http", "smtp", "huge"):
            raise ValueError(kind)
        self.kind = kind
        self.interval = interval
        self.size = size
        self.limit = limit
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.connections = 0
        self.sent = 0
        self.durations: list[float] = []
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Dripping:
        self._threads.append(threading.Thread(target=self._accept, daemon=True))
        self._threads[0].start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:  # the 0.1 s timeout: look at the stop flag again
                continue
            with self.lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        accepted = time.monotonic()
        until = accepted + self.limit
        conn.settimeout(min(self.limit, 10))
        try:
            with conn:
                if self.kind == "smtp":
                    self._send(conn, b"220 127.0.0.1 ESMTP dripping\r\n")
                    conn.recv(1024)  # EHLO
                    while self._pause(conn, until):
                        self._send(conn, b"250-DRIPPING\r\n")
                    return
                self._read_request(conn)
                if self.kind == "http":
                    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                    for byte in answer:
                        if not self._pause(conn, until):
                            return
                        self._send(conn, bytes([byte]))
                    return
                self._send(conn, f"HTTP/1.1 200 OK\r\nContent-Length: {self.size}\r\n\r\n".encode())
                chunk, left = b"x" * (1 << 20), self.size
                while left > 0 and time.monotonic() < until and not self._stop.is_set():
                    self._send(conn, chunk[:left])
                    left -= min(left, len(chunk))
        except OSError:  # the client gave up: what this server is for
            pass
        finally:
            if self.kind != "huge":
                with self.lock:
                    self.durations.append(time.monotonic() - accepted)

    def _pause(self, conn: socket.socket, until: float) -> bool:
        """Wait *interval* seconds: False when the client closed the connection meanwhile,
        the *until* time passed or the server stops."""
        end = min(until, time.monotonic() + self.interval)
        while not self._stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return end < until
            readable, _, _ = select.select([conn], [], [], min(left, 0.05))
            if readable and not conn.recv(65536):  # b"": the client closed it
                return False
        return False

    def _send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        with self.lock:
            self.sent += len(data)

    def _read_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            more = conn.recv(65536)
            if not more:
                raise ConnectionResetError("the client closed the connection")
            data += more
        head, _, body = data.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        while len(body) < int(headers.get("content-length") or 0):
            more = conn.recv(65536)
            if not more:
                break
            body += more
        with self.lock:
            self.requests.append((headers, body))
