"""The item that flows from the spiders through the pipelines to the archive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.extraction.article import Article
    from pipelines.scoring.relevance import Relevance

__all__ = ["FetchedPage"]


@dataclass
class FetchedPage:
    """An article URL after its fetch, successful or not.

    The spider fills the fetch fields; the pipelines add ``article`` (extraction),
    ``relevance`` (scoring) and ``outcome``, and the archive records all of it.
    """

    source: str
    requested_url: str  # canonical URL as listed by the feed or sitemap
    url: str = ""  # URL of the final response, after redirects
    status: int | None = None
    body: bytes = b""
    encoding: str | None = None  # the response's (Scrapy's): the body is decoded with it
    content_type: str = ""
    # the response's and the request's HTTP headers, as sent (for the WARC records)
    headers: list[tuple[str, str]] = field(default_factory=list)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    hints: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    outcome: str | None = None  # archived | duplicate | not_html | empty | gone | failed ...
    article: Article | None = None
    relevance: Relevance | None = None
    duplicate_of: str | None = None
    retry_at: str | None = None  # deferred: not to be fetched again before (ISO 8601, UTC)
    canonical: str | None = None  # canonical_url(url), once the extraction stage computed it
