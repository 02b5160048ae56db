"""The workers' results to the one archive writer: a Redis Stream with a consumer group.

A worker adds one entry per finished page (:meth:`ResultStream.send`), in the same
transaction that releases the page's lease, so a page is always either leased, queued or
in the stream. The coordinator reads them (:meth:`ResultStream.read`) and acknowledges an
entry only after the archive committed it (:meth:`ResultStream.ack`): entries a dead
coordinator left pending are claimed by the next one (:meth:`ResultStream.claim`).

An entry is the page as JSON (field ``r``) and, in fields of their own, the bytes of the
page the archive keeps, raw (never base64-encoded and JSON-escaped by the worker, decoded
by the coordinator), and once: an article's gzipped WARC records (``w``), built by the
worker, which hold its body (the writer reads it back from them when it needs it,
:func:`pipelines.writer.body_of`); the body itself (``b``) only for an article without
records. Of a page without an article nothing is archived: its body is not sent. The
entries of an older worker (the body in ``b`` or in the JSON, the records in the JSON)
read alike.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from crawler.cluster import serializer
from crawler.cluster.frontier import Frontier, Keys
from pipelines.extraction.article import Article
from pipelines.items import FetchedPage
from pipelines.scoring.relevance import Relevance

__all__ = ["Result", "ResultStream", "page_from_dict", "page_to_dict"]

GROUP = "writer"


@dataclass
class Result:
    """One stream entry: a page's outcome, from which worker, for which request."""

    entry: str  # the stream entry's id
    request_id: str
    worker: str
    host: str
    fetched: bool  # a response was received (the local crawl's "fetched" counter)
    page: FetchedPage | None  # None: the request ended without a page (dropped)


def page_to_dict(page: FetchedPage) -> dict[str, Any]:
    return dataclasses.asdict(page)


def page_from_dict(data: dict[str, Any]) -> FetchedPage:
    article = data.pop("article", None)
    relevance = data.pop("relevance", None)
    data["headers"] = [tuple(h) for h in data.get("headers") or []]
    data["request_headers"] = [tuple(h) for h in data.get("request_headers") or []]
    page = FetchedPage(**data)
    if article is not None:
        page.article = Article(**article)
    if relevance is not None:
        page.relevance = Relevance(**relevance)
    return page


def _raw_fields(page: dict[str, Any]) -> dict[str, bytes]:
    """The bytes of *page* (:func:`page_to_dict`) that travel raw, taken out of it: its
    article's WARC records, which hold the body, else an article's body (see the module)."""
    body = page.pop("body")
    article = page.get("article")
    records = article.get("records") if article is not None else None
    if records is not None:
        return {"w": records.pop("data")}
    return {"b": body} if article is not None else {}


class ResultStream:
    def __init__(self, server: Any, keys: Keys | None = None):
        self.server = server
        self.keys = keys or Keys()

    # -- the workers' side
    def send(
        self,
        frontier: Frontier,
        request_id: str,
        *,
        worker: str,
        host: str,
        page: FetchedPage | None,
        fetched: bool,
    ) -> None:
        """Add the result and release its lease, in one MULTI/EXEC."""
        data = page_to_dict(page) if page is not None else None
        fields = _raw_fields(data) if data is not None else {}
        body = {"id": request_id, "worker": worker, "host": host, "fetched": fetched, "page": data}
        pipe = self.server.pipeline(transaction=True)
        pipe.xadd(self.keys.results, {"r": serializer.dumps(body), **fields})
        frontier.acknowledge(request_id, pipe=pipe)
        pipe.execute()

    # -- the coordinator's side
    def create_group(self) -> None:
        import redis

        try:
            self.server.xgroup_create(self.keys.results, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:  # BUSYGROUP: it exists (a crawl that was stopped)
            if "BUSYGROUP" not in str(exc):
                raise

    def claim(self, consumer: str) -> list[Result]:
        """Entries read but never acknowledged (by a coordinator that died), now ours."""
        claimed: list[Result] = []
        start = "0-0"
        while True:
            start, entries, *_ = self.server.xautoclaim(
                self.keys.results, GROUP, consumer, min_idle_time=0, start_id=start, count=500
            )
            claimed += [self._result(entry_id, fields) for entry_id, fields in entries]
            if not entries or start in (b"0-0", "0-0"):
                return claimed

    def read(self, consumer: str, count: int = 200) -> list[Result]:
        """New entries (none: at once, without blocking the reactor)."""
        found = self.server.xreadgroup(GROUP, consumer, {self.keys.results: ">"}, count=count)
        if not found:
            return []
        return [self._result(entry_id, fields) for entry_id, fields in found[0][1]]

    def ack(self, *entries: str) -> None:
        """The entries are written: acknowledged and deleted (one round trip for all)."""
        if not entries:
            return
        pipe = self.server.pipeline(transaction=True)
        pipe.xack(self.keys.results, GROUP, *entries)
        pipe.xdel(self.keys.results, *entries)
        pipe.execute()

    @staticmethod
    def _result(entry_id: Any, fields: dict[Any, Any]) -> Result:
        body = serializer.loads(fields[b"r"])
        page = body["page"]
        if page is not None and b"b" in fields:  # (an entry of an older worker: in the JSON)
            page["body"] = fields[b"b"]
        if page is not None and b"w" in fields:  # (of an older worker: in the JSON)
            page["article"]["records"]["data"] = fields[b"w"]
        return Result(
            entry=entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id),
            request_id=body["id"],
            worker=body["worker"],
            host=body["host"],
            fetched=bool(body["fetched"]),
            page=page_from_dict(page) if page is not None else None,
        )
