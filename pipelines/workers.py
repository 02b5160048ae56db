"""Extraction in worker processes: the pool the crawl feeds, and the worker loop.

Extraction is CPU work in Python: in threads of the crawl's process, pages share one GIL
and the reactor waits for it. Here each page is extracted by one of N worker processes
(:mod:`pipelines.worker`, a fresh interpreter that imports trafilatura; the crawl's own
process never does). The crawl's side is Twisted through and through: the workers are
``reactor.spawnProcess`` children, written to and read from by the reactor, so feeding them
never blocks downloads.

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

The frames on the pipes are described in :mod:`pipelines.worker`.

Test hook (:mod:`pipelines.worker`; documented, off unless the environment sets ``CULTUREWATCH_WORKER_TEST_HOOKS=1``):
a page containing ``culturewatch-test:crash`` makes the worker exit at once (``os._exit``),
one containing ``culturewatch-test:hang`` makes it spin forever. No real page was found that
crashes or hangs lxml and trafilatura on demand; the hook lets the tests exercise the pool's
recovery with a real dying or hanging process.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from collections import deque
from typing import Any

from twisted.internet import protocol
from twisted.internet.defer import Deferred

from pipelines.article import Article
from pipelines.worker import HEADER as _HEADER
from pipelines.worker import frame as _frame

__all__ = [
    "ExtractionFailed",
    "ExtractionStopped",
    "ExtractorPool",
    "PoolBroken",
    "default_workers",
]

# workers in a row that die before they are ready: the pool cannot work
_MAX_EARLY_DEATHS = 3
# a page for a worker: (html, url, declared language), and what its extraction fires
_Task = tuple[tuple[Any, str, str | None], Deferred[Article | None]]
# pages given to a worker at once: it extracts one while the next waits in its pipe
_PAGES_PER_WORKER = 2


class ExtractionFailed(Exception):
    """The page could not be extracted: its worker died on it or took too long."""


class ExtractionStopped(Exception):
    """The crawl stopped before the page was extracted: it was not tried (no attempt counts)."""


class PoolBroken(ExtractionFailed):
    """Workers die before they are ready: extraction cannot run at all."""


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


# ---------------------------------------------------------------------------- the crawl's side
class _Worker(protocol.ProcessProtocol):
    def __init__(self, pool: ExtractorPool):
        self.pool = pool
        self.buffer = bytearray()
        # the pages given to it, oldest first: the first is being extracted, the next waits
        # in its pipe, so it never waits for the crawl's process between two pages
        self.tasks: deque[_Task] = deque()
        self.timer: Any = None
        self.ready = False  # it said so once its imports were done
        self.gone = False

    def send(self, task: _Task) -> None:
        self.tasks.append(task)
        self._transport().write(_frame(pickle.dumps(task[0], protocol=5)))
        if len(self.tasks) == 1:
            self._start_timer()

    def _start_timer(self) -> None:
        self.timer = _reactor().callLater(self.pool.timeout, self._timed_out)

    def _transport(self) -> Any:
        return self.transport

    def outReceived(self, data: bytes) -> None:  # noqa: N802 - Twisted's name
        self.buffer += data
        while len(self.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.buffer)
            if len(self.buffer) < _HEADER.size + size:
                return
            payload = bytes(self.buffer[_HEADER.size : _HEADER.size + size])
            del self.buffer[: _HEADER.size + size]
            self._answer(json.loads(payload))

    def _answer(self, reply: dict[str, Any]) -> None:
        if reply.get("ready"):
            self.ready = True
            self.pool._early_deaths = 0
            return
        task = self.tasks.popleft() if self.tasks else None
        self._cancel_timer()
        if self.tasks:  # it starts on the next one now: its time runs from here
            self._start_timer()
        self.pool._idle(self)  # room for another page: it waits in the pipe meanwhile
        if task is not None:
            if "error" in reply:
                task[1].errback(ExtractionFailed(f"extraction failed: {reply['error']}"))
            else:
                found = reply.get("article")
                task[1].callback(Article(**found) if found else None)

    def _untried(self) -> list[_Task]:
        """The pages after the one being extracted: never started, so given to another."""
        rest = list(self.tasks)[1:]
        self.tasks.clear()
        return rest

    def _timed_out(self) -> None:
        self.timer = None
        task = self.tasks[0] if self.tasks else None
        rest = self._untried()
        self.pool._lost(self, rest)
        self._kill()
        if task is not None:
            task[1].errback(
                ExtractionFailed(f"extraction took longer than {self.pool.timeout:g}s: stopped")
            )

    def processEnded(self, reason: Any) -> None:  # noqa: N802 - Twisted's name
        self._cancel_timer()
        task = self.tasks[0] if self.tasks else None
        rest = self._untried()
        code = getattr(reason.value, "exitCode", None)
        signal = getattr(reason.value, "signal", None)
        self.pool._ended(self, rest)
        if task is not None and self.pool._stopping:  # killed by close(): not the page's fault
            task[1].errback(ExtractionStopped("the crawl stopped"))
        elif task is not None:
            how = f"signal {signal}" if signal else f"exit status {code}"
            task[1].errback(ExtractionFailed(f"extraction worker died on this page ({how})"))

    def _cancel_timer(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    def _kill(self) -> None:
        try:
            self._transport().signalProcess("KILL")
        except Exception:  # noqa: BLE001 - it is already gone
            pass


class ExtractorPool:
    """*workers* extraction processes; :meth:`extract` gives a page to the next free one."""

    def __init__(self, workers: int, *, timeout: float = 60.0, verbose: bool = False):
        self.size = max(int(workers), 1)
        self.timeout = float(timeout)
        self.verbose = verbose
        self._workers: list[_Worker] = []
        self._idle_workers: deque[_Worker] = deque()
        self._waiting: deque[_Task] = deque()
        self._early_deaths = 0
        self._closing = False
        self._stopping = False  # close() was called: pages left now were never tried
        self._closed: list[Deferred[None]] = []
        self.replaced = 0  # workers that died or were killed and were replaced

    # -- the pool's life
    def start(self) -> None:
        while len(self._workers) < self.size:
            self._spawn()

    def _spawn(self) -> None:
        worker = _Worker(self)
        env = dict(os.environ)
        if self.verbose:
            env["CULTUREWATCH_WORKER_VERBOSE"] = "1"
        _reactor().spawnProcess(
            worker,
            sys.executable,
            [sys.executable, "-m", "pipelines.worker"],
            env=env,
            childFDs={0: "w", 1: "r", 2: 2},
        )
        self._workers.append(worker)
        for _ in range(_PAGES_PER_WORKER):
            self._idle(worker)

    def close(self) -> Deferred[None]:
        """End the workers (the idle ones by closing their input, the busy ones killed);
        fires when all are gone. Pages still waiting fail. For ``reactor.addSystemEventTrigger("before", "shutdown")``."""
        self._closing = self._stopping = True
        while self._waiting:
            self._waiting.popleft()[1].errback(ExtractionStopped("the crawl stopped"))
        done: Deferred[None] = Deferred()
        if not self._workers:
            done.callback(None)
            return done
        self._closed.append(done)
        for worker in list(self._workers):
            if worker.tasks:
                worker._kill()  # its page can no longer be archived: no need to wait for it
            else:
                worker._transport().closeStdin()
        _reactor().callLater(2.0, self._kill_all)  # one that has not exited by then
        return done

    # -- pages
    def extract(self, html: str | bytes, url: str, language: str | None = None) -> Deferred:
        """A Deferred of the page's :class:`Article` (None: no article in it), or a failure
        with :class:`ExtractionFailed`."""
        done: Deferred[Article | None] = Deferred()
        if self._closing:
            done.errback(
                ExtractionStopped("the crawl stopped")
                if self._stopping
                else PoolBroken("extraction workers exit as soon as they start")
            )
            return done
        if not self._workers:
            self.start()
        # pickled when sent: a page waiting here is held once, not twice
        self._waiting.append(((html, url, language), done))
        self._dispatch()
        return done

    def _dispatch(self) -> None:
        while self._waiting and self._idle_workers:
            worker = self._idle_workers.popleft()
            if worker.gone:
                continue
            worker.send(self._waiting.popleft())

    def _idle(self, worker: _Worker) -> None:
        """*worker* has room for one more page (``_idle_workers`` holds one entry a page)."""
        self._idle_workers.append(worker)
        self._dispatch()

    def _requeue(self, untried: list[_Task]) -> None:
        """Pages a lost worker had not started: first in line again (or stopped)."""
        if self._closing:
            for _payload, done in untried:
                done.errback(
                    ExtractionStopped("the crawl stopped")
                    if self._stopping
                    else PoolBroken("extraction workers exit as soon as they start")
                )
            return
        self._waiting.extendleft(reversed(untried))
        self._dispatch()

    def _lost(self, worker: _Worker, untried: list[_Task]) -> None:
        """*worker* is being killed (it hangs): a new one takes its place at once."""
        if worker.gone:
            return
        worker.gone = True
        if worker in self._workers:
            self._workers.remove(worker)
        self.replaced += 1
        if not self._closing:
            self._spawn()
        self._requeue(untried)

    def _ended(self, worker: _Worker, untried: list[_Task]) -> None:
        if not worker.gone:
            worker.gone = True
            if worker in self._workers:
                self._workers.remove(worker)
            if not self._closing:
                self.replaced += 1
                self._early_deaths += 0 if worker.ready else 1
                if self._early_deaths >= _MAX_EARLY_DEATHS:
                    self._break()
                else:
                    self._spawn()
        self._requeue(untried)
        if self._closing and not self._workers:
            for done in self._closed:
                done.callback(None)
            self._closed.clear()

    def _kill_all(self) -> None:
        for worker in list(self._workers):
            worker._kill()

    def _break(self) -> None:
        self._closing = True
        reason = "extraction workers exit as soon as they start (see the messages above)"
        while self._waiting:
            self._waiting.popleft()[1].errback(PoolBroken(reason))
        for worker in list(self._workers):
            worker._kill()
