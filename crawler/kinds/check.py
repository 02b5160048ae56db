"""``sources check`` inside Scrapy: a spider that fetches each source's listing once.

The check runs the crawl's own stack (``crawler.crawl_settings.scrapy_settings``: its
middlewares, robots.txt through Protego, the private-network guard and resolver, the
user agent, the size limit) with a short timeout and no retries. Each host's sources are
fetched one after another (GDELT's through the crawl's own 5 s download slot); when a host
cannot be reached at all, its waiting sources fail at once with the same reason. Each
listing is read with its kind's ``describe`` (the crawl's parsers). A kind that discovers
its listing (``DISCOVERS``: ``site``) is checked by a discovery (:mod:`crawler.kinds.probe`)
from its page, as its first crawl would make it; a feed or sitemap that fails is followed by
a discovery at its site's home page, whose finding the check's line names.

Twisted's reactor runs once per process, so the check runs in a process of its own:
``python -m crawler.kinds.check`` reads a job (JSON) on stdin and writes one JSON object
per source on stdout as each result comes (:func:`crawler.sources.state.check_sources`).
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.config import Source
from crawler.kinds import KINDS, ListingUnusable, load
from crawler.kinds.base import failure_reason, too_large
from crawler.kinds.probe import Discovery
from crawler.kinds.queries import DiscoveryError
from crawler.kinds.search import unreachable
from crawler.listings.discovery import Found, site_root
from crawler.listings.feeds import FeedError
from crawler.listings.sitemaps import SitemapError
from crawler.sources.state import CheckResult

__all__ = ["CheckSpider", "check_settings", "main"]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else "")[:200]


def _unexpected(exc: BaseException) -> str:
    """Any other exception, as the one line of a failed check (no traceback)."""
    detail = _first_line(exc)
    return f"unreadable: {type(exc).__name__}" + (f": {detail}" if detail else "")


def _host_of(source: Source) -> str:
    """The key of the queue a source waits in: the host of its URL."""
    return urlsplit(source.url).netloc.lower()


class CheckSpider(scrapy.Spider):
    """One request per source; a host's sources one after another."""

    name = "sources-check"

    def __init__(
        self,
        sources: list[Source],
        themes: Any,
        emit: Callable[[CheckResult], None],
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.themes = themes
        self.emit = emit
        self.queues: dict[str, deque[Source]] = {}
        for source in sources:
            self.queues.setdefault(_host_of(source), deque()).append(source)
        self.down: dict[str, str] = {}  # host -> why it cannot be reached

    async def start(self) -> AsyncIterator[Request]:
        for host in list(self.queues):
            for request in self.next_request(host):
                yield request

    def next_request(self, host: str) -> Iterator[Request]:
        """The request of the next source of *host* that can be checked."""
        queue = self.queues[host]
        while queue:
            source = queue.popleft()
            if host in self.down:
                self.emit(CheckResult(source, False, detail=f"not tried: {self.down[host]}"))
                continue
            try:
                kind = load(source.kind)
                url = kind.check_url(source, self.themes)
                meta = kind.check_meta(source)
            except DiscoveryError as exc:
                self.emit(CheckResult(source, False, detail=str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - one bad source must not stop the others
                self.emit(CheckResult(source, False, detail=_unexpected(exc)))
                continue
            if getattr(kind, "DISCOVERS", False):
                yield self.discovery(source, host, url).start()
                return
            yield Request(
                url,
                callback=self.parse_listing,
                errback=self.listing_failed,
                dont_filter=True,
                meta={
                    **meta,
                    "source": source,
                    "host": host,
                    "started": time.monotonic(),
                    "dont_retry": True,  # once: a check, not a crawl
                },
            )
            return

    def parse_listing(self, response: Response) -> Iterator[Request]:
        source: Source = response.meta["source"]
        seconds = time.monotonic() - response.meta["started"]
        status = response.status
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        max_size = self.settings.getint("DOWNLOAD_MAXSIZE")
        host = response.meta["host"]
        try:
            found = load(source.kind).describe(response.body, response.url, content_type, max_size)
        except ListingUnusable as exc:
            failed = CheckResult(source, False, seconds, status, detail=_first_line(exc))
        except (FeedError, SitemapError) as exc:
            detail = f"unreadable: {_first_line(exc)}"
            failed = CheckResult(source, False, seconds, status, detail=detail)
        except Exception as exc:  # noqa: BLE001 - hostile input (corrupt gzip, odd JSON)
            failed = CheckResult(source, False, seconds, status, detail=_unexpected(exc))
        else:
            self.emit(
                CheckResult(source, True, seconds, status, found.format, found.items, found.detail)
            )
            yield from self.next_request(host)
            return
        yield from self.failed_listing(failed, host)

    def listing_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        source: Source = request.meta["source"]
        host = request.meta["host"]
        reason, status, _final = failure_reason(failure)
        if too_large(failure.value):
            reason = f"larger than {self.settings.getint('DOWNLOAD_MAXSIZE')} bytes"
        if unreachable(failure):
            self.down.setdefault(host, reason)
        seconds = time.monotonic() - request.meta["started"]
        yield from self.failed_listing(
            CheckResult(source, False, seconds, status, detail=reason), host
        )

    # ------------------------------------------------------------------ discovery
    def discovery(
        self, source: Source, host: str, url: str, failed: CheckResult | None = None
    ) -> Discovery:
        """A discovery from *url*: a ``site`` source's check, or after a *failed* feed's."""
        started = time.monotonic()

        def done(found: Found | None, response: Response | None, why: str) -> Iterator[Request]:
            seconds = time.monotonic() - started
            page_failure = discovery.page_failure
            if page_failure is not None and unreachable(page_failure):
                self.down.setdefault(host, why.removeprefix(f"{url}: "))
            if failed is not None:
                finding = found.summary() if found else f"nothing ({why})"
                failed.detail += f"; discovery at {url} now finds {finding}"
                self.emit(failed)
            elif found is None or response is None:
                self.emit(CheckResult(source, False, seconds, detail=why))
            else:
                self.emit(
                    CheckResult(
                        source,
                        True,
                        seconds,
                        response.status,
                        found.format,
                        found.items,
                        f"{found.kind} {found.url}",
                        kind=found.kind if found.page else "site",
                        url=found.url,
                        titles=found.titles,
                    )
                )
            yield from self.next_request(host)

        discovery = Discovery(
            url,
            done=done,
            max_size=self.settings.getint("DOWNLOAD_MAXSIZE"),
            meta={"source": source, "host": host, "started": started, "dont_retry": True},
            exclude={source.url} if failed is not None else (),
        )
        return discovery

    def failed_listing(self, result: CheckResult, host: str) -> Iterator[Request]:
        """A feed or sitemap that failed: what discovery now finds at its site, unless its
        host cannot be reached at all."""
        if host in self.down or result.source.kind not in ("feed", "sitemap"):
            self.emit(result)
            yield from self.next_request(host)
            return
        yield self.discovery(result.source, host, site_root(result.source.url), result).start()


def check_settings(
    config_dir: Path, *, timeout: float, allow_private_networks: bool
) -> dict[str, Any]:
    """The crawl's Scrapy settings, with the check's differences: a short timeout, one
    request at a time per host, no item pipelines, and every kind's download slots."""
    from crawler.config import load_settings
    from crawler.crawl_settings import scrapy_settings

    settings = scrapy_settings(
        load_settings(config_dir), allow_private_networks=allow_private_networks
    )
    slots: dict[str, Any] = dict(settings.get("DOWNLOAD_SLOTS") or {})
    for name in KINDS:
        custom = getattr(load(name).SPIDER, "custom_settings", None) or {}
        slots.update(custom.get("DOWNLOAD_SLOTS") or {})
    settings.update(
        DOWNLOAD_TIMEOUT=timeout,
        DNS_TIMEOUT=timeout,
        CONCURRENT_REQUESTS_PER_DOMAIN=1,
        DOWNLOAD_SLOTS=slots,
        ITEM_PIPELINES={},
    )
    return settings


def _write(result: CheckResult) -> None:
    """One result as a line of JSON: the source by its name, then the findings."""
    values = {f.name: getattr(result, f.name) for f in fields(result) if f.name != "source"}
    sys.stdout.write(json.dumps({"name": result.source.name, **values}) + "\n")
    sys.stdout.flush()


def main() -> None:
    """The check process: a job on stdin (``config_dir``, ``timeout``,
    ``allow_private_networks``, ``sources``), one JSON line per source on stdout."""
    from scrapy.crawler import CrawlerProcess

    from crawler.config import load_themes

    job = json.load(sys.stdin)
    config_dir = Path(job["config_dir"])
    sources = [Source(**values) for values in job["sources"]]
    settings = check_settings(
        config_dir,
        timeout=float(job["timeout"]),
        allow_private_networks=bool(job["allow_private_networks"]),
    )
    themes = load_themes(config_dir / "themes.toml")
    process = CrawlerProcess(settings)
    process.crawl(CheckSpider, sources=sources, themes=themes, emit=_write)
    process.start()


if __name__ == "__main__":
    main()
