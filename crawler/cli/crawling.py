"""Commands that fetch: ``crawl`` (one crawl) and ``schedule`` (crawls and digests on a cron schedule)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.options import (
    allow_private_option,
    archive_lock,
    config_option,
    db_option,
    fail,
    handle_errors,
    sources_file_option,
)
from crawler.exits import EXIT_UNREACHABLE

__all__ = ["crawl", "schedule"]


@click.command()
@config_option
@sources_file_option
@db_option
@allow_private_option
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress display on stderr (the summary remains)."
)
@click.option(
    "--cluster",
    metavar="URL",
    envvar="CULTUREWATCH_CLUSTER",
    help="Share the crawl with workers (`culturewatch worker`) over this Redis "
    "(default: $CULTUREWATCH_CLUSTER, else [cluster] redis_url).",
)
@handle_errors
def crawl(
    config: Path | None,
    sources_file: Path | None,
    db: Path | None,
    allow_private_networks: bool,
    verbose: bool,
    quiet: bool,
    cluster: str | None,
) -> None:
    """One crawl of every enabled source; prints a summary.

    While it runs: a live progress line on a terminal, a plain line every 10 s on stderr
    otherwise (not with -q or -v). A second crawl fetches only what is new. Exit status 2
    for a configuration error, 1 when the crawl could not run or had to stop, 69 when no
    source could be reached at all (offline: one line), 75 when another crawl, a rescore
    or a stories rebuild holds the archive.
    """
    from crawler.cli.progress import CrawlProgress
    from crawler.runner import CrawlOptions, run_crawl

    options = CrawlOptions.from_config(
        config_dir=config,
        sources_file=sources_file,
        db=db,
        allow_private_networks=allow_private_networks,
        verbose=verbose,
    )
    options.cluster = cluster or options.cluster
    if options.cluster:  # checked before anything starts: one line, exit 1
        from crawler.cluster.connect import ClusterError, connect

        try:
            connect(options.cluster)
        except ClusterError as exc:
            fail(str(exc), 1)
    display = None if quiet or verbose else CrawlProgress()
    options.progress = display.update if display else None
    try:
        with archive_lock(options.db, "crawl"):  # one crawl at a time per archive
            summary = run_crawl(options)
    finally:
        if display:
            display.close()
    if summary.status != "failed" and summary.reached_none:
        # every source failed: one line, not one per source (their errors: `sources`)
        fail(summary.unreachable_line(), EXIT_UNREACHABLE)
    summary.print()
    if summary.status == "failed":
        fail("crawl failed: " + (summary.errors[0] if summary.errors else "see the summary"), 1)


@click.command()
@config_option
@db_option
@click.option(
    "--list", "list_only", is_flag=True, help="Print the jobs and their next run times, then exit."
)
@click.option(
    "--run-now",
    is_flag=True,
    help="Also run one crawl, then the digest, right after starting.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also log APScheduler's own messages.")
@handle_errors
def schedule(
    config: Path | None, db: Path | None, list_only: bool, run_now: bool, verbose: bool
) -> None:
    """Run crawls and digests on the [schedule] of settings.toml until SIGINT/SIGTERM."""
    from crawler.schedule.plan import SchedulePlan
    from crawler.schedule.scheduler import Scheduler, configure_logging, list_jobs

    if list_only and run_now:  # --list prints and exits: nothing would run
        fail("--list and --run-now do not go together: --list only prints the jobs", 2)
    plan = SchedulePlan.from_config(config_dir=config, db=db)
    if list_only:
        jobs = list_jobs(plan)
        name = max(len(job["job"]) for job in jobs)
        cron = max(len(job["cron"]) for job in jobs)
        for job in jobs:  # columns as wide as their widest value
            click.echo(
                f"{job['job']:<{name}}  {job['cron']:<{cron}}  "
                f"next run {job['next_run'].isoformat()}  {job['does']}"
            )
        return
    configure_logging(verbose)
    sys.exit(Scheduler(plan).run(run_now=run_now))
