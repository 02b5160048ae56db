"""Scrapy settings: only the differences from Scrapy's defaults, filled from settings.toml.

Per-source behaviour belongs in ``sources.toml``, not here.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import default_settings

from crawler.config import Settings

__all__ = ["scrapy_settings"]

_UNUSED = {
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.feedexport.FeedExporter",
    "scrapy.extensions.spiderstate.SpiderState",
    "scrapy.extensions.memdebug.MemoryDebugger",
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware",
}


def _without(base: dict[str, int], unused: set[str]) -> dict[str, int]:
    return {path: order for path, order in base.items() if path not in unused}


RETRY_HTTP_CODES = [408, 425, 429, 500, 502, 503, 504, 522, 524]


def scrapy_settings(
    settings: Settings, *, allow_private_networks: bool = False, verbose: bool = False
) -> dict[str, Any]:
    p = lambda key: settings[f"politeness.{key}"]  # noqa: E731 - short accessor
    return {
        "BOT_NAME": "culturewatch",
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": p("obey_robots_txt"),
        "CULTUREWATCH_ROBOTS_MAX_AGE": p("robots_txt_max_age"),
        "DOWNLOAD_DELAY": p("download_delay"),
        "CONCURRENT_REQUESTS": p("concurrent_requests"),
        "CONCURRENT_REQUESTS_PER_DOMAIN": p("concurrent_requests_per_domain"),
        "AUTOTHROTTLE_ENABLED": p("autothrottle"),
        "AUTOTHROTTLE_START_DELAY": max(float(p("download_delay")), 1.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": p("autothrottle_target_concurrency"),
        "DOWNLOAD_TIMEOUT": p("timeout"),
        "DOWNLOAD_MAXSIZE": p("max_response_size"),
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_TIMES": p("retry_times"),
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "CULTUREWATCH_RETRY_BACKOFF_BASE": p("retry_backoff_base"),
        "CULTUREWATCH_RETRY_BACKOFF_MAX": p("retry_backoff_max"),
        "CULTUREWATCH_GOOGLE_NEWS_DELAY": settings["google_news.resolve_delay"],
        "CULTUREWATCH_ALLOW_PRIVATE_NETWORKS": allow_private_networks
        or settings.allow_private_networks,
        "TWISTED_DNS_RESOLVER": "crawler.middlewares.GuardedResolver",
        # only http(s): a hostile page or robots.txt naming file:, data:, ftp: or s3: URLs
        # never makes the crawl read local files or other stores
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
        # holds a retry until its backoff is over, without taking a downloader slot
        "SCHEDULER": "crawler.delays.DelayingScheduler",
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.PrivateNetworkGuard": 50,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "crawler.middlewares.LoopRefusingRedirectMiddleware": 600,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            "crawler.middlewares.HeadMetaRefreshMiddleware": 580,
        },
        # what a crawl never uses is left out of Scrapy's base lists, so that it is not even
        # imported (Scrapy loads every entry of a list it merges, even one set to None): the
        # remote control (aiohttp: ~8 MiB of the crawl's memory), the telnet console, feed
        # exports (the archive is ours), job state (no JOBDIR), the memory debugger, and
        # the cookie and cache middlewares (off: COOKIES_ENABLED, HTTPCACHE_ENABLED)
        "EXTENSIONS_BASE": _without(default_settings.EXTENSIONS_BASE, _UNUSED),
        "DOWNLOADER_MIDDLEWARES_BASE": _without(
            default_settings.DOWNLOADER_MIDDLEWARES_BASE, _UNUSED
        ),
        "ITEM_PIPELINES": {
            "pipelines.stages.ExtractPipeline": 100,
            "pipelines.stages.ScorePipeline": 200,
            "pipelines.stages.ArchivePipeline": 300,
        },
        # The archive decides what is new; Scrapy's duplicate filter still drops
        # repeats within one crawl.
        "COOKIES_ENABLED": False,
        "LOG_ENABLED": verbose,
        "LOG_INSTALL_ROOT_HANDLER": verbose,
        "LOG_LEVEL": "DEBUG" if verbose else "ERROR",
        "REDIRECT_MAX_TIMES": 5,
        # Scrapy starts this many asyncio tasks for every response's output (2.19); an
        # article response yields one item and a listing yields requests, so 100 (the
        # default) spent ~1.5 s of a 600-page crawl creating idle tasks
        "CONCURRENT_ITEMS": 4,
        # bytes of responses in process (waiting for an extraction worker, being written)
        # before Scrapy holds back new downloads: 5 MB (its default) let ~75 real pages
        # and their decoded copies wait at once in a loopback crawl, the crawl's largest
        # use of memory; 2 MB still keeps both workers two pages ahead
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 2_000_000,
    }
