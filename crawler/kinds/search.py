"""The shared spider of the discovery kinds: sources searched one after another.

Both kinds search their sources one after another, and when the service cannot be
reached at all (DNS, refused connection, timeout) the remaining sources on that host fail
at once with the same reason instead of each waiting for its own timeouts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar, cast
from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.http import Request, Response
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.python.failure import Failure

from crawler.config import Source
from crawler.kinds.base import SourceSpider, failure_reason
from crawler.kinds.queries import DiscoveryError
from crawler.middlewares import HostNotFound, PrivateNetworkRefused

__all__ = ["SearchSpider", "one_line", "unreachable"]


def one_line(exc: BaseException) -> str:
    """An unexpected exception as a one-line reason: DiscoveryError as is, others with their type."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    if isinstance(exc, DiscoveryError):
        return first[:300]
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return f"unreadable answer ({detail})"[:300]


def unreachable(failure: Failure) -> bool:
    """The host could not be reached at all (as opposed to an answer we did not like)."""
    return bool(
        failure.check(
            CannotResolveHostError,
            DownloadConnectionRefusedError,
            DownloadTimeoutError,
            DNSLookupError,
            ConnectError,
            PrivateNetworkRefused,
            HostNotFound,
        )
    )


class SearchSpider(SourceSpider):
    """Sources searched one after another: one service, one host, one request at a time."""

    service: ClassVar[str]

    def __init__(self, sources: list[Source], session: Any, **kwargs: Any):
        super().__init__(sources, session, **kwargs)
        self._queue: deque[Source] = deque(self.sources.values())

    async def start(self) -> AsyncIterator[Request]:
        for request in self.next_source():
            yield request

    def first_request(self, source: Source) -> Request | None:
        """The source's first request, or None when another source of this crawl makes
        the same search (it is read once)."""
        raise NotImplementedError

    def next_source(self) -> Iterator[Request]:
        """The first request of the next source that can be searched."""
        while self._queue:
            source = self._queue.popleft()
            try:
                request = self.first_request(source)
            except Exception as exc:  # one bad source must not stop the others
                self.session.report(source.name).fail(one_line(exc))
                continue
            if request is None:
                self.session.report(source.name).ok()  # the same search as another source
                continue
            yield request
            return

    def give_up_host(self, url: str, reason: str) -> None:
        """Fail the waiting sources on the host of *url*: it cannot be reached now."""
        host = urlsplit(url).netloc
        for source in [s for s in self._queue if urlsplit(s.url).netloc == host]:
            self._queue.remove(source)
            self.session.report(source.name).fail(
                f"not tried, {self.service} unreachable: {reason}"
            )

    def search_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        reason, _status, _final = failure_reason(failure)
        if unreachable(failure):
            self.give_up_host(request.url, reason)
        report = self.session.report(request.meta["source"])
        self._listing_error(report, request.meta["depth"], f"{self.where(request)}: {reason}")
        yield from self.next_source()

    def answer_failed(self, response: Response, exc: Exception) -> None:
        """Record an answer that could not be read as the listing's error."""
        report = self.session.report(response.meta["source"])
        where = self.where(cast(Request, response.request))
        self._listing_error(report, response.meta["depth"], f"{where}: {one_line(exc)}")

    def where(self, request: Request) -> str:
        """The search in a message: the query is in the configuration, so the host is enough."""
        page = f" (page {request.meta['depth'] + 1})" if request.meta["depth"] else ""
        return f"{self.service} search at {urlsplit(request.url).netloc}{page}"

    def themes(self) -> Any:
        return self.session.themes
