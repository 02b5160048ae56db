"""The per-host gate at the wire: a request leaves only when its host's delay has passed.

The gated queue hands a host out at its delay's pace, but a request may be held on its way
(robots.txt, the downloader's queue, a busy reactor, a starved process): two held
differently would reach the host closer than its delay. So :class:`GatedDownloadHandler`
claims the host in the frontier only once a connection is ready (scrapy's HTTP handler, its
connection pool extended), writes the request at once, and then tells the frontier it was
sent: the host's next request, from any worker, waits its delay from that moment, and none
is claimed while one is between its claim and the wire (see ``Frontier.claim``).

A worker's requests to one host take the gate one at a time: the others wait before their
download starts, so that the time a request waits for its host (a delay AutoThrottle
lengthened after it was handed out) does not count against its download timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredLock
from twisted.internet.task import deferLater
from twisted.web.client import HTTPConnectionPool

from crawler.cluster.connect import connect
from crawler.cluster.frontier import Frontier, Keys
from crawler.cluster.queue import host_of

__all__ = ["GatedDownloadHandler"]


class _Sending:
    """A connection on which the claimed host's request is written: flushed, then sent."""

    def __init__(self, proto: Any, frontier: Frontier, host: str, done: Callable[[], None]):
        self.proto, self.frontier, self.host, self.done = proto, frontier, host, done

    def request(self, request: Any) -> Any:  # what twisted's Agent calls on a connection
        try:
            return self.proto.request(request)
        finally:
            transport = getattr(self.proto, "transport", None)
            flush = getattr(transport, "doWrite", None)  # TCP: to the socket now, not later
            if flush is not None and getattr(transport, "connected", False):
                flush()
            self.frontier.sent(self.host)
            self.done()  # the host's next request in this worker may go for the gate


class _GatedPool(HTTPConnectionPool):
    """Twisted's pool, whose connection is handed to the agent when its host is ours."""

    def __init__(self, reactor: Any, frontier: Frontier):
        super().__init__(reactor, persistent=True)
        self.frontier = frontier
        self.host: str | None = None  # the host of the request being started
        self.done: Callable[[], None] = lambda: None  # ... and its turn's end

    def getConnection(self, key: Any, endpoint: Any) -> Deferred[Any]:  # noqa: N802
        host, self.host = self.host, None
        done, self.done = self.done, lambda: None
        found: Deferred[Any] = super().getConnection(key, endpoint)
        if host is None:
            return found
        return found.addCallback(
            lambda proto: Deferred.fromCoroutine(self._ours(proto, host, done))
        )

    async def _ours(self, proto: Any, host: str, done: Callable[[], None]) -> _Sending:
        while (wait := self.frontier.claim(host)) > 0:
            await deferLater(self._reactor, wait, lambda: None)
        return _Sending(proto, self.frontier, host, done)


class GatedDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler whose requests leave no sooner than their host's delay after
    the last one any worker wrote."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        settings = crawler.settings
        server = connect(settings["CULTUREWATCH_CLUSTER_URL"])
        prefix = settings.get("CULTUREWATCH_CLUSTER_PREFIX", Keys().prefix)
        self.frontier = Frontier(server, Keys(prefix))
        pool = _GatedPool(self._pool._reactor, self.frontier)
        pool.maxPersistentPerHost = self._pool.maxPersistentPerHost
        pool._factory = self._pool._factory
        self._pool = pool
        self._turns: dict[str, DeferredLock] = {}  # host -> its requests' turn at the gate

    async def download_request(self, request: Request) -> Response:
        host = host_of(request.url)
        turn = self._turns.setdefault(host, DeferredLock())
        await maybe_deferred_to_future(turn.acquire())  # before the download (its timeout)
        started, sent = monotonic(), 0.0

        def done() -> None:
            nonlocal sent
            if not sent:
                sent = monotonic()
                turn.release()

        # the agent asks the pool for a connection before its first await
        assert isinstance(self._pool, _GatedPool)
        self._pool.host, self._pool.done = host, done
        try:
            response: Response = await super().download_request(request)
        finally:
            self._pool.host, self._pool.done = None, lambda: None
            done()  # not sent (no connection, cancelled): the next one goes
        # the server's latency, from the moment the request left: the wait at the gate is
        # not the server's (AutoThrottle would lengthen the wait by it, again and again)
        if "download_latency" in request.meta:
            request.meta["download_latency"] -= max(sent - started, 0.0)
        return response
