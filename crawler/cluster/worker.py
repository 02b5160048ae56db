"""``culturewatch worker --cluster URL``: fetch, extract and score a coordinator's pages.

A worker waits for a crawl published in Redis (:mod:`.coordinator`), takes its settings and
themes from there (a worker needs only the URL), and runs Scrapy with the same middlewares
as a local crawl (private-network guard, robots.txt, backoff, size limits, user agent) on
the gated queue (:mod:`.queue`), its own fork-server extraction pool and the scorer. Each
finished page goes to the result stream with its lease's release (:mod:`.stream`). When
the crawl ends it is ready for the next one (the CLI starts it afresh: Twisted's reactor
runs once per process). SIGTERM: it stops taking pages and gives back the ones it holds.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from crawler.cluster.connect import ClusterError, connect, culturewatch_version, give_up
from crawler.cluster.frontier import Frontier, Keys
from crawler.cluster.queue import LEASE, host_of
from crawler.cluster.robots import shared_robots
from crawler.cluster.stream import ResultStream
from crawler.config import load_settings, load_themes
from crawler.crawl_settings import scrapy_settings
from crawler.kinds.base import SourceSpider
from crawler.process import crawler_process_class, start_extractors
from pipelines.items import FetchedPage
from pipelines.scoring.semantic import Calibration
from pipelines.scoring.themes import Themes
from pipelines.stages import STOPPED
from pipelines.workers.pool import ExtractorPool
from storage.archive import RetryPolicy

if TYPE_CHECKING:
    from pipelines.context import CrawlContext

__all__ = ["run_worker", "worker_id"]

# seconds between a worker's heartbeats (lease renewals, its liveness key)
HEARTBEAT = 1.0
CONFIG_FILES = ("settings.toml", "themes.toml", "glossary.toml")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class WorkerSession:
    """What the spider and pipelines need of a crawl, in a worker (no archive here).

    It is a :class:`pipelines.context.CrawlContext` (mypy checks it, below): a field the
    pipelines come to read is a type error here, not a worker whose every page fails."""

    themes: Themes | None
    threshold: float
    extractor: ExtractorPool | None = None
    semantic: Calibration | None = None  # relevance.semantic is not measured in workers
    cross_language: bool = False
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    write_retry_seconds: float = 60.0
    writer: None = None  # the coordinator writes
    archive: Any = None  # (none here: the coordinator's; read by no stage a worker runs)
    fatal: str | None = None
    robots: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    stop: Any = None

    def report(self, name: str) -> _Counters:
        return _Counters()  # a worker counts nothing: the coordinator does, once written

    def abort(self, reason: str) -> None:
        if self.fatal is None:
            self.fatal = reason
            if self.stop is not None:
                self.stop()


class _Counters:
    fetched = new = relevant = duplicates = rejected = failed = deferred = 0
    given_up = unwritten = 0
    incomplete = False


if TYPE_CHECKING:

    def _is_crawl_context(session: WorkerSession) -> CrawlContext:
        return session  # mypy checks that a worker's session is what the pipelines read


class ClusterSpider(SourceSpider):
    """Article pages from the shared queue, answered as a local crawl answers them."""

    name = "culturewatch-cluster"
    kind = "cluster"

    async def start(self) -> AsyncIterator[Request]:
        for _ in ():
            yield _  # nothing of its own: every request comes from the queue

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        for page in super().parse_article(response):
            yield _leased(page, response.meta, fetched=page.outcome is None)

    def article_failed(self, failure: Failure) -> Iterator[FetchedPage]:
        meta = failure.request.meta  # type: ignore[attr-defined]  # set by Scrapy
        for page in super().article_failed(failure):
            yield _leased(page, meta, fetched=False)


def _leased(page: FetchedPage, meta: dict[str, Any], *, fetched: bool) -> FetchedPage:
    setattr(page, "cluster_lease", meta[LEASE])  # noqa: B010 - not a field: never archived
    setattr(page, "cluster_fetched", fetched)  # noqa: B010
    return page


class StreamPipeline:
    """The last stage in a worker: the page to the result stream, its lease released.

    A page on which a stage (or the spider's callback) raised is not left to hang: it is
    said in one line on the worker's stderr, and sent as a failed outcome (the coordinator
    records it, its source lists it again next time)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        settings = crawler.settings
        self.server = connect(settings["CULTUREWATCH_CLUSTER_URL"])
        self.keys = Keys(settings.get("CULTUREWATCH_CLUSTER_PREFIX", Keys().prefix))
        self.frontier = Frontier(self.server, self.keys)
        self.stream = ResultStream(self.server, self.keys)
        self.worker = settings["CULTUREWATCH_WORKER_ID"]
        crawler.signals.connect(self.item_failed, signal=signals.item_error)
        crawler.signals.connect(self.callback_failed, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StreamPipeline:
        return cls(crawler)

    def process_item(self, item: FetchedPage) -> FetchedPage:
        lease = getattr(item, "cluster_lease", None)
        queue = _queue(self.crawler)
        if queue is not None and lease is not None:
            queue.held.discard(lease)
        if lease is None or item.outcome == STOPPED:  # stopping: the lease ends, reclaimed
            if lease is not None:
                self.frontier.expire([lease])
            return item
        self.stream.send(
            self.frontier,
            lease,
            worker=self.worker,
            host=host_of(item.requested_url),
            page=item,
            fetched=bool(getattr(item, "cluster_fetched", False)),
        )
        return item

    def item_failed(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        """A stage raised on *item* (Scrapy's ``item_error``)."""
        if not isinstance(item, FetchedPage) or _gone(failure):
            return
        reason = _reason(failure)
        _say(f"{item.requested_url}: processing failed ({reason}); recorded as failed")
        item.outcome, item.error = "failed", f"the worker could not process it: {reason}"
        item.article = item.relevance = None
        item.body = b""  # nothing of it is archived
        self._send_failed(item)

    def callback_failed(self, failure: Failure, response: Any, spider: Any) -> None:
        """The spider's callback raised on *response* (Scrapy's ``spider_error``)."""
        meta = getattr(getattr(response, "request", None), "meta", None) or {}
        if LEASE not in meta or _gone(failure):
            return
        reason = _reason(failure)
        url = meta.get("requested_url") or response.url
        _say(f"{url}: reading the response failed ({reason}); recorded as failed")
        page = FetchedPage(
            source=str(meta.get("source", "")),
            requested_url=url,
            url=response.url,
            status=getattr(response, "status", None),
            hints=meta.get("hints") or {},
            outcome="failed",
            error=f"the worker could not read it: {reason}",
        )
        self._send_failed(_leased(page, meta, fetched=True))

    def _send_failed(self, page: FetchedPage) -> None:
        try:
            self.process_item(page)
        except redis.RedisError as exc:  # its lease ends and it is handed out again
            _say(f"{page.requested_url}: not sent ({exc}); it goes back to the queue")


def _gone(failure: Failure) -> bool:
    """Redis went away: the page's lease ends, the worker's stop says it (once)."""
    return isinstance(failure.value, redis.ConnectionError | redis.TimeoutError)


def _reason(failure: Failure) -> str:
    exc = failure.value
    text = str(exc).strip().splitlines()
    return (f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__)[:300]


def _say(line: str) -> None:
    print(f"culturewatch worker: {line}", file=sys.stderr, flush=True)


def _queue(crawler: Any) -> Any:
    slot = getattr(crawler.engine, "_slot", None)
    return getattr(getattr(slot, "scheduler", None), "queue", None)


def wait_for_run(server: Any, keys: Keys, stopping: list[bool]) -> dict[str, Any] | None:
    """The published crawl, once there is one (None: asked to stop while waiting)."""
    while not stopping:
        try:
            raw = server.get(keys.run)
        except redis.RedisError as exc:
            raise ClusterError(f"Redis went away ({exc}): the worker stopped") from None
        if raw:
            run: dict[str, Any] = json.loads(raw)
            mine = culturewatch_version()
            if run.get("version") != mine:
                raise ClusterError(
                    f"this worker runs culturewatch {mine}, the coordinator "
                    f"{run.get('version')}: refused (install the same version on both)"
                )
            return run
        time.sleep(0.2)
    return None


def run_worker(url: str, run: dict[str, Any], *, verbose: bool = False) -> str:
    """Serve one published crawl until it ends; returns how it ended."""
    server = connect(url)
    keys = Keys()
    me = worker_id()
    with tempfile.TemporaryDirectory(prefix="culturewatch-worker-") as tmp:
        for name, text in run["config"].items():
            if name in CONFIG_FILES:
                Path(tmp, name).write_text(text, encoding="utf-8")
        settings = load_settings(tmp)
        themes = load_themes(Path(tmp, "themes.toml"))
    session = WorkerSession(themes=themes, threshold=float(settings["relevance.threshold"]))
    session.extractor = start_extractors(settings, verbose=verbose)
    scrapy = scrapy_settings(
        settings, allow_private_networks=bool(run["allow_private_networks"]), verbose=verbose
    )
    concurrency = scrapy["CONCURRENT_REQUESTS"]
    # AutoThrottle (politeness.autothrottle) slows a host for the cluster, never speeds it up
    extensions = dict(scrapy["EXTENSIONS_BASE"])
    order = extensions.pop("scrapy.extensions.throttle.AutoThrottle", 0)
    extensions["crawler.cluster.throttle.ClusterThrottle"] = order
    scrapy.update(
        {
            "SCHEDULER": "crawler.cluster.queue.ClusterScheduler",
            # the cluster's gate spaces a host's requests: a request handed out leaves at
            # once (a local slot that held it would send it late, next to another worker's)
            "DOWNLOAD_DELAY": 0,
            "EXTENSIONS_BASE": extensions,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_HANDLERS": {
                **scrapy["DOWNLOAD_HANDLERS"],
                "http": "crawler.cluster.gate.GatedDownloadHandler",
                "https": "crawler.cluster.gate.GatedDownloadHandler",
            },
            "ITEM_PIPELINES": {
                "pipelines.stages.ExtractPipeline": 100,
                "pipelines.stages.ScorePipeline": 200,
                "crawler.cluster.worker.StreamPipeline": 300,
            },
            "CULTUREWATCH_ROBOTS_MAX_AGE": 0,  # no archive here: the cluster's copy
            "CULTUREWATCH_CLUSTER_URL": url,
            "CULTUREWATCH_CLUSTER_LEASE": float(run["lease"]),
            "CULTUREWATCH_WORKER_ID": me,
        }
    )
    shared_robots(scrapy, url)  # no archive here: robots.txt from the cluster's copy
    process = crawler_process_class()(scrapy)
    session.stop = process.stop
    crawler = process.create_crawler(ClusterSpider)
    frontier = Frontier(server, keys, lease=float(run["lease"]))
    state: dict[str, Any] = {"over": False, "lost": None}

    def heartbeat() -> None:
        try:
            beat_once()
        except redis.RedisError as exc:  # gone longer than connect.RIDE_OUT: stop
            give_up()  # what the stopping sends to Redis fails at once, not in 30 s each
            state["lost"] = (
                f"Redis went away ({exc}): the worker stopped; the pages it held go back to the queue when their leases end"
            )
            process.stop()

    def beat_once() -> None:
        queue = _queue(crawler)
        held = sorted(queue.held) if queue is not None else []
        frontier.renew(held)
        pipe = server.pipeline()
        pipe.hset(
            keys.worker(me),
            mapping={
                "version": culturewatch_version(),
                "pid": os.getpid(),
                "held": len(held),
                "pages": int(crawler.stats.get_value("item_scraped_count") or 0)
                if crawler.stats
                else 0,
                "seen": time.time(),
            },
        )
        pipe.expire(keys.worker(me), int(HEARTBEAT * 5))
        pipe.get(keys.run)
        *_, current = pipe.execute()
        if not current or json.loads(current).get("id") != run["id"]:
            state["over"] = True

    def idle(spider: Any) -> None:
        if not state["over"]:
            raise DontCloseSpider

    def closed(spider: Any, reason: str) -> None:
        queue = _queue(crawler)
        if queue is not None and queue.held:  # stopped with pages in hand: given back
            frontier.expire(sorted(queue.held))

    stream = ResultStream(server, keys)

    def dropped(request: Request, spider: Any) -> None:
        """A redirect to a page this crawl fetched already (the shared filter): the
        request ends without a page, as in a local crawl; its lease is released."""
        lease = request.meta.get(LEASE)
        queue = _queue(crawler)
        if lease is not None:
            if queue is not None:
                queue.held.discard(lease)
            host = host_of(request.url)
            stream.send(frontier, lease, worker=me, host=host, page=None, fetched=False)

    crawler.signals.connect(dropped, signal=signals.request_dropped, weak=False)
    crawler.signals.connect(idle, signal=signals.spider_idle, weak=False)
    crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
    beat = LoopingCall(heartbeat)
    process.crawl(crawler, sources=[], session=session)
    from twisted.internet import reactor

    running: Any = reactor
    running.callWhenRunning(beat.start, HEARTBEAT)
    process.start()
    if state["lost"]:
        raise ClusterError(state["lost"])
    server.delete(keys.worker(me))
    return "interrupted" if process.signalled else "finished"
