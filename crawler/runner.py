"""Run one crawl: load the configuration, start the spiders, record the run.

Twisted's reactor cannot be restarted, so one process runs at most one crawl; the
scheduler starts a fresh process for each.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from crawler.config import (
    Settings,
    Source,
    default_db_path,
    load_settings,
    load_sources,
)
from crawler.config import (
    config_dir as config_dir_of,
)
from crawler.process import crawler_process_class, start_extractors
from crawler.progress import CrawlSnapshot, report_progress
from crawler.session import CrawlSession, SourceReport

__all__ = [
    "CrawlOptions",
    "CrawlSnapshot",
    "CrawlSummary",
    "run_crawl",
    "spider_classes",
]


@dataclass
class CrawlOptions:
    settings: Settings
    sources: list[Source]
    db: Path
    config_dir: Path
    themes: Any = None  # pipelines.scoring.relevance.Themes: every archived article is scored
    allow_private_networks: bool = False
    verbose: bool = False
    # called on the reactor thread a few times a second with a CrawlSnapshot (the CLI's
    # progress display); None: nothing is shown
    progress: Callable[[CrawlSnapshot], None] | None = None
    cluster: str | None = None  # a Redis URL: article pages go to workers (crawler.cluster)
    # relevance.semantic = true: crawler.config.semantic.SemanticSetup (None: words alone)
    semantic: Any = None

    @classmethod
    def from_config(
        cls,
        *,
        config_dir: Path | None = None,
        sources_file: Path | None = None,
        db: Path | None = None,
        allow_private_networks: bool = False,
        verbose: bool = False,
    ) -> CrawlOptions:
        """Read and validate everything a crawl needs (raises ConfigError).

        ``themes.toml`` is required: the archive keeps every article with its score.
        """
        from crawler.config import load_themes
        from crawler.config.semantic import load_semantic

        directory = config_dir_of(config_dir)
        settings = load_settings(directory)
        sources = load_sources(sources_file or directory / "sources.toml")
        default_max = settings["crawl.max_items_per_source"]
        sources = [dataclasses.replace(s, max_items=s.max_items or default_max) for s in sources]
        themes = load_themes(directory / "themes.toml")
        return cls(
            settings=settings,
            sources=sources,
            db=Path(db) if db else default_db_path(settings),
            config_dir=directory,
            themes=themes,
            allow_private_networks=allow_private_networks or settings.allow_private_networks,
            verbose=verbose,
            cluster=settings["cluster.redis_url"] or None,  # `schedule` shares its crawls too
            semantic=load_semantic(settings, directory, themes),  # checked before anything runs
        )


def spider_classes() -> dict[str, type]:
    """Source kind -> spider class, for every kind a sources file may use."""
    from crawler.kinds import spider_classes as registered

    return registered()


@dataclass
class CrawlSummary:
    status: str  # finished | interrupted | failed
    reports: list[SourceReport]
    seconds: float
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    run_id: int | None = None
    notes: list[str] = field(default_factory=list)  # printed last (the cluster's workers)

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.reports)

    @property
    def counts(self) -> dict[str, int]:
        failed = [r for r in self.reports if r.status == "failed"]
        return {
            "sources_ok": len(self.reports) - len(failed),
            "sources_failed": len(failed),
            "requests": self.requests,
            "fetched": self.total("fetched"),
            "new": self.total("new"),
            "known": self.total("known"),
            "relevant": self.total("relevant"),
            "failed": self.total("failed"),
        }

    @property
    def reached_none(self) -> bool:
        """Every source crawled failed (none answered): offline, or a proxy or DNS down."""
        return bool(self.reports) and all(r.status == "failed" for r in self.reports)

    def unreachable_line(self) -> str:
        """The one line of a crawl that reached no source, with its most common error."""
        errors = Counter(
            re.sub(r"^\S+://\S+: ", "", " ".join((r.error or "no answer").split()))[:160].rstrip(
                "."
            )
            for r in self.reports
        )  # "URL: reason" -> the reason, the same for every source that is down alike
        error, times = errors.most_common(1)[0]
        n = len(self.reports)
        also = f" ({times} of {n})" if times < n else ""
        return (
            f"crawl reached no source: all {n} sources failed, nothing archived; e.g. {error}{also}"
        )

    def print(self) -> None:
        c = self.counts
        not_modified = sum(1 for r in self.reports if r.status == "not_modified")
        click.echo(
            f"crawl {self.status} in {self.seconds:.1f}s: "
            f"{len(self.reports)} sources ({c['sources_ok'] - not_modified} ok, "
            f"{not_modified} not modified, {c['sources_failed']} failed)"
        )
        click.echo(
            f"  requests {c['requests']}, fetched {c['fetched']}, new {c['new']}, "
            f"skipped as known {c['known']}, relevant {c['relevant']}, "
            f"duplicates {self.total('duplicates')}, not articles {self.total('rejected')}, "
            f"failed pages {c['failed']}"
            + "".join(
                f", {label} {self.total(name)}"
                for name, label in (
                    ("deferred", "deferred"),
                    ("given_up", "given up"),
                    ("unwritten", "not written"),
                )
                if self.total(name)
            )
        )
        for report in self.reports:
            if report.status == "failed":
                click.echo(f"  failed source {report.source.name}: {report.error}")
            elif report.error:
                click.echo(f"  partly failed {report.source.name}: {report.error}")
        for error in self.errors:
            click.echo(f"  error: {error}")
        for note in self.notes:
            click.echo(note)


def run_crawl(options: CrawlOptions) -> CrawlSummary:
    """One crawl of every enabled source, recorded in the archive's ``runs`` table."""
    from scrapy import signals

    from crawler.crawl_settings import scrapy_settings
    from crawler.sources.state import flag_rule
    from storage.archive import Archive, RetryPolicy
    from storage.connection import retrying
    from storage.runs import finish_run, start_run

    _CrawlerProcess = crawler_process_class()

    started = time.monotonic()
    enabled = [s for s in options.sources if s.enabled]
    settings = options.settings
    # first: the workers import trafilatura while the crawl sets itself up
    # (not for a cluster's coordinator: its workers extract)
    extractors = (
        start_extractors(
            settings,
            verbose=options.verbose,
            semantic=options.semantic.path if options.semantic else None,
        )
        if enabled and not options.cluster
        else None
    )
    write_retry = float(settings["crawl.write_retry_seconds"])
    # a short busy timeout: a locked archive is waited for by retrying the item later,
    # not by blocking the reactor (downloads, signals) inside SQLite
    archive = Archive(options.db, busy_timeout=_BUSY_TIMEOUT)
    retrying(lambda: archive.sync_sources(options.sources), write_retry)
    session = CrawlSession(
        archive=archive,
        themes=options.themes,
        threshold=float(settings["relevance.threshold"]),
        cross_language=bool(settings["stories.cross_language"]),
        reports={s.name: SourceReport(s) for s in enabled},
        retry_policy=RetryPolicy(
            attempts=int(settings["crawl.page_attempts"]),
            spacing=float(settings["crawl.page_retry_spacing"]),
        ),
        write_retry_seconds=write_retry,
        flag_rule=flag_rule(settings),
        extractor=extractors,
        semantic=options.semantic.prototypes.calibration
        if extractors and options.semantic
        else None,
    )
    run_id = retrying(lambda: start_run(archive), write_retry)
    status = "finished"
    requests = 0
    process: Any = None
    notes: list[str] = []
    try:
        scrapy_conf = scrapy_settings(
            settings, allow_private_networks=options.allow_private_networks, verbose=options.verbose
        )
        if options.cluster:  # only now: a crawl without --cluster never imports redis
            from crawler.cluster.coordinator import ClusterCoordinator
            from crawler.cluster.robots import shared_robots

            session.cluster = ClusterCoordinator(options.cluster, session, options)
            scrapy_conf["SCHEDULER"] = "crawler.cluster.coordinator.DispatchingScheduler"
            shared_robots(scrapy_conf, options.cluster)  # fetched once for the whole cluster
        process = _CrawlerProcess(scrapy_conf)
        session.stop = process.stop
        crawlers = []
        reasons: list[str] = []
        for kind, spider_cls in spider_classes().items():
            group = [s for s in enabled if s.kind == kind]
            if not group:
                continue
            crawler = process.create_crawler(spider_cls)
            crawler.signals.connect(
                lambda failure, response, spider: session.errors.append(
                    f"{spider.name} spider, {response.url}: {failure.getErrorMessage()}"
                ),
                signal=signals.spider_error,
                weak=False,
            )
            crawler.signals.connect(
                lambda spider, reason: reasons.append(reason),
                signal=signals.spider_closed,
                weak=False,
            )
            crawlers.append(crawler)
            process.crawl(crawler, sources=group, session=session).addErrback(
                lambda failure: session.errors.append(
                    f"crawl could not run: {failure.getErrorMessage()}"
                )
            )
        if crawlers:
            if options.progress is not None:
                report_progress(options.progress, session, started)
            session.writer = _writer(options, session)
            if session.cluster is not None:
                session.cluster.start()
            try:
                process.start()
            finally:
                session.writer.close()  # what it still holds is written before the records
                if session.cluster is not None:
                    notes = session.cluster.close()
                if session.writer.stopped is not None and session.fatal is None:
                    # a write that failed while closing: the crawl failed, and no source
                    # keeps validators, so the next crawl lists every page again
                    session.fatal = session.writer.stopped
                    session.errors.append(session.writer.stopped)
                    for report in session.reports.values():
                        report.incomplete = True
        requests = sum(
            (c.stats.get_value("downloader/request_count") or 0) for c in crawlers if c.stats
        )
        if session.fatal is not None:
            status = "failed"
        elif process.signalled:
            status = "interrupted"
        elif len(reasons) < len(crawlers):
            status = "failed"
        elif any(reason != "finished" for reason in reasons):
            status = "interrupted"
    except Exception as exc:  # noqa: BLE001 - recorded in the run and summary, exit 1
        status = "failed"
        session.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        if session.cluster is not None and not notes:  # it stopped before the crawl ran
            notes = session.cluster.close()
        summary = CrawlSummary(
            status=status,
            reports=list(session.reports.values()),
            seconds=time.monotonic() - started,
            requests=requests,
            errors=session.errors,
            run_id=run_id,
            notes=notes,
        )
        # the crawl's own record is worth a longer wait than one item
        end_retry = max(write_retry, _END_RETRY)
        try:
            retrying(lambda: _record(session, status), end_retry)
            errors = {r.source.name: r.error for r in summary.reports if r.error}
            if session.errors:
                errors["_crawl"] = "; ".join(session.errors)[:2000]
            retrying(
                lambda: finish_run(
                    archive, run_id, status=status, counts=summary.counts, errors=errors
                ),
                end_retry,
            )
        except sqlite3.Error as exc:
            # the run stays 'running': the next crawl marks it crashed, with its counts
            summary.status = "failed"
            summary.errors.append(f"the crawl's end could not be recorded: {exc}")
        finally:
            archive.close()
    summary.seconds = time.monotonic() - started
    return summary


# SQLite busy timeout of the crawl's connection, seconds
_BUSY_TIMEOUT = 1.0
# seconds the end of a crawl (source health, validators, the run) retries a failed write
_END_RETRY = 15.0


def _writer(options: CrawlOptions, session: CrawlSession) -> Any:
    """The thread that writes the crawl's items to the archive, in batches."""
    from pipelines.writer import ArchiveWriter

    writer = ArchiveWriter(
        options.db,
        report=session.report,
        retry_seconds=session.write_retry_seconds,
        policy=session.retry_policy,
        themes=session.themes,
        cross_language=session.cross_language,
        busy_timeout=_BUSY_TIMEOUT,
        warc_dir=options.settings["warc_dir"] or None,
        warc_max_bytes=int(options.settings["warc_file_max_mb"]) * 1024 * 1024,
    )
    writer.start()
    return writer


def _record(session: CrawlSession, status: str) -> None:
    """Source health, and the validators of sources that were fully processed, in one
    transaction: retried whole after a failure, it never counts a failure twice."""
    from storage.robots import remember

    with session.archive.transaction():
        _record_sources(session, status)
        remember(session.archive.db, session.robots)


def _record_sources(session: CrawlSession, status: str) -> None:
    archive = session.archive
    for name, report in session.reports.items():
        if report.status == "pending":  # never answered: the crawl was stopped
            report.fail("not reached: the crawl stopped before this source answered")
        if report.unwritten:
            report.error = report.error or (
                f"{report.unwritten} pages not written to the archive (listed again next crawl)"
            )
        ok = report.status in ("ok", "not_modified")
        archive.record_source_result(
            name, ok=ok, status=report.status, error=report.error, new=report.new
        )
        session.record_health(name, report)
        if ok and status == "finished" and not report.incomplete:
            for url, (etag, modified) in report.validators.items():
                archive.set_validators(url, source=name, etag=etag, last_modified=modified)
