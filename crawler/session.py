"""What one crawl shares between the runner, the spiders and the pipelines.

A :class:`CrawlSession` is the :class:`pipelines.context.CrawlContext` the item pipelines
see, and a :class:`SourceReport` their :class:`pipelines.context.SourceCounters`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.config import Source
from pipelines.scoring.semantic import Calibration
from pipelines.scoring.themes import Themes
from pipelines.workers.pool import ExtractorPool
from pipelines.writer import ArchiveWriter
from storage.archive import Archive, RetryPolicy
from storage.health import FlagRule

if TYPE_CHECKING:
    from pipelines.context import CrawlContext

__all__ = ["CrawlSession", "SourceReport"]


@dataclass
class SourceReport:
    """What happened to one source during a crawl."""

    source: Source
    status: str = "pending"  # ok | not_modified | failed
    error: str | None = None
    format: str | None = None
    listed: int = 0  # entries found in the feed or sitemap
    known: int = 0  # skipped: already archived or fetched
    queued: int = 0  # article requests made
    fetched: int = 0  # article responses received
    new: int = 0
    relevant: int = 0
    duplicates: int = 0
    rejected: int = 0  # not HTML or no text
    failed: int = 0  # article fetches that failed
    deferred: int = 0  # left to a later crawl at the server's request (Retry-After)
    given_up: int = 0  # failed too often: not fetched again
    unwritten: int = 0  # items the archive could not store (listed again next crawl)
    incomplete: bool = False  # something must be retried, so keep no validators
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # kind site: the listing that worked in this crawl (storage.listings.remember's keywords),
    # or why the remembered one stopped working when nothing replaced it
    listing: dict[str, Any] | None = None
    listing_error: str | None = None

    @property
    def budget(self) -> int:
        return (self.source.max_items or 0) - self.queued

    def fail(self, error: str) -> None:
        self.error = self.error or error
        if self.status == "pending":
            self.status = "failed"
        self.incomplete = True

    def ok(self, status: str = "ok") -> None:
        if self.status in ("pending", "not_modified"):
            self.status = status


@dataclass
class CrawlSession:
    """The archive, the themes and the per-source reports of one crawl."""

    archive: Archive
    themes: Themes | None = None  # None when no themes are configured
    threshold: float = 0.5
    cross_language: bool = False  # stories: also join English and Chinese copies
    reports: dict[str, SourceReport] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    write_retry_seconds: float = 60.0  # a failed archive write is retried this long
    listings: set[str] = field(default_factory=set)  # listing URLs requested in this crawl
    fatal: str | None = None  # why the crawl stopped early (the archive cannot be written)
    stop: Callable[[], Any] | None = None  # stops every spider (set by the runner)
    flag_rule: FlagRule = field(default_factory=FlagRule)  # when a source needs attention
    extractor: ExtractorPool | None = None  # the extraction workers (set by the runner)
    # relevance.semantic: the calibration of the meaning the workers measure (None: off)
    semantic: Calibration | None = None
    writer: ArchiveWriter | None = None  # the archive's writer thread (set by the runner)
    robots: dict[str, tuple[int, bytes]] = field(default_factory=dict)  # fetched robots.txt
    # crawl --cluster: the crawler.cluster.coordinator.ClusterCoordinator (set by the runner)
    cluster: Any = None

    def report(self, name: str) -> SourceReport:
        return self.reports[name]

    def record_health(self, name: str, report: SourceReport) -> None:
        """At the end of the crawl, after the source's result: a ``site`` source's listing
        (found, still working, or stopped) and the source's flag (storage.health)."""
        from storage import health, listings

        db = self.archive.db
        if report.listing is not None:
            listings.remember(db, name, **report.listing)
        elif report.listing_error:
            listings.listing_failed(db, name, report.listing_error)
        health.update_flag(db, name, self.flag_rule)

    def abort(self, reason: str) -> None:
        """Stop the whole crawl: something every item needs (the archive) is failing."""
        if self.fatal is None:
            self.fatal = reason
            self.errors.append(reason)
            if self.stop is not None:
                self.stop()


if TYPE_CHECKING:

    def _is_crawl_context(session: CrawlSession) -> CrawlContext:
        return session  # mypy checks that a session is what the pipelines expect
