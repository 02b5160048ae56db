"""scrapy-redis, extended through its documented points: the gated queue and the scheduler.

:class:`GatedQueue` is a ``SCHEDULER_QUEUE_CLASS``: it keeps scrapy-redis's queue base and
serialisation (JSON: :mod:`crawler.cluster.serializer`) over the per-host
:class:`~crawler.cluster.frontier.Frontier`, so a host gets a request only when its delay has
passed on Redis's clock, whichever worker asks. :class:`ClusterScheduler` is scrapy-redis's
scheduler built from our own client (``SCHEDULER_PERSIST`` always on: a worker that stops
never deletes the shared queue or duplicate filter), which also turns a retry's local
backoff or ``Retry-After`` into a hold on the host for the whole cluster, and asks the
engine for its next request when a host falls due (not at its 5 s heartbeat).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

from crawler.cluster import serializer
from crawler.cluster.connect import connect
from crawler.cluster.frontier import Frontier, Keys
from crawler.delays import NOT_BEFORE

__all__ = ["LEASE", "ClusterScheduler", "GatedQueue", "host_of"]

LEASE = "cluster_id"  # request meta: the id of the request's lease in the frontier
# longest wait before the engine asks Redis again when nothing was due
_POLL = 0.5


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class GatedQueue(Base):
    """scrapy-redis queue over the :class:`Frontier` (the key is the keys' prefix)."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        lease = float(spider.settings.getfloat("CULTUREWATCH_CLUSTER_LEASE", 30.0))
        self.frontier = Frontier(server, Keys(self.key), lease=lease)
        self.held: set[str] = set()  # leases this worker holds (renewed by its heartbeat)
        self.wait: float | None = None  # after a pop that found nothing: seconds to the next

    def __len__(self) -> int:
        return int(self.server.zcard(self.frontier.keys.hosts))

    def push(self, request: Request) -> None:
        lease = request.meta[LEASE]
        self.held.discard(lease)
        self.frontier.push(lease, host_of(request.url), self._encode_request(request))

    def pop(self, timeout: int = 0) -> Request | None:
        due = self.frontier.get_due()
        if due.id is None or due.data is None:
            self.wait = due.wait
            return None
        request: Request = self._decode_request(due.data)
        request.meta[LEASE] = due.id
        self.held.add(due.id)
        return request

    def clear(self) -> None:
        """Never: the queue is the cluster's, not this worker's (the coordinator clears it)."""


class ClusterScheduler(Scheduler):
    """scrapy-redis's scheduler on the gated queue, persistent, with JSON requests."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClusterScheduler:
        settings = crawler.settings
        server = connect(settings["CULTUREWATCH_CLUSTER_URL"])
        keys = Keys(settings.get("CULTUREWATCH_CLUSTER_PREFIX", Keys().prefix))
        scheduler = cls(
            server=server,
            persist=True,
            queue_key=keys.prefix,
            queue_cls=f"{GatedQueue.__module__}.{GatedQueue.__qualname__}",
            # built here, not by its from_spider/from_settings: one client, our key
            dupefilter=RFPDupeFilter(server, key=keys.dupefilter),
            serializer=serializer,
        )
        # no stats of its own: a worker's progress is in its heartbeat (cluster status)
        scheduler.crawler = crawler
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        due = request.meta.pop(NOT_BEFORE, None)
        if due is not None and due > time.monotonic():  # a retry's backoff: the whole cluster
            self.queue.frontier.hold(host_of(request.url), due - time.monotonic())
        # scrapy-redis's own enqueue_request (the shared filter, then the gated queue),
        # without its stats and its log of each filtered request
        if not request.dont_filter and self.df.request_seen(request):
            return False
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request: Request | None = self.queue.pop()
        if request is None:
            wait = self.queue.wait
            self._wake_in(_POLL if wait is None else min(max(wait, 0.005), _POLL))
        return request

    def has_pending_requests(self) -> bool:
        return False  # what waits is in Redis; the worker's spider stays open while a run lasts

    def _wake_in(self, delay: float) -> None:
        from scrapy.utils.asyncio import call_later

        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and not getattr(self, "_waking", False):
            self._waking = True

            def wake() -> None:
                self._waking = False
                slot.nextcall.schedule()

            call_later(delay, wake)
