"""Extraction in worker processes: the pool the crawl feeds.

Extraction is CPU work in Python: in threads of the crawl's process, pages share one GIL
and the reactor waits for it. Here each page is extracted by one of N worker processes,
forked from one warm process that has imported and run trafilatura once
(:mod:`pipelines.workers.fork_server`: the workers share its memory, and a new one is ready at once).
The crawl's side is Twisted through and through: the fork server is a
``reactor.spawnProcess`` child, and each worker connects to a Unix socket the reactor
listens on, so feeding them never blocks downloads.

- A worker holds two pages at a time: it extracts one while the next waits in its pipe
  (so it never waits for the crawl's process between pages), and is given another when
  it answers; what sits in the pipes is at most two pages per worker. Pages waiting for a
  worker wait in :meth:`ExtractorPool.extract` (Scrapy backs off its downloads when the
  responses it processes pass ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``), so memory is set by the
  workers, not by the pages in flight.
- A worker that dies on a page (a crash in a C library, killed for memory) or takes longer
  than *timeout* seconds on it (then it is killed) fails that page with
  :class:`ExtractionFailed`, and a new worker takes its place; the page it had not started
  goes first in line to another. Workers that die before they are ready (their imports
  fail), again and again, break the pool (:class:`PoolBroken`).

The frames are described in :mod:`pipelines.workers.loop` (pages) and :mod:`pipelines.workers.fork_server`
(starting workers).

Test hook (:mod:`pipelines.workers.loop`; documented, off unless the environment sets ``CULTUREWATCH_WORKER_TEST_HOOKS=1``):
a page containing ``culturewatch-test:crash`` makes the worker exit at once (``os._exit``),
one containing ``culturewatch-test:hang`` makes it spin forever, one containing
``culturewatch-test:kill-fork-server`` kills the fork server and exits. No real page was found that
crashes or hangs lxml and trafilatura on demand; the hook lets the tests exercise the pool's
recovery with a real dying or hanging process.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections import deque
from typing import Any

from twisted.internet.defer import Deferred

from pipelines.extraction.article import Article
from pipelines.prepare import Fetch
from pipelines.workers.links import (
    ExtractionFailed,
    ExtractionStopped,
    ForkServer,
    PoolBroken,
    Task,
    WorkerLink,
    _reactor,
    link_factory,
)
from pipelines.workers.loop import SEMANTIC_ENV

__all__ = [
    "ExtractionFailed",
    "ExtractionStopped",
    "ExtractorPool",
    "PoolBroken",
    "default_workers",
]

# fork servers (or workers) in a row that die before they are ready: the pool cannot work
_MAX_EARLY_DEATHS = 3
# pages given to a worker at once: it extracts one while the next waits in its socket
_PAGES_PER_WORKER = 2


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


class ExtractorPool:
    """*workers* extraction processes; :meth:`extract` gives a page to the next free one."""

    def __init__(
        self,
        workers: int,
        *,
        timeout: float = 60.0,
        verbose: bool = False,
        semantic: str | None = None,
    ):
        self.size = max(int(workers), 1)
        self.timeout = float(timeout)
        self.verbose = verbose
        # the prototypes file (semantic.toml) the workers compare articles with, or None
        self.semantic = semantic
        self._server: ForkServer | None = None
        self._socket_dir: str | None = None
        self._listener: Any = None
        self._next_key = 0
        self._starting: set[int] = set()  # asked of the fork server, not yet connected
        self._workers: dict[int, WorkerLink] = {}  # connected, by key
        self._idle_workers: deque[WorkerLink] = deque()
        self._waiting: deque[Task] = deque()
        self._early_deaths = 0
        self._closing = False
        self._stopping = False  # close() was called: pages left now were never tried
        self._closed: list[Deferred[None]] = []
        self.replaced = 0  # workers that died or were killed and were replaced

    # -- the pool's life
    def start(self) -> None:
        if self._listener is None:
            self._socket_dir = tempfile.mkdtemp(prefix="culturewatch-workers-")  # mode 0700
            self._listener = _reactor().listenUNIX(
                self._socket_path(), link_factory(self), mode=0o600
            )
        if self._server is None:
            self._start_server()
        while len(self._workers) + len(self._starting) < self.size:
            self._spawn()

    def _socket_path(self) -> str:
        assert self._socket_dir is not None
        return os.path.join(self._socket_dir, "socket")

    def _start_server(self) -> None:
        server = ForkServer(self)
        env = dict(os.environ)
        if self.verbose:
            env["CULTUREWATCH_WORKER_VERBOSE"] = "1"
        env.pop(SEMANTIC_ENV, None)
        if self.semantic:
            env[SEMANTIC_ENV] = self.semantic
        _reactor().spawnProcess(
            server,
            sys.executable,
            [
                sys.executable,
                "-m",
                "pipelines.workers.fork_server",
                self._socket_path(),
                str(os.getpid()),
            ],
            env=env,
            childFDs={0: "w", 1: "r", 2: 2},
        )
        self._server = server
        for key in sorted(self._starting):  # asked of a server that died: ask this one
            server.fork(key)

    def _spawn(self) -> None:
        key = self._next_key
        self._next_key += 1
        self._starting.add(key)
        if self._server is not None:
            self._server.fork(key)

    def close(self) -> Deferred[None]:
        """End the workers (the idle ones by hanging up, the busy ones killed) and the fork
        server; fires when all are gone. Pages still waiting fail. For
        ``reactor.addSystemEventTrigger("before", "shutdown")``."""
        self._closing = self._stopping = True
        self._starting.clear()
        while self._waiting:
            self._waiting.popleft()[1].errback(self._refusal())
        done: Deferred[None] = Deferred()
        self._closed.append(done)
        for worker in list(self._workers.values()):
            if worker.tasks:
                worker._kill()  # its page can no longer be archived: no need to wait for it
            else:
                worker._transport().loseConnection()
        if self._server is not None:
            self._server.close_input()
        _reactor().callLater(2.0, self._kill_all)  # one that has not exited by then
        self._check_closed()
        return done

    def _check_closed(self) -> None:
        if not (self._closing and not self._workers and self._server is None):
            return
        if self._listener is not None:
            self._listener.stopListening()
            self._listener = None
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None
        for done in self._closed:
            done.callback(None)
        self._closed.clear()

    # -- pages
    def extract(
        self,
        html: str | bytes,
        url: str,
        language: str | None = None,
        encoding: str | None = None,
        fetch: Fetch | None = None,
    ) -> Deferred[Article | None]:
        """A Deferred of the page's :class:`Article` (None: no article in it), or a failure
        with :class:`ExtractionFailed`. Bytes are decoded with *encoding* by the worker
        (:func:`pipelines.extraction.extract.decode`): the crawl's process never holds the text.
        The article comes prepared for the archive's writer (:mod:`pipelines.prepare`), with
        the WARC records of *html* fetched as *fetch* says when it is given."""
        done: Deferred[Article | None] = Deferred()
        if self._closing:
            done.errback(self._refusal())
            return done
        if self._server is None:
            self.start()
        # pickled when sent: a page waiting here is held once, not twice
        self._waiting.append(((html, url, language, encoding, fetch), done))
        self._dispatch()
        return done

    def _dispatch(self) -> None:
        while self._waiting and self._idle_workers:
            worker = self._idle_workers.popleft()
            if worker.gone:
                continue
            worker.send(self._waiting.popleft())

    def _idle(self, worker: WorkerLink) -> None:
        """*worker* has room for one more page (``_idle_workers`` holds one entry a page)."""
        self._idle_workers.append(worker)
        self._dispatch()

    def _requeue(self, untried: list[Task]) -> None:
        """Pages a lost worker had not started: first in line again (or stopped)."""
        if self._closing:
            for _payload, done in untried:
                done.errback(self._refusal())
            return
        self._waiting.extendleft(reversed(untried))
        self._dispatch()

    # -- workers and the fork server come and go
    def _hello(self, worker: WorkerLink, key: int, pid: int) -> None:
        if key not in self._starting or self._closing:
            worker._transport().loseConnection()  # not one we asked for, or too late
            return
        self._starting.discard(key)
        worker.key, worker.pid = key, pid
        self._workers[key] = worker
        self._early_deaths = 0
        for _ in range(_PAGES_PER_WORKER):
            self._idle(worker)

    def _exited(self, key: int, code: int | None, signal_number: int | None) -> None:
        """The fork server says the worker of *key* has exited."""
        if key in self._workers:
            self._workers[key].exited(code, signal_number)
        elif key in self._starting:  # it died before it said hello
            self._starting.discard(key)
            self._early_death()

    def _early_death(self) -> None:
        self._early_deaths += 1
        if self._early_deaths >= _MAX_EARLY_DEATHS:
            self._break()
        elif not self._closing:
            self.start()

    def _server_ended(self, server: ForkServer) -> None:
        """The fork server exited (its workers die with it and hang up one by one)."""
        if server is self._server:
            self._server = None
        if self._closing:
            self._check_closed()
        elif not server.ready:  # its imports fail
            self._early_death()
        else:
            self.start()

    def _lost(self, worker: WorkerLink, untried: list[Task]) -> None:
        """*worker* is being killed (it hangs): a new one takes its place at once."""
        if worker.gone:
            return
        worker.gone = True
        self._workers.pop(-1 if worker.key is None else worker.key, None)
        self.replaced += 1
        if not self._closing:
            self._spawn()
        self._requeue(untried)

    def _ended(self, worker: WorkerLink, untried: list[Task]) -> None:
        if not worker.gone:
            worker.gone = True
            self._workers.pop(-1 if worker.key is None else worker.key, None)
            if not self._closing:
                self.replaced += 1
                self._spawn()
        self._requeue(untried)
        self._check_closed()

    def _kill_all(self) -> None:
        for worker in list(self._workers.values()):
            worker._kill()
        if self._server is not None:
            self._server.kill()

    def _refusal(self) -> Exception:
        """Why a page cannot be extracted once the pool is closing: the crawl stopped, or
        the workers cannot start."""
        if self._stopping:
            return ExtractionStopped("the crawl stopped")
        return PoolBroken("extraction workers exit as soon as they start (see the messages above)")

    def _break(self) -> None:
        self._closing = True
        while self._waiting:
            self._waiting.popleft()[1].errback(self._refusal())
        self._kill_all()
