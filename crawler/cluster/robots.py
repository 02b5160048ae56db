"""robots.txt for the whole cluster: fetched once per host per crawl, shared in Redis.

:class:`ClusterRobotsTxtMiddleware` is the crawl's robots.txt middleware (the coordinator's
and every worker's): a host's robots.txt anyone of the crawl fetched (or the coordinator read
from the archive) is kept in Redis (``robots:<scheme://host>``, expiring), and only one
process fetches it (a short lock; the others wait for its copy). Its ``Crawl-delay``, when
longer than the host's delay, becomes the host's delay for the whole cluster
(:meth:`~crawler.cluster.frontier.Frontier.set_delay`).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.task import deferLater

from crawler.cluster.connect import connect
from crawler.cluster.frontier import Frontier, Keys
from crawler.middlewares import SharedRobotsTxtMiddleware

__all__ = ["ClusterRobotsTxtMiddleware", "shared_robots"]

KEEP = 24 * 3600  # seconds a robots.txt stays in Redis (the crawl's end deletes it sooner)
FETCHING = 30  # seconds one process may take to fetch a robots.txt before another tries


class ClusterRobotsTxtMiddleware(SharedRobotsTxtMiddleware):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        settings = crawler.settings
        self.server = connect(settings["CULTUREWATCH_CLUSTER_URL"])
        self.keys = Keys(settings.get("CULTUREWATCH_CLUSTER_PREFIX", Keys().prefix))
        self.frontier = Frontier(self.server, self.keys)
        self.delayed: set[str] = set()  # hosts whose Crawl-delay was looked at

    async def robot_parser(self, request: Request) -> Any:
        from twisted.internet import reactor  # the running one

        url = urlparse_cached(request)
        site = f"{url.scheme}://{url.netloc}"
        if url.netloc not in self._parsers and self.server.get(self.keys.robots(site)) is None:
            lock = self.keys.robots("fetching:" + site)
            if not self.server.set(lock, 1, nx=True, ex=FETCHING):  # another one fetches it
                for _ in range(int(FETCHING / 0.05)):
                    if self.server.get(self.keys.robots(site)) is not None:
                        break
                    await maybe_deferred_to_future(deferLater(reactor, 0.05, lambda: None))
        parser = await super().robot_parser(request)
        host = (url.hostname or "").lower()
        if parser is not None and host not in self.delayed:
            self.delayed.add(host)
            self._crawl_delay(host, parser)
        return parser

    def _crawl_delay(self, host: str, parser: Any) -> None:
        agent = self._robotstxt_useragent or self._default_useragent
        asked = getattr(getattr(parser, "rp", None), "crawl_delay", None)
        seconds = asked(agent) if callable(asked) else None
        if not seconds:
            return
        current = self.server.hget(self.keys.delay, host) or self.server.get(
            self.keys.default_delay
        )
        if float(seconds) * 1000 > int(current or 0):
            self.frontier.set_delay(host, float(seconds))

    def _remembered(self, host: str) -> bytes | None:
        shared: bytes | None = self.server.get(self.keys.robots(host))
        if shared is not None:
            return shared
        body = super()._remembered(host)  # the coordinator's archive
        if body is not None:
            self.server.set(self.keys.robots(host), body, ex=KEEP)
        return body

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status < 500:
            site = f"{urlparse_cached(request).scheme}://{netloc}"
            body = response.body if response.status < 300 else b""
            self.server.set(self.keys.robots(site), body, ex=KEEP)
        else:
            self._unlock(netloc)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._unlock(netloc)
        super()._robots_error(exc, netloc)

    def _unlock(self, netloc: str) -> None:
        """Its fetch failed: the processes waiting for it go on (each asks for itself)."""
        self.server.delete(
            *(self.keys.robots(f"fetching:{scheme}://{netloc}") for scheme in ("http", "https"))
        )


def shared_robots(conf: dict[str, Any], url: str) -> None:
    """Scrapy settings *conf* (a crawl's or a worker's) with robots.txt shared in the cluster."""
    conf["CULTUREWATCH_CLUSTER_URL"] = url
    conf["DOWNLOADER_MIDDLEWARES"] = {
        **conf["DOWNLOADER_MIDDLEWARES"],
        f"{SharedRobotsTxtMiddleware.__module__}.{SharedRobotsTxtMiddleware.__name__}": None,
        f"{__name__}.{ClusterRobotsTxtMiddleware.__name__}": 100,
    }
