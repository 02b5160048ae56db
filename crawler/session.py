"""What one crawl shares between the runner, the spiders and the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.config import Source

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
    incomplete: bool = False  # something must be retried, so keep no validators
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

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

    archive: Any  # storage.archive.Archive
    themes: Any = None  # pipelines.relevance.Themes, or None when no themes are configured
    threshold: float = 0.5
    reports: dict[str, SourceReport] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def report(self, name: str) -> SourceReport:
        return self.reports[name]
