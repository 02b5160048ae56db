"""The revisit spider: one conditional GET per due article, each answer a :class:`Fetch`.

The spider only fetches: a 200, 304, 404 or 410 (after redirects) is an ``ok`` answer, a
403, 429 or 5xx left after the retries a ``blocked`` one, anything else (network error,
robots.txt, the private-network guard) ``failed``. Extraction and comparison happen after
the crawl (:mod:`crawler.revisits.run`), so a 304 costs no extraction at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.kinds.base import failure_reason
from storage.archive import Archive
from storage.revisits import Due, Fetch

__all__ = ["KEPT_STATUSES", "RevisitSession", "RevisitSpider"]

# statuses the spider receives as answers; a redirect is followed first
KEPT_STATUSES = [304, 404, 410]


@dataclass
class RevisitSession:
    """What the revisit spider shares with the runner (and the robots.txt middleware,
    which reads ``archive`` and fills ``robots``)."""

    archive: Archive
    due: list[Due]
    answers: list[tuple[Due, Fetch]] = field(default_factory=list)
    robots: dict[str, tuple[int, bytes]] = field(default_factory=dict)


class RevisitSpider(scrapy.Spider):
    name = "revisit"

    def __init__(self, session: RevisitSession, **kwargs: Any):
        super().__init__(**kwargs)
        self.session = session

    async def start(self) -> AsyncIterator[Request]:
        for index, due in enumerate(self.session.due):
            headers = {}
            if due.etag:
                headers["If-None-Match"] = due.etag
            if due.last_modified:
                headers["If-Modified-Since"] = due.last_modified
            yield Request(
                due.url,
                headers=headers,
                callback=self.answered,
                errback=self.failed,
                dont_filter=True,
                meta={"due": index, "handle_httpstatus_list": KEPT_STATUSES},
            )

    def answered(self, response: Response) -> Iterator[Any]:
        due = self.session.due[response.meta["due"]]
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
        ]
        self.session.answers.append(
            (
                due,
                Fetch(
                    "ok",
                    due.url,
                    status=response.status,
                    final_url=response.url,
                    body=response.body if response.status != 304 else b"",
                    headers=headers,
                ),
            )
        )
        yield from ()

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        due = self.session.due[request.meta["due"]]
        reason, status, _final = failure_reason(failure)
        kind = "blocked" if isinstance(failure.value, HttpError) else "failed"
        self.session.answers.append((due, Fetch(kind, due.url, status=status, error=reason)))
