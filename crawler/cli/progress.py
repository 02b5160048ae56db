"""What a running crawl shows: a live line on a terminal, plain periodic lines otherwise.

The runner calls :meth:`CrawlProgress.update` on the reactor thread with a
:class:`crawler.progress.CrawlSnapshot` a few times a second. On a terminal (stderr) a
``rich`` live line is redrawn in place and cleared at the end, before the summary; when
stderr is not a terminal (cron, a log file, the scheduler) one plain line is written every
``PLAIN_EVERY`` seconds. ``culturewatch crawl -q`` shows neither. Never on stdout: the
summary there stays what scripts and the scheduler read.
"""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["PLAIN_EVERY", "CrawlProgress", "describe"]

PLAIN_EVERY = 10.0  # seconds between two plain lines


def describe(snap: Any) -> str:
    """One line: sources done, pages fetched of queued, new, rate, elapsed."""
    rate = snap.fetched / snap.elapsed if snap.elapsed > 0 else 0.0
    minutes, seconds = divmod(int(snap.elapsed), 60)
    cluster = getattr(snap, "cluster", None)
    workers = (
        f"workers: {cluster[0]} pushed, {cluster[1]} in flight, {cluster[2]} done, "
        if cluster
        else ""
    )
    return (
        f"sources {snap.sources_done}/{snap.sources} done, pages {snap.fetched} fetched "
        f"of {snap.queued} queued, {snap.new} new, {workers}{rate:.1f} pages/s, "
        f"{minutes}:{seconds:02d} elapsed"
    )


class CrawlProgress:
    def __init__(self, stream: Any = None):
        self.stream = stream or sys.stderr
        self.live: Any = None
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_plain = time.monotonic()

    def update(self, snap: Any) -> None:
        if self.terminal:
            from rich.console import Console
            from rich.live import Live
            from rich.text import Text

            line = Text.assemble(("crawling ", "bold"), describe(snap), no_wrap=True)
            line.overflow = "ellipsis"
            if self.live is None:
                console = Console(file=self.stream)
                self.live = Live(line, console=console, transient=True, auto_refresh=False)
                self.live.start()
            self.live.update(line, refresh=True)
        elif time.monotonic() - self._last_plain >= PLAIN_EVERY:
            self._last_plain = time.monotonic()
            print(f"progress: {describe(snap)}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
