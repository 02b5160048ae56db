"""The ``culturewatch`` command line: one click group, a command per job.

Errors a user can act on are one line on stderr and exit status 2 (configuration)
or 1 (the job could not run). Nothing is loaded at import time.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crawler.config import ConfigError

__all__ = ["main", "cli"]


def fail(message: str, code: int = 1) -> None:
    click.echo(f"culturewatch: {message}", err=True)
    sys.exit(code)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn configuration errors into one line and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            fail(f"config error: {exc}", 2)

    return wrapper


config_option = click.option(
    "--config",
    "config",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Configuration directory (default: $CULTUREWATCH_CONFIG or ./config).",
)
db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite archive (default: $CULTUREWATCH_DB or the 'archive' setting, ./data/culturewatch.db).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="culturewatch")
def cli() -> None:
    """Monitor media coverage of China's cultural exports and soft power.

    Crawl configured sources, extract and score articles, archive them in SQLite,
    write daily digests and browse the archive with Datasette.
    """


# ---------------------------------------------------------------------------- crawl
@cli.command()
@config_option
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sources file (default: sources.toml in the configuration directory).",
)
@db_option
@click.option(
    "--allow-private-networks",
    is_flag=True,
    default=False,
    help="Allow loopback, private and link-local destinations (refused by default).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@handle_errors
def crawl(
    config: Path | None,
    sources_file: Path | None,
    db: Path | None,
    allow_private_networks: bool,
    verbose: bool,
) -> None:
    """One crawl of every enabled source; prints a summary."""
    from crawler.runner import CrawlOptions, run_crawl

    options = CrawlOptions.from_config(
        config_dir=config,
        sources_file=sources_file,
        db=db,
        allow_private_networks=allow_private_networks,
        verbose=verbose,
    )
    summary = run_crawl(options)
    summary.print()
    if summary.status == "failed":
        sys.exit(1)


def main() -> None:
    cli(prog_name="culturewatch")
