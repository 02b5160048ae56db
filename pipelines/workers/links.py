"""The crawl's ends of its links to the extraction processes (Twisted protocols).

- :class:`ForkServer`: the pipes of the process the workers are forked from
  (:mod:`pipelines.workers.fork_server`): a line asks for a worker, a frame says one has ended.
- :class:`WorkerLink`: one worker's connection to the socket the pool listens on
  (:func:`link_factory`): the pages it holds, its time limit, and how it ended.

Both report to their :class:`pipelines.workers.pool.ExtractorPool`, which decides what happens next.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet import protocol
from twisted.internet.defer import Deferred
from twisted.protocols import basic

from pipelines.extraction.article import Article
from pipelines.workers.loop import frame as _frame
from storage.captures import Records

if TYPE_CHECKING:
    from pipelines.workers.pool import ExtractorPool

__all__ = [
    "ExtractionFailed",
    "ExtractionStopped",
    "ForkServer",
    "PoolBroken",
    "Task",
    "WorkerLink",
    "link_factory",
]

# how long a worker's lost connection waits for the fork server to say how it ended
_EXIT_STATUS_WAIT = 0.5
# a page for a worker: (html, url, declared language, encoding[, fetch]), and what its
# extraction fires
Task = tuple[tuple[Any, ...], Deferred[Article | None]]
_RECORDS = "_records"  # where a reply's WARC records' bytes are put


class ExtractionFailed(Exception):
    """The page could not be extracted: its worker died on it or took too long."""


class ExtractionStopped(Exception):
    """The crawl stopped before the page was extracted: it was not tried (no attempt counts)."""


class PoolBroken(ExtractionFailed):
    """Workers die before they are ready: extraction cannot run at all."""


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


class _Frames(basic.Int32StringReceiver):
    """Frames (:func:`pipelines.workers.loop.frame`: a 4-byte big-endian length, then the payload)
    as Twisted reads them; each payload is JSON, handed to *handle*."""

    MAX_LENGTH = 2**31 - 1  # a page and its article: never refused for their size

    def __init__(self, handle: Callable[[dict[str, Any]], None]):
        self.handle = handle

    def stringReceived(self, string: bytes) -> None:  # noqa: N802 - Twisted's name
        head, _, data = string.partition(b"\0")  # an article's WARC records follow a NUL
        message = json.loads(head)
        if data:
            message[_RECORDS] = data
        self.handle(message)

    def dataReceived(self, data: bytes) -> None:  # noqa: N802 - Twisted's name
        # Twisted's own is unannotated (an untyped call under strict mypy): the same
        # method, given its signature
        receive: Callable[[bytes], None] = super().dataReceived
        receive(data)


def _article(reply: dict[str, Any]) -> Article | None:
    """The article of a worker's *reply*, with its WARC records (:mod:`pipelines.workers.loop`)."""
    found = reply.get("article")
    if not found:
        return None
    place = found.pop("records", None)
    if place is not None and _RECORDS in reply:
        found["records"] = Records(reply[_RECORDS], **place)
    return Article(**found)


class WorkerLink(protocol.Protocol):
    """One worker's connection: the pages it holds, and how it ended."""

    def __init__(self, pool: ExtractorPool):
        self.pool = pool
        self.frames = _Frames(self._message)
        # the pages given to it, oldest first: the first is being extracted, the next waits
        # in its socket, so it never waits for the crawl's process between two pages
        self.tasks: deque[Task] = deque()
        self.timer: Any = None
        self.key: int | None = None  # said in its first frame, with its process id
        self.pid: int | None = None
        self.gone = False  # replaced: it is dying or dead
        self.finished = False  # its end has been dealt with
        self.exit: tuple[int | None, int | None] | None = None  # (code, signal), once known
        self.waiting_exit: Any = None

    # -- pages
    def send(self, task: Task) -> None:
        self.tasks.append(task)
        self._transport().write(_frame(pickle.dumps(task[0], protocol=5)))
        if len(self.tasks) == 1:
            self._start_timer()

    def _start_timer(self) -> None:
        self.timer = _reactor().callLater(self.pool.timeout, self._timed_out)

    def _transport(self) -> Any:
        return self.transport

    def dataReceived(self, data: bytes) -> None:  # noqa: N802 - Twisted's name
        self.frames.dataReceived(data)

    def _message(self, reply: dict[str, Any]) -> None:
        if self.key is None:  # its first frame says which worker it is
            if reply.get("ready") and "key" in reply:
                self.pool._hello(self, int(reply["key"]), int(reply["pid"]))
            else:
                self._transport().loseConnection()
            return
        task = self.tasks.popleft() if self.tasks else None
        self._cancel_timer()
        if self.tasks:  # it starts on the next one now: its time runs from here
            self._start_timer()
        self.pool._idle(self)  # room for another page: it waits in the socket meanwhile
        if task is not None:
            if "error" in reply:
                task[1].errback(ExtractionFailed(f"extraction failed: {reply['error']}"))
            else:
                task[1].callback(_article(reply))

    def _untried(self) -> list[Task]:
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

    # -- its end: the connection closes when the process exits; the fork server says how
    def connectionLost(self, reason: Any = None) -> None:  # noqa: N802 - Twisted's name
        self._cancel_timer()
        if self.key is None:
            return  # it never said who it was: nothing was given to it
        if self.exit is None and self.tasks and not self.pool._stopping:
            self.waiting_exit = _reactor().callLater(_EXIT_STATUS_WAIT, self._ended)
        else:
            self._ended()

    def exited(self, code: int | None, signal_number: int | None) -> None:
        self.exit = (code, signal_number)
        if self.waiting_exit is not None and self.waiting_exit.active():
            self.waiting_exit.cancel()
            self._ended()

    def _ended(self) -> None:
        self.waiting_exit = None
        if self.finished:
            return
        self.finished = True
        task = self.tasks[0] if self.tasks else None
        rest = self._untried()
        self.pool._ended(self, rest)
        if task is not None and self.pool._stopping:  # killed by close(): not the page's fault
            task[1].errback(ExtractionStopped("the crawl stopped"))
        elif task is not None:
            code, signal_number = self.exit or (None, None)
            how = (
                f" (signal {signal_number})"
                if signal_number
                else f" (exit status {code})"
                if code is not None
                else ""
            )
            task[1].errback(ExtractionFailed(f"extraction worker died on this page{how}"))

    def _cancel_timer(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    def _kill(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:  # it is already gone
                pass


class _Links(protocol.Factory):
    """The listening socket's side: each connection is a worker saying hello."""

    def __init__(self, pool: ExtractorPool):
        self.pool = pool

    def buildProtocol(self, addr: Any) -> WorkerLink:  # noqa: N802 - Twisted's name
        return WorkerLink(self.pool)


class ForkServer(protocol.ProcessProtocol):
    """The process the workers are forked from (:mod:`pipelines.workers.fork_server`)."""

    def __init__(self, pool: ExtractorPool):
        self.pool = pool
        self.frames = _Frames(self._message)
        self.ready = False

    def fork(self, key: int) -> None:
        self._transport().write(f"{key}\n".encode())  # read once it is warm

    def close_input(self) -> None:
        """It exits once it has read all it was asked (its workers then go with it)."""
        self._transport().closeStdin()

    def _transport(self) -> Any:
        return self.transport

    def outReceived(self, data: bytes) -> None:  # noqa: N802 - Twisted's name
        self.frames.dataReceived(data)

    def _message(self, message: dict[str, Any]) -> None:
        if message.get("ready"):
            self.ready = True
        elif "ended" in message:
            self.pool._exited(int(message["ended"]), message.get("code"), message.get("signal"))

    def processEnded(self, reason: Any) -> None:  # noqa: N802 - Twisted's name
        self.pool._server_ended(self)

    def kill(self) -> None:
        try:
            self._transport().signalProcess("KILL")
        except Exception:  # noqa: BLE001 - it is already gone
            pass


def link_factory(pool: ExtractorPool) -> protocol.Factory:
    """The factory for the socket *pool* listens on: a :class:`WorkerLink` per connection."""
    return _Links(pool)
