"""Discovery through Scrapy: a site's page, then its candidates, one request at a time.

:class:`Discovery` fetches a site's page and then, one after another, the candidates
:mod:`crawler.listings.discovery` reads from it (advertised feeds, robots.txt's sitemaps, common
paths) until one is a listing the crawl can read, or falls back to the page's own article
links. Every request goes through the crawl's Scrapy stack: its politeness (download delay,
AutoThrottle), robots.txt (a disallowed candidate is skipped), the private-network guard
and its size limit. trafilatura's and courlan's discovery functions fetch with urllib of
their own, outside all of that, so only their parsing is used, on what Scrapy fetched.

The crawl's ``site`` spider, ``sources check`` (a ``site`` source, and a failing feed's
site) and ``sources add`` use it alike: *done* gets the :class:`~crawler.listings.discovery.Found`
listing (or None) with the response that holds it, and what it yields is yielded on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.kinds.base import failure_reason
from crawler.listings.discovery import (
    FEED_PATHS,
    Found,
    feed_candidates,
    links_found,
    looks_like_html,
    read_listing,
    robots_sitemaps,
    site_root,
    sitemap_paths,
)

__all__ = ["MAX_PROBES", "Discovery", "Done"]

MAX_PROBES = 12  # candidate requests of one discovery, after the page itself
MAX_ADVERTISED = 4  # advertised feeds tried
MAX_ROBOTS_SITEMAPS = 3  # robots.txt sitemaps tried

# done(found or None, the response holding it or None, why nothing was found: one line
# that starts with the URL it is about)
Done = Callable[[Found | None, Response | None, str], Iterable[Any]]


class Discovery:
    """One site's discovery: requests made one at a time, *done* called once at the end.

    *meta* goes into every request (the source, a download slot); *exclude* are URLs not to
    try (a listing that just stopped working); *probe* false tries only what the page
    advertises before its article links (a site known to have no feed).
    """

    def __init__(
        self,
        page_url: str,
        *,
        done: Done,
        max_size: int,
        meta: dict[str, Any] | None = None,
        exclude: Iterable[str] = (),
        probe: bool = True,
    ) -> None:
        self.page_url = page_url
        self.site = site_root(page_url)
        self.done = done
        self.max_size = max_size
        self.meta = dict(meta or {})
        self.exclude = set(exclude)
        self.probe = probe
        self.queue: deque[tuple[str, str]] = deque()  # (stage, url)
        self.tried: list[str] = []
        self.page: Response | None = None
        self.page_failure: Failure | None = None  # why the page itself could not be fetched
        self.finished = False

    # ------------------------------------------------------------------ requests
    def start(self) -> Request:
        """The request of the page itself."""
        return self._request(self.page_url, "page", self.parse_page)

    def _request(self, url: str, stage: str, callback: Callable[..., Any]) -> Request:
        return Request(
            url,
            callback=callback,
            errback=self.failed,
            dont_filter=True,
            priority=10,
            # a candidate that is not there is not asked twice
            meta={"dont_retry": stage != "page", **self.meta, "discovery_stage": stage},
        )

    def _finish(self, found: Found | None, response: Response | None, why: str) -> Iterator[Any]:
        if self.finished:
            return
        self.finished = True
        yield from self.done(found, response, why)

    # ------------------------------------------------------------------ callbacks
    def parse_page(self, response: Response) -> Iterator[Any]:
        """The page: itself a listing (a feed given as a site), else its candidates."""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        found = read_listing(response.body, response.url, content_type, self.max_size)
        if found is not None and found.url not in self.exclude:
            found.page = True
            yield from self._finish(found, response, "")
            return
        if not looks_like_html(response.body, content_type):
            yield from self._finish(None, None, f"{response.url} is no HTML page, feed or sitemap")
            return
        self.page = response
        advertised = feed_candidates(response.body, response.url)[:MAX_ADVERTISED]
        self.queue.extend(("listing", url) for url in advertised)
        if self.probe:
            self.queue.append(("robots", urljoin(self.site, "robots.txt")))
            self.queue.extend(("listing", urljoin(self.site, p)) for p in FEED_PATHS)
            self.queue.extend(("listing", urljoin(self.site, p)) for p in sitemap_paths())
        yield from self.next()

    def parse_candidate(self, response: Response) -> Iterator[Any]:
        if response.meta.get("discovery_stage") == "robots":
            named = robots_sitemaps(response.body, self.site)[:MAX_ROBOTS_SITEMAPS]
            self.queue.extendleft(("listing", url) for url in reversed(named))
            yield from self.next()
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        found = read_listing(response.body, response.url, content_type, self.max_size)
        if found is not None and found.items > 0 and found.url not in self.exclude:
            yield from self._finish(found, response, "")
            return
        yield from self.next()

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        if request.meta.get("discovery_stage") == "page":
            self.page_failure = failure
            reason, _status, _final = failure_reason(failure)
            yield from self._finish(None, None, f"{request.url}: {reason}")
            return
        yield from self.next()  # a candidate that is not there (404), or disallowed

    def next(self) -> Iterator[Any]:
        """The next candidate's request, or the end: the page's article links, or nothing."""
        while self.queue and len(self.tried) < MAX_PROBES:
            stage, url = self.queue.popleft()
            if url in self.exclude or url in self.tried or url == self.page_url:
                continue
            self.tried.append(url)
            yield self._request(url, stage, self.parse_candidate)
            return
        page = self.page
        found = links_found(page.body, page.url) if page is not None else None
        if found is not None:
            yield from self._finish(found, page, "")
        else:
            tried = f"{len(self.tried)} candidates tried" if self.tried else "nothing to try"
            why = f"discovery found no feed, sitemap or article links ({tried})"
            yield from self._finish(None, None, f"{self.page_url}: {why}")
