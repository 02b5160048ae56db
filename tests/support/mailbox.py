"""A real SMTP server on loopback (aiosmtpd) that keeps and parses what it receives, and a
webhook receiver that answers POSTs with the statuses it is given (500 first, then 200).

Both are plain Python: ``with Mailbox() as box: ...`` then ``box.messages`` (parsed
:class:`email.message.EmailMessage` objects); ``with WebhookReceiver([500]) as hook: ...``
then ``hook.accepted`` (the JSON bodies answered with a 2xx).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Mailbox", "WebhookReceiver", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Mailbox:
    """aiosmtpd on 127.0.0.1: answers 451 to the first *fail_first* messages, then keeps
    each one. *login* (user, password) requires AUTH; *tls* (a server SSLContext) offers
    STARTTLS and requires it, or with *implicit_tls* speaks TLS from the start."""

    def __init__(
        self,
        *,
        fail_first: int = 0,
        login: tuple[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ):
        self.fail_first = fail_first
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
        time.sleep(owner.delay)
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
    each answer after *delay* seconds."""

    def __init__(self, statuses: list[int] | None = None, *, delay: float = 0):
        self.statuses = list(statuses or [])
        self.delay = delay  # seconds before each answer
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
