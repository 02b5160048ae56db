"""The process of a crawl: Scrapy's CrawlerProcess with a deadline on its graceful stop,
and the extraction workers it starts first (a local crawl, or a cluster's worker)."""

from __future__ import annotations

import os
from typing import Any

from crawler.config import Settings

__all__ = ["STOP_GRACE", "crawler_process_class", "start_extractors"]

# after SIGINT/SIGTERM, seconds the requests in flight get before the crawl stops anyway
STOP_GRACE = 7.0


def start_extractors(
    settings: Settings, *, verbose: bool, semantic: str | os.PathLike[str] | None = None
) -> Any:
    """The extraction workers, started at once (they load trafilatura while the crawl
    sets itself up and fetches the listings) and let finish before the reactor stops.
    *semantic*: the prototypes file (``semantic.toml``) the workers compare each article
    with (``relevance.semantic``); None: they do not."""
    from scrapy.settings.default_settings import TWISTED_REACTOR
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    from pipelines.workers.pool import ExtractorPool, default_workers

    if not is_reactor_installed():  # the one Scrapy installs (the crawl keeps its default)
        install_reactor(TWISTED_REACTOR)
    from twisted.internet import reactor

    pool = ExtractorPool(
        int(settings["crawl.extract_workers"]) or default_workers(),
        timeout=float(settings["crawl.extract_timeout"]),
        verbose=verbose,
        semantic=None if semantic is None else os.fspath(semantic),
    )
    pool.start()  # spawned before the reactor runs: it reads their pipes once it does
    running: Any = reactor
    running.addSystemEventTrigger("before", "shutdown", pool.close)
    return pool


def crawler_process_class() -> type:
    from scrapy.crawler import CrawlerProcess

    class CrawlerProcessWithDeadline(CrawlerProcess):
        """Scrapy's CrawlerProcess, whose graceful stop on SIGINT/SIGTERM has a deadline.

        The first signal lets the requests in flight finish, as Scrapy does, but after
        ``STOP_GRACE`` seconds the reactor is stopped anyway (a page that hangs until its
        timeout, a host queue held by its download delay); a second signal stops at once.
        """

        signalled = False

        def _signal_shutdown(self, signum: int, _: Any) -> None:
            from twisted.internet import reactor

            self.signalled = True
            super()._signal_shutdown(signum, _)
            reactor.callFromThread(reactor.callLater, STOP_GRACE, self._stop_reactor)

    return CrawlerProcessWithDeadline
