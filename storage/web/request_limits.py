"""What one client may ask of the server: request bodies, sign-ins, server time, requests at once.

Datasette has no such limits and no Datasette plugin adds them (pip finds no
datasette-ratelimit, datasette-rate-limit or datasette-throttle; datasette-auth-passwords
does not throttle sign-ins), so this module's ``asgi_wrapper``, outside Datasette (before
asgi-csrf reads a form's body, before a password is hashed), keeps them, per client address
(as uvicorn gives it: behind a proxy on this machine, the address the proxy forwards), in
memory:

- **request body**: a body over ``request_body_bytes`` (default 1 MiB) is refused with 413,
  without reading it when ``Content-Length`` says so, else as soon as that much has arrived
  (asgi-csrf reads a whole form into memory, quadratically: 300 MB cost 1.29 GiB);
- **sign-in**: a sign-in attempt (``POST /-/login``, ``POST /-/password-tool``, any request
  with an ``Authorization: Basic`` header: datasette-auth-passwords checks one on every
  request) at most ``sign_ins_per_minute`` times a minute per client (default 10: half of
  them at once, then one every 6 seconds) and three times that from all clients together
  (``sign_ins_per_minute`` of them at once), else 429 with ``Retry-After``. Each attempt
  hashes a password (PBKDF2, 0.4 s) in the server's event loop, which holds up every other
  request meanwhile;
- **server time**: a client's requests may keep the server busy ``busy_seconds_per_minute``
  seconds a minute (default 10: a token bucket of seconds, half of them at once, each
  request charged its duration once it is over), else 429 with ``Retry-After``;
- **requests at once**: at most ``requests_at_once`` requests of a client run together
  (default 2, so one client cannot hold all of Datasette's SQL threads); more wait their
  turn (16 at most, 30 seconds at most), else 429.

The person at the machine (:func:`storage.web.loopback.is_local_request` while ``browse``
listens on loopback) is held to the body and sign-in limits only; static files to the body
limit only. The numbers are the ``limits`` of the ``culturewatch`` plugin configuration
(config/metadata.yml); :func:`limits_of` reads them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, fields
from typing import Any

from storage.web.arbitrary_sql import served_on_loopback
from storage.web.hooks import hookimpl
from storage.web.loopback import is_local_request, scope_headers
from storage.web.names import PLUGIN
from storage.web.pages import STATIC_MOUNT
from storage.web.refusal import Receive, Scope, Send, send_refusal

__all__ = ["LIMITS_KEY", "Gates", "Limits", "TokenBuckets", "asgi_wrapper", "limits_of"]

LIMITS_KEY = "limits"  # in the culturewatch plugin configuration
WAITING = 16  # requests of one client waiting their turn, at most
PATIENCE = 30.0  # seconds a request waits for its turn, at most
CLIENTS = 10_000  # clients remembered, at most (the idle ones are forgotten first)
ALL_CLIENTS = "*"  # the bucket of all clients together


@dataclass(frozen=True)
class Limits:
    """The limits on one client (see the module)."""

    request_body_bytes: int = 1024 * 1024
    sign_ins_per_minute: int = 10
    busy_seconds_per_minute: float = 10.0
    requests_at_once: int = 2


def limits_of(config: Mapping[str, Any] | None) -> Limits:
    """The :class:`Limits` of the culturewatch plugin configuration *config* (its ``limits``
    mapping; defaults for the keys it omits). Raises ValueError naming a bad key."""
    given = (config or {}).get(LIMITS_KEY) or {}
    if not isinstance(given, Mapping):
        raise ValueError(f"{LIMITS_KEY}: expected a mapping of limits")
    known = {f.name: f for f in fields(Limits)}
    values: dict[str, Any] = {}
    for key, value in given.items():
        if key not in known:
            raise ValueError(f"{LIMITS_KEY}: unknown limit {key!r} (one of: {', '.join(known)})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"{LIMITS_KEY}: {key}: expected a positive number, got {value!r}")
        values[key] = float(value) if known[key].type == "float" else int(value)
    return Limits(**values)


class TokenBuckets:
    """A token bucket per client: *capacity* tokens, refilled at *per_minute* a minute. A
    client may go ahead when its bucket holds what it asks for (:meth:`wait`); what it
    spends may take the level below zero (a request is charged its duration once over)."""

    def __init__(self, capacity: float, per_minute: float, clients: int = CLIENTS) -> None:
        self.capacity = float(capacity)
        self.rate = per_minute / 60
        self.clients = clients
        self._levels: dict[str, tuple[float, float]] = {}  # client -> (level, when)

    def level(self, client: str, now: float) -> float:
        level, when = self._levels.get(client, (self.capacity, now))
        return min(self.capacity, level + (now - when) * self.rate)

    def wait(self, client: str, amount: float = 0.0, now: float | None = None) -> float:
        """Seconds until *client*'s bucket holds *amount* tokens (with 0: more than none);
        0 when it does now."""
        now = time.monotonic() if now is None else now
        need = max(amount, 1e-6)
        level = self.level(client, now)
        return 0.0 if level >= need else (need - level) / self.rate

    def spend(self, client: str, amount: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if client not in self._levels and len(self._levels) >= self.clients:
            self._forget(now)
        self._levels[client] = (self.level(client, now) - amount, now)

    def _forget(self, now: float) -> None:
        """Drop the clients whose bucket is full again, else the older half."""
        full = [c for c in self._levels if self.level(c, now) >= self.capacity]
        for client in (
            full or sorted(self._levels, key=lambda c: self._levels[c][1])[: len(self._levels) // 2]
        ):
            del self._levels[client]


class Gates:
    """At most *at_once* requests of a client run together; others wait their turn."""

    def __init__(self, at_once: int, waiting: int = WAITING, patience: float = PATIENCE):
        self.at_once = at_once
        self.waiting = waiting
        self.patience = patience
        self._gates: dict[str, tuple[asyncio.Semaphore, int]] = {}

    async def enter(self, client: str) -> bool:
        """Wait for *client*'s turn; False (and no turn) when too many wait or too long.
        After True, :meth:`leave` when the request is over."""
        semaphore, users = self._gates.get(client) or (asyncio.Semaphore(self.at_once), 0)
        if users >= self.at_once + self.waiting:
            return False
        self._gates[client] = (semaphore, users + 1)
        try:
            await asyncio.wait_for(semaphore.acquire(), self.patience)
        except TimeoutError:
            self._done(client)
            return False
        except BaseException:
            self._done(client)
            raise
        return True

    def leave(self, client: str) -> None:
        self._gates[client][0].release()
        self._done(client)

    def _done(self, client: str) -> None:
        semaphore, users = self._gates[client]
        if users > 1:
            self._gates[client] = (semaphore, users - 1)
        else:
            del self._gates[client]


class _BodyTooLarge(Exception):
    pass


def _seconds(wait: float) -> str:
    return str(max(1, math.ceil(wait)))


@hookimpl()
def asgi_wrapper(datasette: Any) -> Any:
    limits = limits_of(datasette.plugin_config(PLUGIN))
    per_minute = limits.sign_ins_per_minute
    sign_ins = TokenBuckets(math.ceil(per_minute / 2), per_minute)
    all_sign_ins = TokenBuckets(per_minute, 3 * per_minute)  # ALL_CLIENTS together
    busy_seconds = limits.busy_seconds_per_minute
    busy = TokenBuckets(busy_seconds / 2, busy_seconds)
    gates = Gates(limits.requests_at_once)
    sign_in_paths = {datasette.urls.path("/-/login"), datasette.urls.path("/-/password-tool")}
    static = tuple(
        datasette.urls.path(p) for p in ("/-/static/", "/-/static-plugins/", f"/{STATIC_MOUNT}/")
    )

    def wrap(app: Any) -> Any:
        async def limit_requests(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            client = str((scope.get("client") or ("", 0))[0])
            path = str(scope.get("path", ""))
            headers = scope_headers(scope.get("headers") or ())

            async def refuse(status: int, title: str, message: str, **extra: str) -> None:
                await send_refusal(
                    datasette, scope, receive, send,
                    status=status, title=title, message=message, headers=extra, page=False,
                )  # fmt: skip

            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.request_body_bytes:
                await _body_too_large(refuse, limits.request_body_bytes)
                return
            signing_in = headers.get("authorization", "").startswith("Basic ") or (
                scope.get("method") == "POST" and path in sign_in_paths
            )
            if signing_in:
                wait = max(sign_ins.wait(client, 1), all_sign_ins.wait(ALL_CLIENTS, 1))
                if wait:
                    await refuse(
                        429, "Too many sign-in attempts",
                        f"Too many sign-in attempts (from {client}: at most {per_minute} a "
                        f"minute; from everyone: {3 * per_minute}). "
                        f"Try again in {_seconds(wait)} s.",
                        **{"retry-after": _seconds(wait)},
                    )  # fmt: skip
                    return
                sign_ins.spend(client, 1)
                all_sign_ins.spend(ALL_CLIENTS, 1)
            held = not path.startswith(static) and not (
                is_local_request(scope) and served_on_loopback(datasette)
            )
            if held and (wait := busy.wait(client)):
                await refuse(
                    429, "Too many requests",
                    f"The requests from {client} kept the server busy for more than "
                    f"{limits.busy_seconds_per_minute:g} seconds a minute. "
                    f"Try again in {_seconds(wait)} s.",
                    **{"retry-after": _seconds(wait)},
                )  # fmt: skip
                return
            if held and not await gates.enter(client):
                await refuse(
                    429, "Too many requests",
                    f"Too many requests at once from {client}: "
                    f"{limits.requests_at_once} run at a time. Try again in a moment.",
                    **{"retry-after": "1"},
                )  # fmt: skip
                return
            start = time.monotonic()
            try:
                await _limited_body(app, scope, receive, send, limits.request_body_bytes, refuse)
            finally:
                if held:
                    gates.leave(client)
                    busy.spend(client, time.monotonic() - start)

        return limit_requests

    return wrap


async def _body_too_large(refuse: Any, limit: int) -> None:
    await refuse(
        413, "Request too large",
        f"The request's body is larger than {limit:,} bytes: nothing here takes that much.",
        connection="close",
    )  # fmt: skip


async def _limited_body(
    app: Any, scope: Scope, receive: Receive, send: Send, limit: int, refuse: Any
) -> None:
    """Run *app* reading at most *limit* bytes of body; past that, answer 413 (whatever
    the application made of the error) and stop reading."""
    received = 0
    started = False
    over = False

    async def limited_receive() -> MutableMapping[str, Any]:
        nonlocal received, over
        message = await receive()
        if message.get("type") == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                over = True
                raise _BodyTooLarge()
        return message

    async def checked_send(message: MutableMapping[str, Any]) -> None:
        nonlocal started
        if over:  # the application's answer to the error it got: ours instead
            return
        started = started or message.get("type") == "http.response.start"
        await send(message)

    try:
        await app(scope, limited_receive, checked_send)
    except _BodyTooLarge:
        pass
    if over and not started:
        await _body_too_large(refuse, limit)
