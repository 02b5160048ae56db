"""How far a running crawl is (:class:`CrawlSnapshot`), reported a few times a second to
whatever displays it (the CLI's :mod:`crawler.cli.progress`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crawler.session import CrawlSession

__all__ = ["PROGRESS_EVERY", "CrawlSnapshot", "report_progress"]

# seconds between two reports
PROGRESS_EVERY = 0.25


@dataclass(frozen=True)
class CrawlSnapshot:
    """How far a running crawl is, for a progress display."""

    elapsed: float
    sources: int
    sources_done: int  # answered: ok, not modified or failed
    queued: int  # article requests made
    fetched: int  # article responses received
    new: int
    # a crawl shared by workers: pages pushed to them, in their hands, done
    cluster: tuple[int, int, int] | None = None

    @classmethod
    def of(cls, session: CrawlSession, started: float) -> CrawlSnapshot:
        reports = list(session.reports.values())
        return cls(
            elapsed=time.monotonic() - started,
            sources=len(reports),
            sources_done=sum(1 for r in reports if r.status != "pending"),
            queued=sum(r.queued for r in reports),
            fetched=sum(r.fetched for r in reports),
            new=sum(r.new for r in reports),
            cluster=session.cluster.progress() if session.cluster is not None else None,
        )


def report_progress(
    show: Callable[[CrawlSnapshot], None], session: CrawlSession, started: float
) -> None:
    """Call *show* with a snapshot every PROGRESS_EVERY seconds while the reactor runs."""
    from twisted.internet import reactor
    from twisted.internet.task import LoopingCall

    loop = LoopingCall(lambda: show(CrawlSnapshot.of(session, started)))

    def stop() -> None:
        if loop.running:
            loop.stop()

    running: Any = reactor
    running.callWhenRunning(loop.start, PROGRESS_EVERY)
    running.addSystemEventTrigger("before", "shutdown", stop)
