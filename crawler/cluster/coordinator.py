"""``culturewatch crawl --cluster URL``: the coordinator of a crawl shared by workers.

The coordinator runs the listing spiders itself (they need the archive: known URLs,
validators, robots) with :class:`DispatchingScheduler`, which pushes each new article
request to the shared frontier instead of fetching it. :class:`ClusterCoordinator`
publishes the crawl (settings and themes, for the workers), writes the workers' results
from the stream with the crawl's one :class:`~pipelines.writer.ArchiveWriter` and
acknowledges each only after its commit, reclaims expired leases, and keeps the crawl
open until every pushed request has an outcome. At the end it deletes the crawl's keys.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import redis
from scrapy import Request
from twisted.internet.task import LoopingCall

from crawler.cluster import serializer
from crawler.cluster.connect import ClusterError, connect, culturewatch_version, give_up
from crawler.cluster.frontier import Frontier, Keys
from crawler.cluster.queue import LEASE, host_of
from crawler.cluster.stream import Result, ResultStream
from crawler.delays import DelayingScheduler
from crawler.session import CrawlSession
from pipelines.items import FetchedPage
from pipelines.writer import WriteStopped

__all__ = ["ClusterCoordinator", "DispatchingScheduler"]

CONFIG_FILES = ("settings.toml", "themes.toml", "glossary.toml")
# a request whose lease expired this many times (its workers died on it) is given up
MAX_ATTEMPTS = 3
TICK = 0.1  # seconds between two reads of the stream
# seconds a coordinator that stopped beating (killed) keeps the next one out
COORDINATOR_TTL = 4


class DispatchingScheduler(DelayingScheduler):
    """A local crawl's scheduler, whose article requests go to the cluster's frontier."""

    def enqueue_request(self, request: Request) -> bool:
        spider = self.crawler.spider if self.crawler is not None else None
        cluster = getattr(getattr(spider, "session", None), "cluster", None)
        callback = getattr(request.callback, "__name__", "")
        if cluster is not None and callback == "parse_article" and LEASE not in request.meta:
            if self.df.request_seen(request):  # Scrapy's filter, as a local crawl
                return False
            cluster.wake = self._wake_now  # the last outcome: done now, not at a heartbeat
            cluster.dispatch(request, spider)
            return True
        return super().enqueue_request(request)

    def _wake_now(self) -> None:
        self._wake_at(0.0)  # DelayingScheduler's wake-up of the engine, due at once

    def has_pending_requests(self) -> bool:
        spider = self.crawler.spider if self.crawler is not None else None
        cluster = getattr(getattr(spider, "session", None), "cluster", None)
        return super().has_pending_requests() or bool(cluster and cluster.outstanding)


class ClusterCoordinator:
    def __init__(self, url: str, session: CrawlSession, options: Any):
        self.server = connect(url)
        self.keys = Keys()
        self.session = session
        settings = options.settings
        self.lease = float(settings["cluster.lease_seconds"])
        self.frontier = Frontier(self.server, self.keys, lease=self.lease)
        self.stream = ResultStream(self.server, self.keys)
        self.name = f"coordinator-{uuid.uuid4().hex[:8]}"
        self.outstanding: dict[str, str] = {}  # request id -> source, until written
        self.done: set[str] = set()
        self.written: list[str] = []  # stream entries committed, acknowledged at the next tick
        self.by_worker: Counter[tuple[str, str]] = Counter()  # (worker, host) -> pages
        self.pushed = 0
        self.wake: Callable[[], None] | None = None  # the engine told when all are done
        self.in_flight = 0  # leases held by workers, as of the last look (once a second)
        self._loop: LoopingCall | None = None
        self._ticks = 0
        self._claim_leftovers()
        config = {
            name: (options.config_dir / name).read_text(encoding="utf-8")
            for name in CONFIG_FILES
            if (options.config_dir / name).is_file()
        }
        self.run_id = uuid.uuid4().hex
        self.frontier.set_default_delay(float(settings["politeness.download_delay"]))
        run = {
            "id": self.run_id,
            "version": culturewatch_version(),
            "config": config,
            "allow_private_networks": bool(options.allow_private_networks),
            "lease": self.lease,
        }
        if not self.server.set(self.keys.run, json.dumps(run), nx=True):
            raise ClusterError("another coordinator's crawl is running on this Redis")
        self.stream.create_group()

    def _claim_leftovers(self) -> None:
        """A crawl whose coordinator died: results it had not written are written now
        (their archive row decides: a page written already is not written twice); its
        queued requests are dropped (their pages are not recorded: listed again)."""
        if self.server.exists(self.keys.coordinator):
            raise ClusterError("another coordinator's crawl is running on this Redis")
        self.stream.create_group()
        self._leftovers = self.stream.claim(self.name)
        self.frontier.clear()

    # -- the reactor's side
    def start(self) -> None:
        from twisted.internet import reactor

        for result in self._leftovers:
            self._take(result, leftover=True)
        self._loop = LoopingCall(self._tick)
        running: Any = reactor
        running.callWhenRunning(self._loop.start, TICK)

    def dispatch(self, request: Request, spider: Any) -> None:
        request_id = uuid.uuid4().hex
        request.meta[LEASE] = request_id
        data = serializer.dumps(request.to_dict(spider=spider))
        self.frontier.push(request_id, host_of(request.url), data)
        self.outstanding[request_id] = request.meta["source"]
        self.pushed += 1

    def _tick(self) -> None:
        try:
            self._read()
        except redis.RedisError as exc:  # gone longer than connect.RIDE_OUT: stop, one line
            give_up()  # the crawl's stopping does not wait for it again
            if self._loop is not None and self._loop.running:
                self._loop.stop()
            self.session.abort(
                f"the crawl stopped: Redis went away ({exc}); what the workers sent and was "
                "not written stays there for the next crawl, and its sources are listed again"
            )

    def _read(self) -> None:
        self._ticks += 1
        if self._ticks % 10 == 1:
            self.server.set(self.keys.coordinator, self.name, ex=COORDINATOR_TTL)
            self.in_flight = int(self.server.zcard(self.keys.inflight))
            for request_id, data in self.frontier.reclaim(MAX_ATTEMPTS):
                self._given_up(request_id, data)
        self._ack()
        for result in self.stream.read(self.name):
            self._take(result)

    def _ack(self) -> None:
        """Acknowledge the entries committed since the last tick, in one round trip."""
        if self.written:
            entries, self.written = self.written, []
            self.stream.ack(*entries)

    def _take(self, result: Result, *, leftover: bool = False) -> None:
        page = result.page
        if result.request_id in self.done or page is None:  # twice (a reclaimed page)
            self.written.append(result.entry)
            self._finished(result.request_id)
            return
        self.by_worker[(result.worker, result.host)] += 1
        self._write(page, result.request_id, result.entry, fetched=result.fetched)

    def _write(self, page: FetchedPage, request_id: str, entry: str | None, fetched: bool) -> None:
        session = self.session
        report = session.reports.get(page.source)
        if report is not None:
            report.fetched += int(fetched)
            if page.outcome in ("failed", "deferred"):
                report.incomplete = True
        if session.writer is None or session.fatal is not None:
            self._unwritten(page, request_id)
            return
        done = session.writer.write(page)

        def written(_: Any) -> None:
            if entry is not None:
                self.written.append(entry)
            self.done.add(request_id)
            self._finished(request_id)

        def failed(failure: Any) -> None:
            failure.trap(WriteStopped)
            session.abort(str(failure.value))
            self._unwritten(page, request_id)  # left in the stream for the next crawl

        done.addCallbacks(written, failed)

    def _unwritten(self, page: FetchedPage, request_id: str) -> None:
        report = self.session.reports.get(page.source)
        if report is not None:
            report.unwritten += 1
            report.incomplete = True
        self._finished(request_id)

    def _given_up(self, request_id: str, data: bytes) -> None:
        meta = serializer.loads(data)["meta"] if data else {}
        if "source" not in meta:
            self._finished(request_id)
            return
        page = FetchedPage(
            source=meta["source"],
            requested_url=meta["requested_url"],
            url=meta["requested_url"],
            hints=meta.get("hints") or {},
            outcome="failed",
            error=f"no worker finished it ({MAX_ATTEMPTS} leases ended)",
        )
        self._write(page, request_id, None, fetched=False)

    def progress(self) -> tuple[int, int, int]:
        """Pages pushed to the workers, in a worker's hands, and done (written or failed)."""
        return self.pushed, self.in_flight, self.pushed - len(self.outstanding)

    def _finished(self, request_id: str) -> None:
        self.outstanding.pop(request_id, None)
        if not self.outstanding and self.wake is not None:
            self.wake()

    # -- the end
    def close(self) -> list[str]:
        """Stop reading; delete the crawl's keys (its unwritten results stay, for the next
        coordinator); a summary line per worker."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        for source in set(self.outstanding.values()):  # stopped before all were written
            report = self.session.reports.get(source)
            if report is not None:
                report.incomplete = True
        try:
            self._ack()
            self.frontier.clear()
            self.server.delete(self.keys.coordinator)
            if not self.server.xlen(self.keys.results):
                self.server.delete(self.keys.results)
        except redis.RedisError:  # gone (said once, by the crawl's error): its keys stay
            pass
        return self.describe()

    def describe(self) -> list[str]:
        workers: dict[str, tuple[int, int]] = {}
        for (worker, _host), pages in self.by_worker.items():
            total, hosts = workers.get(worker, (0, 0))
            workers[worker] = (total + pages, hosts + 1)
        lines = [f"cluster: {self.pushed} pages pushed to {len(workers)} workers"]
        lines += [
            f"  worker {name}: {pages} pages from {hosts} hosts"
            for name, (pages, hosts) in sorted(workers.items())
        ]
        return lines
