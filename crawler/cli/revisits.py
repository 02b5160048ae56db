"""The ``revisit`` command: fetch relevant articles again, keep their changes as versions."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.options import (
    allow_private_option,
    archive_lock,
    config_option,
    db_option,
    existing_archive,
    handle_errors,
)

__all__ = ["revisit"]


@click.command()
@config_option
@db_option
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Every relevant article, due or not (default: the due ones).",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    default=None,
    help="At most this many, the most overdue first (the scheduler passes revisit.max_per_crawl).",
)
@allow_private_option
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@handle_errors
def revisit(
    config: Path | None,
    db: Path | None,
    every: bool,
    limit: int | None,
    allow_private_networks: bool,
    verbose: bool,
) -> None:
    """Fetch relevant articles again; keep edits and removals as versions.

    Runs the revisits due now ([revisit] after in settings.toml). Conditional requests, the crawl's politeness and robots.txt rules; an edited headline,
    body, byline or date becomes a new version (table article_versions), a removal (404,
    410, a redirect to the home page, a "not found" page) is called after a second fetch
    agrees (removal_confirm_after); 403, 429 and 5xx are recorded as blocked, never removed.
    """
    from crawler.config import load_settings
    from crawler.revisits.run import run_revisits

    settings = load_settings(config)
    path = existing_archive(db, settings)
    with archive_lock(path, "revisit"):
        summary = run_revisits(
            settings,
            path,
            every=every,
            limit=limit,
            allow_private_networks=allow_private_networks or settings.allow_private_networks,
            verbose=verbose,
        )
    summary.print()
