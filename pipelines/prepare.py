"""What the archive's writer needs of an extracted page, computed beside its extraction.

A crawl has one archive writer (:mod:`pipelines.writer`: one thread, one SQLite connection)
and N extraction workers (:mod:`pipelines.workers`, processes). What an article's write
needs and no archive can tell is computed by :func:`prepare` in the worker that extracted
it, in parallel with the others, and travels with the :class:`Article`: the text's
fingerprint (duplicates), its word count, and the fetch's request and response WARC records,
gzipped (:func:`storage.captures.build_response`). The writer then appends those bytes to
the WARC file (their place is only known then: each record is a gzip member of its own, so
it needs none to be built) and inserts the rows. An article that comes without them (a
crawl without workers, an older cluster worker) has them computed by the writer.
"""

from __future__ import annotations

from typing import NamedTuple

from pipelines.extraction.article import Article, word_count
from pipelines.items import FetchedPage
from pipelines.normalize import fingerprint
from storage.captures import build_response

__all__ = ["Fetch", "fetch_of", "prepare"]


class Fetch(NamedTuple):
    """What the WARC records of a fetch say besides its body (a worker is sent it)."""

    url: str  # the response's URL ('': the article's)
    status: int | None
    headers: list[tuple[str, str]]  # the response's, as received
    request_headers: list[tuple[str, str]]


def fetch_of(item: FetchedPage) -> Fetch:
    """The fetch of *item*, as its WARC records keep it."""
    headers = item.headers or ([("Content-Type", item.content_type)] if item.content_type else [])
    return Fetch(item.url, item.status, list(headers), list(item.request_headers))


def prepare(article: Article, body: bytes | str, fetch: Fetch | None) -> Article:
    """Fill in *article*'s ``text_print`` and ``words``, and with *fetch* its WARC
    ``records`` (of *body*, the bytes as received); returns it."""
    article.text_print = fingerprint(article.text)
    article.words = word_count(article.text)
    if fetch is not None:
        raw = body if isinstance(body, bytes) else body.encode("utf-8")
        article.records = build_response(
            fetch.url or article.url,
            raw,
            status=fetch.status,
            headers=fetch.headers,
            request_headers=fetch.request_headers,
        )
    return article
