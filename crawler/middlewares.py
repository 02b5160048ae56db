"""Downloader middlewares: the private-network guard and retries with backoff."""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = [
    "BackoffRetryMiddleware",
    "GuardedResolver",
    "PrivateNetworkGuard",
    "SharedRobotsTxtMiddleware",
    "is_private_address",
    "retry_delay",
]


class PrivateNetworkRefused(IgnoreRequest):
    """A request to a loopback, private, link-local or multicast address was refused."""


class HostNotFound(IgnoreRequest):
    """The host name did not resolve (or the lookup timed out): not retried in this crawl.

    Offline, or with a resolver that does not answer, every retry would wait for the same
    failure again; one lookup per host and crawl keeps such a crawl short.
    """


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
            raise PrivateNetworkRefused(
                f"refused: {where} is a private network address "
                "(--allow-private-networks allows it)"
            )

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
            ip = info[4][0]
            if is_private_address(ip):
                return ip
        return None


def retry_delay(response: Response | None, attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before retry *attempt* (1-based): Retry-After when given, else backoff."""
    if response is not None:
        header = response.headers.get(b"Retry-After")
        if header:
            value = header.decode("latin-1").strip()
            try:
                return max(0.0, min(float(value), cap))
            except ValueError:
                try:
                    when = parsedate_to_datetime(value)
                    seconds = (when - datetime.now(UTC)).total_seconds()
                    return max(0.0, min(seconds, cap))
                except (TypeError, ValueError):
                    pass
    return min(base * 2 ** (attempt - 1), cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, slowing the host down before each retry.

    The wait doubles from ``CULTUREWATCH_RETRY_BACKOFF_BASE`` seconds and honours a
    ``Retry-After`` header (seconds or HTTP date), capped at
    ``CULTUREWATCH_RETRY_BACKOFF_MAX``. It is applied to the host's download slot (its
    delay between requests, raised for the rest of the crawl; AutoThrottle may lower it
    again), not by holding the request: nothing else waits, and every request to a host
    that asked for a pause respects it.
    """

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.base = settings.getfloat("CULTUREWATCH_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("CULTUREWATCH_RETRY_BACKOFF_MAX", 120.0)

    def _slow_down(self, request: Request, response: Response | None) -> None:
        attempt = request.meta.get("retry_times", 0) + 1
        wait = retry_delay(response, attempt, self.base, self.cap)
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        if wait <= 0 or downloader is None:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            # the slot's delay varies by +-jitter: aim so that even the shortest is `wait`
            slot.delay = max(slot.delay, wait / max(1.0 - slot.jitter, 0.1))

    def process_response(self, request: Request, response: Response):  # type: ignore[override]
        result = super().process_response(request, response)
        if result is not response:
            self._slow_down(request, response)
        return result

    def process_exception(self, request: Request, exception: Exception):  # type: ignore[override]
        result = super().process_exception(request, exception)
        if result is not None:
            self._slow_down(request, None)
        return result


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, with every waiting request given the parser.

    In Scrapy 2.19 the requests that arrive while a host's robots.txt is being
    downloaded all await the same Deferred through ``deferred_to_future``, which
    consumes its result: only the first of them gets the parser, the others get None
    and are let through unchecked. Each waiter here gets a Deferred of its own, relayed
    from the shared one, so the result reaches them all.
    """

    async def robot_parser(self, request: Request):  # type: ignore[no-untyped-def]
        from scrapy.utils.httpobj import urlparse_cached
        from twisted.internet.defer import Deferred

        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred = Deferred()

            def relay(result):  # type: ignore[no-untyped-def]
                waiter.callback(result)
                return result

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)


def refuse_private(ip: str, name: str) -> str:
    """*ip* if it is a public address, else a DNSLookupError naming *name*."""
    from twisted.internet.error import DNSLookupError

    if is_private_address(ip):
        raise DNSLookupError(
            f"refused: {name} resolves to {ip}, a private network address "
            "(--allow-private-networks allows it)"
        )
    return ip


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing names that resolve to private addresses.

    PrivateNetworkGuard judges a host before its request is downloaded; this resolver
    judges the address the connection is actually made to, so a name that answers with
    a public address first and a private one later (DNS rebinding) is refused too.
    """

    guard = True

    @classmethod
    def from_crawler(cls, crawler, reactor):  # type: ignore[no-untyped-def, override]
        resolver = super().from_crawler(crawler, reactor)
        resolver.guard = not crawler.settings.getbool("CULTUREWATCH_ALLOW_PRIVATE_NETWORKS")
        return resolver

    def getHostByName(self, name, timeout=()):  # type: ignore[no-untyped-def]  # noqa: N802
        result = super().getHostByName(name, timeout)
        if self.guard:
            result.addCallback(refuse_private, name)
        return result
