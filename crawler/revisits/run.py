"""Run the due revisits: pick them, fetch them (Scrapy), extract, record each answer.

One process runs one revisit crawl (Twisted's reactor cannot be restarted); ``culturewatch
revisit`` runs it by hand, the scheduler after each crawl (with ``--limit``, the setting
``revisit.max_per_crawl``), so revisits never take the place of new articles.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from crawler.config import Settings
from crawler.config.settings import parse_duration
from crawler.crawl_settings import scrapy_settings
from crawler.process import crawler_process_class
from crawler.revisits.spider import RevisitSession, RevisitSpider
from pipelines.extraction.extract import decode, extract
from storage.archive import Archive
from storage.revisits import Due, Fetch, apply_fetch, due_articles, first_validators
from storage.robots import remember
from storage.versions import Snapshot, is_removal_redirect

__all__ = ["RevisitSummary", "run_revisits"]

_TITLE = re.compile(rb"(?is)<title[^>]*>(.*?)</title>")


@dataclass
class RevisitSummary:
    due: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    extracted: int = 0  # pages extracted (a 304 or a failed fetch costs none)
    requests: int = 0
    seconds: float = 0.0
    fetch_seconds: float = 0.0  # of which the Scrapy crawl (robots.txt, requests, answers)
    errors: list[str] = field(default_factory=list)

    def print(self) -> None:
        parts = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        if self.outcomes["failed"] or self.outcomes["blocked"]:  # a site down, or refusing
            parts += " (failed or blocked: recorded and tried again later, never called removed)"
        click.echo(
            f"revisits: {self.due} due, {self.requests} requests, "
            f"{self.extracted} extracted in {self.seconds:.1f}s "
            f"(fetching {self.fetch_seconds:.1f}s)" + (f": {parts}" if parts else "")
        )
        for error in self.errors:
            click.echo(f"  error: {error}")


def run_revisits(
    settings: Settings,
    db: Path,
    *,
    every: bool = False,
    limit: int | None = None,
    allow_private_networks: bool = False,
    verbose: bool = False,
) -> RevisitSummary:
    """Revisit the due relevant articles of the archive *db* (*every*: all relevant ones)."""
    started = time.monotonic()
    after = [parse_duration(item, key="revisit.after") for item in settings["revisit.after"]]
    confirm = parse_duration(settings["revisit.removal_confirm_after"], key="removal_confirm_after")
    summary = RevisitSummary()
    archive = Archive(db, warc_dir=settings["warc_dir"] or None)
    try:
        due = due_articles(archive.db, after, every=every, limit=limit)
        summary.due = len(due)
        if not due:
            return summary
        due = [
            d
            if d.etag or d.last_modified or d.state != "current"
            else _with_first_validators(archive, d)
            for d in due
        ]
        session = RevisitSession(archive=archive, due=due)
        process_settings = scrapy_settings(
            settings, allow_private_networks=allow_private_networks, verbose=verbose
        )
        process_settings["ITEM_PIPELINES"] = {}
        process: Any = crawler_process_class()(process_settings)
        crawler = process.create_crawler(RevisitSpider)
        process.crawl(crawler, session=session)
        fetching = time.monotonic()
        process.start()
        summary.fetch_seconds = time.monotonic() - fetching
        summary.requests = int(crawler.stats.get_value("downloader/request_count") or 0)
        with archive.transaction():
            for item, fetch in session.answers:
                if fetch.kind == "ok" and fetch.status == 200 and not _home_or_section(fetch):
                    summary.extracted += 1
                    _extract(fetch)
                outcome = apply_fetch(
                    archive.db, archive.raw_pages, item, fetch, after=after, confirm=confirm
                )
                summary.outcomes[outcome] += 1
            archive.raw_pages.sync()
            remember(archive.db, session.robots)
        unanswered = len(due) - len(session.answers)
        if unanswered:
            summary.errors.append(f"{unanswered} revisits got no answer (the crawl stopped)")
    finally:
        archive.close()
        summary.seconds = time.monotonic() - started
    return summary


def _home_or_section(fetch: Fetch) -> bool:
    """Redirected to the home or a section page: a removal answer, nothing to extract."""
    return bool(fetch.final_url) and is_removal_redirect(fetch.url, fetch.final_url or "")


def _with_first_validators(archive: Archive, due: Due) -> Due:
    etag, modified = first_validators(archive.raw_pages, due.url)
    return dataclasses.replace(due, etag=etag, last_modified=modified)


def _extract(fetch: Fetch) -> None:
    """Extract a 200 page into ``fetch.extracted`` (its raw ``<title>`` when it does not)."""
    encoding = next(
        (
            v.split("charset=", 1)[1].strip()
            for k, v in fetch.headers
            if k.lower() == "content-type" and "charset=" in v
        ),
        None,
    )
    article = extract(decode(fetch.body, encoding), fetch.final_url or fetch.url)
    if article is None:
        found = _TITLE.search(fetch.body[:65536])
        fetch.page_title = found[1].decode("utf-8", "replace").strip() if found else None
        return
    fetch.extracted = Snapshot(
        title=article.title,
        text=article.text,
        author=article.author,
        authors=tuple(article.authors),
        published_at=article.published_at,
    )
