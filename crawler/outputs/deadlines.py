"""Sockets with a total deadline: a delivery attempt that cannot outlive its budget.

A socket timeout bounds each read, not an answer: a server that drips one byte a second
(a webhook's answer, an SMTP server's ``250-`` lines) holds a plain :mod:`http.client` or
:mod:`smtplib` client for ever. Here every blocking step of an attempt (connecting, the TLS
handshake, each send, each read) waits at most what is left of the attempt's
:class:`Deadline`, in slices of :data:`SLICE` seconds so that a stop request (the
scheduler's SIGTERM) is seen within a slice; the deadline is checked between the reads,
and the bytes read are capped. Nothing runs in another thread: when the deadline passes,
the call in progress raises :class:`DeadlineExceeded` and the socket is closed by its owner.

:func:`connect` opens a :class:`DeadlineSocket`, which :mod:`smtplib` and :mod:`http.client`
use as they would a socket (``sendall``, ``makefile``, ``close``); :class:`DeadlineContext`
wraps an :class:`ssl.SSLContext` so that their TLS upgrade keeps the deadline. What is not
covered: the host name lookup (``getaddrinfo``), which the system resolver bounds.
"""

from __future__ import annotations

import errno
import io
import os
import select
import socket
import ssl
import threading
import time
from typing import Any

__all__ = [
    "SLICE",
    "AnswerTooLarge",
    "Deadline",
    "DeadlineContext",
    "DeadlineExceeded",
    "DeadlineSocket",
    "connect",
]

SLICE = 0.25  # seconds: the longest wait before a stop request or the deadline is seen


class DeadlineExceeded(TimeoutError):
    """The attempt's deadline passed, or the run was asked to stop."""


class AnswerTooLarge(OSError):
    """The server sent more than the attempt may read."""


class Deadline:
    """*seconds* from now (and no later than the monotonic time *until*, when given); a set
    *stop* event ends it at once. :meth:`remaining` raises :class:`DeadlineExceeded` when
    nothing is left."""

    def __init__(
        self,
        seconds: float,
        *,
        until: float | None = None,
        stop: threading.Event | None = None,
    ):
        self.seconds = seconds
        self.started = time.monotonic()
        self.end = self.started + seconds
        self.cut = until is not None and until < self.end  # the job's deadline comes first
        if until is not None:
            self.end = min(self.end, until)
        self.stop = stop
        self.reason = ""  # why it ended, once it has

    @property
    def expired(self) -> bool:
        return bool(self.reason)

    @property
    def ends_run(self) -> bool:
        """It ended because the run is stopping or its own deadline passed (no retry)."""
        return self.expired and (self.cut or (self.stop is not None and self.stop.is_set()))

    def remaining(self) -> float:
        if self.stop is not None and self.stop.is_set():
            self.reason = "stopped: the scheduler is stopping"
        elif time.monotonic() >= self.end:
            self.reason = (
                "the job's deadline passed"
                if self.cut
                else f"no complete answer within {self.seconds:g} s (the attempt's deadline)"
            )
        if self.reason:
            raise DeadlineExceeded(self.reason)
        return self.end - time.monotonic()

    def slice(self) -> float:
        return max(0.001, min(self.remaining(), SLICE))


_IN_PROGRESS = (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN)  # connect_ex: under way


def connect(host: str, port: int, deadline: Deadline, *, limit: int) -> DeadlineSocket:
    """A TCP connection to *host*:*port* within *deadline* (each address in turn)."""
    error: OSError | None = None
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host, port, 0, socket.SOCK_STREAM
    ):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            code = sock.connect_ex(address)
            if code not in (0, *_IN_PROGRESS):
                raise OSError(code, os.strerror(code))  # e.g. ConnectionRefusedError
            while code != 0:
                _r, writable, _x = select.select([], [sock], [], deadline.slice())
                if writable:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if code:
                        raise OSError(code, os.strerror(code))
                    break
            sock.settimeout(deadline.slice())
            return DeadlineSocket(sock, deadline, limit=limit)
        except OSError as exc:
            sock.close()
            if isinstance(exc, DeadlineExceeded):
                raise
            error = exc
    raise error or OSError(f"no address for {host}")


class DeadlineSocket:
    """A connected socket whose sends, reads and TLS handshake keep to *deadline*; at most
    *limit* bytes are read from it in all (:class:`AnswerTooLarge` beyond)."""

    def __init__(self, sock: socket.socket, deadline: Deadline, *, limit: int):
        self.sock = sock
        self.deadline = deadline
        self.limit = limit
        self.received = 0

    def sendall(self, data: Any) -> None:
        view = memoryview(data).cast("B")
        sent = 0
        while sent < len(view):
            self.sock.settimeout(self.deadline.slice())
            try:
                sent += self.sock.send(view[sent : sent + 65536])
            except (TimeoutError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                continue  # the same bytes again, once the deadline allows

    def recv_into(self, buffer: Any) -> int:
        if self.received >= self.limit:
            raise AnswerTooLarge(f"the server sent more than {_size(self.limit)}")
        view = memoryview(buffer).cast("B")
        room = min(len(view), self.limit - self.received)
        while True:
            self.sock.settimeout(self.deadline.slice())
            try:
                count = self.sock.recv_into(view[:room])
            except (TimeoutError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            self.received += count
            return count

    def makefile(self, mode: str = "rb", *_args: Any, **_kwargs: Any) -> io.BufferedReader:
        if "r" not in mode or "w" in mode:
            raise ValueError(f"makefile({mode!r}): only reading is supported")
        return io.BufferedReader(_Reader(self))

    def handshake(self, context: ssl.SSLContext, server_hostname: str | None) -> DeadlineSocket:
        """The TLS handshake on this connection, within the deadline: the TLS socket."""
        self.sock.settimeout(self.deadline.slice())
        tls = context.wrap_socket(
            self.sock, server_hostname=server_hostname, do_handshake_on_connect=False
        )
        while True:
            tls.settimeout(self.deadline.slice())
            try:
                tls.do_handshake()
                break
            except (TimeoutError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except BaseException:
                tls.close()
                raise
        return DeadlineSocket(tls, self.deadline, limit=self.limit - self.received)

    def close(self) -> None:
        self.sock.close()

    def __getattr__(self, name: str) -> Any:  # setsockopt, fileno, getpeername ...
        return getattr(self.sock, name)


class _Reader(io.RawIOBase):
    def __init__(self, owner: DeadlineSocket):
        self.owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self.owner.recv_into(buffer)


class DeadlineContext:
    """An :class:`ssl.SSLContext` whose ``wrap_socket`` (as :mod:`smtplib`'s STARTTLS and
    :mod:`http.client`'s HTTPS call it) does the handshake within the socket's deadline."""

    def __init__(self, context: ssl.SSLContext):
        self.context = context

    def wrap_socket(
        self, sock: Any, server_hostname: str | None = None, **_kwargs: Any
    ) -> DeadlineSocket:
        if not isinstance(sock, DeadlineSocket):
            raise TypeError("DeadlineContext wraps DeadlineSocket connections only")
        return sock.handshake(self.context, server_hostname)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.context, name)


def _size(count: int) -> str:
    return f"{count // 1024} KiB" if count >= 1024 else f"{count} bytes"
