"""What the item pipelines need of a crawl, declared here so they depend on no crawler code.

The crawler's :class:`crawler.session.CrawlSession` provides it (mypy checks that it does,
in ``crawler/session.py``); every spider of a crawl carries it as ``spider.session``
(:class:`HasCrawlContext`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from pipelines.scoring.semantic import Calibration
from pipelines.scoring.themes import Themes
from pipelines.workers.pool import ExtractorPool

if TYPE_CHECKING:
    from pipelines.writer import ArchiveWriter
from storage.archive import Archive, RetryPolicy

__all__ = ["CrawlContext", "HasCrawlContext", "SourceCounters"]


class SourceCounters(Protocol):
    """The counters of one source that the pipelines add to (a crawler ``SourceReport``)."""

    fetched: int  # article responses received
    new: int
    relevant: int
    duplicates: int
    rejected: int  # not HTML or no text
    failed: int
    deferred: int  # left to a later crawl at the server's request
    given_up: int  # failed too often: not fetched again
    unwritten: int  # items the archive could not store
    incomplete: bool  # something must be retried, so the source keeps no validators


class CrawlContext(Protocol):
    """The archive, the themes and the per-source counters of one crawl."""

    @property
    def archive(self) -> Archive: ...

    @property
    def themes(self) -> Themes | None:
        """None when no themes are configured: nothing is scored."""
        ...

    @property
    def threshold(self) -> float: ...

    @property
    def semantic(self) -> Calibration | None:
        """relevance.semantic: how the meaning the extraction workers measured decides
        (None: the words alone)."""
        ...

    @property
    def cross_language(self) -> bool:
        """Stories: also join an English and a Chinese copy (stories.cross_language)."""
        ...

    @property
    def retry_policy(self) -> RetryPolicy: ...

    @property
    def write_retry_seconds(self) -> float:
        """How long a failed archive write is retried before the crawl is stopped."""
        ...

    @property
    def extractor(self) -> ExtractorPool | None:
        """The extraction worker processes (None: extract in a thread of this process)."""
        ...

    @property
    def writer(self) -> ArchiveWriter | None:
        """Writes the items to the archive, off the reactor thread (set by the runner)."""
        ...

    @property
    def fatal(self) -> str | None:
        """Why the crawl stopped early (the archive cannot be written), or None."""
        ...

    def report(self, name: str) -> SourceCounters: ...

    def abort(self, reason: str) -> None:
        """Stop the whole crawl: something every item needs (the archive) is failing."""
        ...


class HasCrawlContext(Protocol):
    """A spider of a crawl: it carries the crawl's context."""

    @property
    def session(self) -> CrawlContext: ...
