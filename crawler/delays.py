"""Requests that wait for their time: Scrapy's scheduler, holding a retry until it is due.

A retry that must wait (its backoff, or the server's ``Retry-After``) carries the
``time.monotonic()`` before which it may not be fetched in ``meta["not_before"]``
(:class:`crawler.middlewares.BackoffRetryMiddleware` sets it). Held here, it takes no
downloader slot and no share of ``CONCURRENT_REQUESTS``: every other request, to this host
or any other, goes on at normal politeness. The engine is woken when a held request falls
due, and a crawl with held requests is not idle, so it does not end before them; a crawl
that is stopped drops them (their pages are not recorded, so a later crawl fetches them).
"""

from __future__ import annotations

import heapq
import itertools
import time
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler

__all__ = ["NOT_BEFORE", "DelayingScheduler"]

NOT_BEFORE = "not_before"


class DelayingScheduler(Scheduler):
    """Scrapy's Scheduler, keeping requests with a future ``meta["not_before"]`` aside."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[tuple[float, int, Request]] = []  # min-heap by due time
        self._order = itertools.count()
        # (when, the reactor's delayed call), cancelled at close
        self._wakeups: list[tuple[float, Any]] = []

    def enqueue_request(self, request: Request) -> bool:
        due = request.meta.get(NOT_BEFORE)
        if due is not None and due > time.monotonic():
            heapq.heappush(self._held, (due, next(self._order), request))
            self._wake_at(due)
            return True
        return super().enqueue_request(request)

    def next_request(self) -> Request | None:
        now = time.monotonic()
        while self._held and self._held[0][0] <= now:
            _due, _order, request = heapq.heappop(self._held)
            request.meta.pop(NOT_BEFORE, None)
            super().enqueue_request(request)
        return super().next_request()

    def has_pending_requests(self) -> bool:
        return bool(self._held) or super().has_pending_requests()

    def __len__(self) -> int:
        return len(self._held) + super().__len__()

    def close(self, reason: str) -> Any:
        for _at, call in self._wakeups:
            call.cancel()  # a call that already ran ignores it
        self._held.clear()
        return super().close(reason)

    def _wake_at(self, due: float) -> None:
        """Ask the engine for its next request when *due* comes (not at its next heartbeat)."""
        from scrapy.utils.asyncio import call_later

        engine = self.crawler.engine if self.crawler is not None else None
        slot = getattr(engine, "_slot", None)
        if slot is None:
            return
        delay = max(due - time.monotonic(), 0.0) + 0.01
        # calls well past their time have run: dropped, so a long crawl of retries keeps few
        now = time.monotonic()
        self._wakeups = [(at, call) for at, call in self._wakeups if at > now - 1.0]
        self._wakeups.append((now + delay, call_later(delay, slot.nextcall.schedule)))
