"""AutoThrottle in a worker: it may slow a host for the whole cluster, never speed it up.

Scrapy's AutoThrottle sets a download slot's delay from the latency of the slot's
responses. In a worker the local slots hold nothing (the cluster's gate spaces a host's
requests, :mod:`.gate`), so :class:`ClusterThrottle` runs AutoThrottle's own adjustment on
a value of its own per host and hands the result to the frontier as the host's throttle.
The gate waits the larger of the host's delay (settings, robots.txt Crawl-delay) and its
throttle: a slow host's requests are spaced further apart, for every worker; a fast one's
never closer than its delay.
"""

from __future__ import annotations

from typing import Any

from scrapy.extensions.throttle import AutoThrottle

from crawler.cluster.connect import connect
from crawler.cluster.frontier import Frontier, Keys
from crawler.cluster.queue import host_of

__all__ = ["ClusterThrottle"]

# a host's throttle is written to Redis again only when it moved by more than this share
_CHANGE = 0.1


class ClusterThrottle(AutoThrottle):
    """Scrapy's AutoThrottle (``AUTOTHROTTLE_*`` settings), its delays the cluster's."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)  # NotConfigured unless AUTOTHROTTLE_ENABLED
        settings = crawler.settings
        prefix = settings.get("CULTUREWATCH_CLUSTER_PREFIX", Keys().prefix)
        self.frontier = Frontier(connect(settings["CULTUREWATCH_CLUSTER_URL"]), Keys(prefix))
        self.delays: dict[str, float] = {}  # host -> AutoThrottle's delay for it
        self.written: dict[str, float] = {}  # host -> the throttle last written to Redis

    def _spider_opened(self, spider: Any) -> None:
        self.mindelay = 0.0  # the host's own delay is the floor, in the gate
        self.maxdelay = self._max_delay()
        # no start delay on the local slots: a worker's slots hold nothing

    def _adjust_delay(self, slot: Any, latency: float, response: Any) -> None:
        host = host_of(response.url)
        slot.delay = self.delays.get(host, 0.0)
        super()._adjust_delay(slot, latency, response)
        delay, slot.delay = slot.delay, 0.0
        self.delays[host] = delay
        last = self.written.get(host)
        if last is None or abs(delay - last) > _CHANGE * max(last, 0.01):
            self.frontier.set_throttle(host, delay)
            self.written[host] = delay
