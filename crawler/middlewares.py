"""Downloader middlewares: the private-network guard, retries with backoff, redirects."""

from __future__ import annotations

import ipaddress
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request as ScrapyRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message

from crawler.delays import NOT_BEFORE

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

__all__ = [
    "BackoffRetryMiddleware",
    "GuardedResolver",
    "HeadMetaRefreshMiddleware",
    "LoopRefusingRedirectMiddleware",
    "RedirectLoop",
    "PrivateNetworkGuard",
    "RetryDeferred",
    "SharedRobotsTxtMiddleware",
    "is_private_address",
    "retry_after",
    "retry_delay",
]


class PrivateNetworkRefused(IgnoreRequest):
    """A request to a loopback, private, link-local or multicast address was refused."""


class HostNotFound(IgnoreRequest):
    """The host name did not resolve (or the lookup timed out): not retried in this crawl.

    Offline, or with a resolver that does not answer, every retry would wait for the same
    failure again; one lookup per host and crawl keeps such a crawl short.
    """


def refusal(what: str) -> str:
    """The one wording of a private-network refusal: ``refused: <what> a private network
    address (--allow-private-networks allows it)``."""
    return f"refused: {what} a private network address (--allow-private-networks allows it)"


def is_private_address(ip: str) -> bool:
    """True for addresses a monitored page must not make the crawler reach."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        # an IPv4 address inside an IPv6 one (mapped, 6to4, Teredo) is judged as itself
        embedded = addr.ipv4_mapped or addr.sixtofour or (addr.teredo and addr.teredo[1])
        if embedded:
            addr = embedded
    # not global: private, loopback, link-local, shared (100.64/10), reserved, ...
    return not addr.is_global or addr.is_multicast


class PrivateNetworkGuard:
    """Refuse requests whose host is or resolves to a non-public address.

    Runs for every request that reaches the downloader, so also for robots.txt and
    for the target of every redirect (RedirectMiddleware schedules a new request).
    Disabled when ``CULTUREWATCH_ALLOW_PRIVATE_NETWORKS`` is true.
    """

    def __init__(self, dns_timeout: float = 30.0) -> None:
        self._verdicts: dict[str, str | HostNotFound | None] = {}
        self.dns_timeout = dns_timeout

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateNetworkGuard:
        if crawler.settings.getbool("CULTUREWATCH_ALLOW_PRIVATE_NETWORKS"):
            raise NotConfigured
        settings = crawler.settings
        return cls(min(settings.getfloat("DNS_TIMEOUT"), settings.getfloat("DOWNLOAD_TIMEOUT")))

    async def process_request(self, request: Request) -> None:
        from urllib.parse import urlsplit

        host = urlsplit(request.url).hostname or ""
        if host not in self._verdicts:
            self._verdicts[host] = await self._check(host)
        blocked = self._verdicts[host]
        if isinstance(blocked, HostNotFound):
            raise HostNotFound(str(blocked))
        if blocked:
            where = host if blocked == host else f"{host} ({blocked})"
            raise PrivateNetworkRefused(refusal(f"{where} is"))

    async def _check(self, host: str) -> str | HostNotFound | None:
        try:
            return host if is_private_address(host) else None
        except ValueError:
            pass  # a name, not an address literal
        from twisted.internet import reactor, threads
        from twisted.internet.defer import TimeoutError as DeferredTimeout

        lookup = threads.deferToThread(socket.getaddrinfo, host, None, 0, socket.SOCK_STREAM)
        lookup.addTimeout(self.dns_timeout, reactor)
        try:
            infos = await maybe_deferred_to_future(lookup)
        except socket.gaierror as exc:
            return HostNotFound(f"DNS lookup of {host} failed: {exc.strerror or exc}")
        except DeferredTimeout:
            return HostNotFound(f"DNS lookup of {host} timed out after {self.dns_timeout:g}s")
        except OSError:
            return None  # let the download report it
        for info in infos:
            ip = str(info[4][0])
            if is_private_address(ip):
                return ip
        return None


def retry_after(response: Response | None) -> float | None:
    """Seconds the server asked to wait (``Retry-After``: seconds or an HTTP date), if any."""
    if response is None:
        return None
    header = response.headers.get(b"Retry-After")
    if not header:
        return None
    value = header.decode("latin-1").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def retry_delay(response: Response | None, attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before retry *attempt* (1-based): Retry-After when given, else backoff."""
    asked = retry_after(response)
    if asked is not None:
        return min(asked, cap)
    return min(base * 2 ** (attempt - 1), cap)


class RetryDeferred(IgnoreRequest):
    """The server asked for a wait longer than the crawl holds a request: the URL is left
    to a later crawl, not before ``retry_at`` (ISO 8601, UTC)."""

    def __init__(self, message: str, retry_at: str, status: int | None = None):
        super().__init__(message)
        self.retry_at = retry_at
        self.status = status


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, with each retry waiting for its own backoff.

    The wait doubles from ``CULTUREWATCH_RETRY_BACKOFF_BASE`` seconds and honours a
    ``Retry-After`` header (seconds or HTTP date). It belongs to the URL: the retry is
    scheduled with the time before which it may not be fetched (``meta["not_before"]``),
    and :class:`crawler.delays.DelayingScheduler` holds it until then, so nothing waits in
    the downloader and the host's other URLs, and every other host, go on at normal
    politeness. A ``Retry-After`` beyond ``CULTUREWATCH_RETRY_BACKOFF_MAX`` is not waited
    for in this crawl: the request fails with :class:`RetryDeferred`, and the page is
    recorded as deferred until then.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("CULTUREWATCH_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("CULTUREWATCH_RETRY_BACKOFF_MAX", 120.0)

    def _retry_later(
        self, request: Request, reason: str | Exception, response: Response | None
    ) -> Request | None:
        asked = retry_after(response)
        if asked is not None and asked > self.cap and not request.meta.get("dont_retry"):
            when = datetime.now(UTC) + timedelta(seconds=asked)
            retry_at = when.isoformat(timespec="seconds")
            raise RetryDeferred(
                f"HTTP {response.status if response else ''}: Retry-After {asked:g}s, "
                f"deferred to a crawl after {retry_at}",
                retry_at,
                response.status if response is not None else None,
            )
        retry = self._retry(request, reason)
        if retry is None:
            return None
        wait = retry_delay(response, retry.meta["retry_times"], self.base, self.cap)
        retry.meta[NOT_BEFORE] = time.monotonic() + wait
        return retry

    def process_response(self, request: Request, response: Response):  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        reason = response_status_message(response.status)
        return self._retry_later(request, reason, response) or response

    def process_exception(self, request: Request, exception: Exception):  # type: ignore[override]
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get(
            "dont_retry", False
        ):
            return self._retry_later(request, exception, None)
        return None


class RedirectLoop(IgnoreRequest):
    """A redirect led back to a URL of its own chain (or to itself)."""


class LoopRefusingRedirectMiddleware(RedirectMiddleware):
    """Scrapy's RedirectMiddleware, failing a redirect back into its own chain at once.

    Without it, a page redirecting to itself is dropped by the duplicate filter without a
    trace (no outcome, refetched by every crawl), and a loop of two pages costs
    ``REDIRECT_MAX_TIMES`` requests before it fails.
    """

    def process_response(self, request: Request, response: Response):  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, ScrapyRequest):
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if result.url in chain:
                raise RedirectLoop(f"redirect loop: {request.url} -> {result.url}")
        return result


# a meta refresh is looked for in the first 4,096 characters of a page (Scrapy's rule);
# 16 KiB of bytes hold them in any encoding (4 bytes a character at most)
_HEAD_BYTES = 16384


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, looking at the head of a page only.

    Scrapy's looks at the first 4,096 characters of ``response.text``, which decodes the
    whole body and keeps the text on the response for as long as it lives: a second copy
    of every page, up to four times its size, held in the crawl's process while the page
    waits for an extraction worker (~18 MiB of the crawl's peak with 30 pages in flight).
    Here it reads a copy of the response cut to its first bytes; the page itself stays
    bytes, and is decoded once, in the worker.
    """

    def process_response(self, request: Request, response: Response):  # type: ignore[override]
        if len(response.body) <= _HEAD_BYTES:
            return super().process_response(request, response)
        head = response.replace(body=response.body[:_HEAD_BYTES])
        result = super().process_response(request, head)
        return response if result is head else result


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, with every waiting request given the parser, and
    robots.txt remembered across crawls.

    In Scrapy 2.19 the requests that arrive while a host's robots.txt is being
    downloaded all await the same Deferred through ``deferred_to_future``, which
    consumes its result: only the first of them gets the parser, the others get None
    and are let through unchecked. Each waiter here gets a Deferred of its own, relayed
    from the shared one, so the result reaches them all.

    A host's robots.txt fetched by an earlier crawl less than
    ``CULTUREWATCH_ROBOTS_MAX_AGE`` seconds ago is read from the archive
    (:mod:`storage.robots`) instead of being asked for again; what this crawl fetches (a
    2xx, or a 4xx: everything allowed) is kept in the session and stored at its end.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.max_age = crawler.settings.getfloat("CULTUREWATCH_ROBOTS_MAX_AGE", 0)

    async def robot_parser(self, request: Request) -> Any:
        from scrapy.utils.httpobj import urlparse_cached
        from scrapy.utils.misc import build_from_crawler
        from twisted.internet.defer import Deferred

        url = urlparse_cached(request)
        if url.netloc not in self._parsers:
            body = self._remembered(f"{url.scheme}://{url.netloc}")
            if body is not None:
                self._parsers[url.netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
        pending = self._parsers.get(url.netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred = Deferred()

            def relay(result: Any) -> Any:
                waiter.callback(result)
                return result

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        from scrapy.utils.httpobj import urlparse_cached

        session = getattr(self.crawler.spider, "session", None)
        if session is not None and response.status < 500:
            host = f"{urlparse_cached(request).scheme}://{netloc}"
            body = response.body if response.status < 300 else b""
            session.robots[host] = (response.status, body)
        await super()._parse_robots(response, netloc, request)

    def _remembered(self, host: str) -> bytes | None:
        import sqlite3

        from storage.robots import remembered

        session = getattr(self.crawler.spider, "session", None)
        if session is None or self.max_age <= 0:
            return None
        try:
            return remembered(session.archive.db, host, self.max_age)
        except sqlite3.Error:  # only a saving: the host is asked
            return None


def refuse_private(ip: str, name: str) -> str:
    """*ip* if it is a public address, else a DNSLookupError naming *name*."""
    from twisted.internet.error import DNSLookupError

    if is_private_address(ip):
        raise DNSLookupError(refusal(f"{name} resolves to {ip},"))
    return ip


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing names that resolve to private addresses.

    PrivateNetworkGuard judges a host before its request is downloaded; this resolver
    judges the address the connection is actually made to, so a name that answers with
    a public address first and a private one later (DNS rebinding) is refused too.
    """

    guard = True

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.guard = not crawler.settings.getbool("CULTUREWATCH_ALLOW_PRIVATE_NETWORKS")
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802
        result = super().getHostByName(name, timeout)
        if self.guard:
            result.addCallback(refuse_private, name)
        return result
