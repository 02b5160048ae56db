"""Extraction in worker processes: the pool the crawl feeds, and the worker loop.

Extraction is CPU work in Python: in threads of the crawl's process, pages share one GIL
and the reactor waits for it. Here each page is extracted by one of N worker processes
(``python -m pipelines.workers``, a fresh interpreter that imports trafilatura; the crawl's
own process never does). The crawl's side is Twisted through and through: the workers are
``reactor.spawnProcess`` children, written to and read from by the reactor, so feeding them
never blocks downloads.

- A worker holds one page at a time: it is given the next one when it has answered the
  last, so what sits in the pipes is at most one page per worker. Pages waiting for a
  worker wait in :meth:`ExtractorPool.extract` (Scrapy backs off its downloads when the
  responses it processes pass ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``), so memory is set by the
  workers, not by the pages in flight.
- A worker that dies on a page (a crash in a C library, killed for memory) or takes longer
  than *timeout* seconds on it (then it is killed) fails that page with
  :class:`ExtractionFailed`, and a new worker takes its place. Workers that die before
  they are ready (their imports fail), again and again, break the pool (:class:`PoolBroken`).

Frames on the pipes are a 4-byte big-endian length and a payload: the crawl sends a pickle
of ``(html, url, language)``, the worker answers JSON: ``{"article": {...} | null}`` or
``{"error": "..."}``.

Test hook (documented, off unless the environment sets ``CULTUREWATCH_WORKER_TEST_HOOKS=1``):
a page containing ``culturewatch-test:crash`` makes the worker exit at once (``os._exit``),
one containing ``culturewatch-test:hang`` makes it spin forever. No real page was found that
crashes or hangs lxml and trafilatura on demand; the hook lets the tests exercise the pool's
recovery with a real dying or hanging process.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, BinaryIO

from twisted.internet import protocol
from twisted.internet.defer import Deferred

from pipelines.article import Article

__all__ = [
    "ExtractionFailed",
    "ExtractionStopped",
    "ExtractorPool",
    "PoolBroken",
    "default_workers",
]

TEST_HOOKS = "CULTUREWATCH_WORKER_TEST_HOOKS"
_HEADER = struct.Struct(">I")
# workers in a row that die before they are ready: the pool cannot work
_MAX_EARLY_DEATHS = 3


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


def _frame(payload: bytes) -> bytes:
    return _HEADER.pack(len(payload)) + payload


# ---------------------------------------------------------------------------- the crawl's side
class _Worker(protocol.ProcessProtocol):
    def __init__(self, pool: ExtractorPool):
        self.pool = pool
        self.buffer = bytearray()
        self.task: tuple[bytes, Deferred[Article | None]] | None = None
        self.timer: Any = None
        self.ready = False  # it said so once its imports were done
        self.gone = False

    def send(self, task: tuple[bytes, Deferred[Article | None]]) -> None:
        self.task = task
        self._transport().write(_frame(task[0]))
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
        task, self.task = self.task, None
        self._cancel_timer()
        if task is not None:
            if "error" in reply:
                task[1].errback(ExtractionFailed(f"extraction failed: {reply['error']}"))
            else:
                found = reply.get("article")
                task[1].callback(Article(**found) if found else None)
        self.pool._idle(self)

    def _timed_out(self) -> None:
        self.timer = None
        task, self.task = self.task, None
        self.pool._lost(self)
        self._kill()
        if task is not None:
            task[1].errback(
                ExtractionFailed(f"extraction took longer than {self.pool.timeout:g}s: stopped")
            )

    def processEnded(self, reason: Any) -> None:  # noqa: N802 - Twisted's name
        self._cancel_timer()
        task, self.task = self.task, None
        code = getattr(reason.value, "exitCode", None)
        signal = getattr(reason.value, "signal", None)
        self.pool._ended(self)
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
        self._waiting: deque[tuple[bytes, Deferred[Article | None]]] = deque()
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
            [sys.executable, "-m", "pipelines.workers"],
            env=env,
            childFDs={0: "w", 1: "r", 2: 2},
        )
        self._workers.append(worker)
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
            if worker.task is not None:
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
        self._waiting.append((pickle.dumps((html, url, language), protocol=5), done))
        self._dispatch()
        return done

    def _dispatch(self) -> None:
        while self._waiting and self._idle_workers:
            worker = self._idle_workers.popleft()
            if worker.gone:
                continue
            worker.send(self._waiting.popleft())

    def _idle(self, worker: _Worker) -> None:
        self._idle_workers.append(worker)
        self._dispatch()

    def _lost(self, worker: _Worker) -> None:
        """*worker* is being killed (it hangs): a new one takes its place at once."""
        if worker.gone:
            return
        worker.gone = True
        if worker in self._workers:
            self._workers.remove(worker)
        self.replaced += 1
        if not self._closing:
            self._spawn()

    def _ended(self, worker: _Worker) -> None:
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


# ---------------------------------------------------------------------------- the worker's side
def _read(stream: BinaryIO) -> bytes | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None  # the crawl closed our input: done
    (size,) = _HEADER.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def _test_hook(html: str | bytes) -> None:
    marker = html if isinstance(html, bytes) else html.encode("utf-8", "replace")
    if b"culturewatch-test:crash" in marker:
        os._exit(70)
    if b"culturewatch-test:hang" in marker:
        while True:
            pass


def _signature(text: str) -> list[int] | None:
    """The story signature of *text*, computed here so that the crawl's process need not;
    None (the archive's writer computes it then) when it cannot be."""
    try:
        from pipelines.stories import signature

        sig = signature(text)
    except Exception:  # noqa: BLE001 - the writer tries again; the extraction stands
        return None
    return None if sig is None else [int(v) for v in sig]


def serve(stdin: BinaryIO, send: Callable[[bytes], None]) -> None:
    """Answer frames from *stdin* until it ends (the worker loop)."""
    import logging
    import warnings

    if not os.environ.get("CULTUREWATCH_WORKER_VERBOSE"):
        logging.disable(logging.CRITICAL)  # trafilatura's warnings are not the crawl's output
        warnings.simplefilter("ignore")
    from pipelines.extract import extract

    hooks = os.environ.get(TEST_HOOKS) == "1"
    send(_frame(json.dumps({"ready": True}).encode()))
    while (frame := _read(stdin)) is not None:
        html, url, language = pickle.loads(frame)
        if hooks:
            _test_hook(html)
        try:
            article = extract(html, url, language=language)
            if article is not None:
                article.signature = _signature(article.text)
            reply: dict[str, Any] = {"article": asdict(article) if article else None}
        except Exception as exc:  # noqa: BLE001 - reported as the page's failure
            reply = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        send(_frame(json.dumps(reply, ensure_ascii=False).encode("utf-8")))


def _die_with_parent() -> None:
    """Linux: this worker is killed when the crawl dies (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def main() -> None:
    _die_with_parent()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the frames
    sys.stdout = sys.stderr

    def send(data: bytes) -> None:
        out.write(data)
        out.flush()

    serve(sys.stdin.buffer, send)


if __name__ == "__main__":
    main()
