"""The ``sources`` group: the configured sources with their health, and ``sources check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.options import (
    allow_private_option,
    archive_path,
    config_option,
    db_option,
    fail,
    handle_errors,
    sources_file_option,
)

__all__ = ["sources"]


@click.group(invoke_without_command=True)
@config_option
@sources_file_option
@db_option
@click.pass_context
@handle_errors
def sources(
    ctx: click.Context, config: Path | None, sources_file: Path | None, db: Path | None
) -> None:
    """List the configured sources with their state in the archive.

    Last success, last error (when the last crawl of the source failed), articles
    archived and how many of them are relevant. `sources check` fetches each source once.
    """
    if ctx.invoked_subcommand is not None:  # `sources --config X check`: X applies to check
        ctx.obj = {**(ctx.obj or {}), "config": config, "sources_file": sources_file}
        return
    from crawler.config import config_dir, load_settings, load_sources
    from crawler.report import print_states
    from crawler.sourcecheck import source_states

    directory = config_dir(config)
    settings = load_settings(directory)
    configured = load_sources(sources_file or directory / "sources.toml")
    path = archive_path(db, settings)
    print_states(source_states(configured, path), path)


@sources.command("check")
@config_option
@sources_file_option
@allow_private_option
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    help="Seconds before a DNS lookup, connection or read is abandoned.",
)
@click.option("--name", "names", multiple=True, help="Check only this source (repeatable).")
@click.pass_context
@handle_errors
def sources_check(
    ctx: click.Context,
    config: Path | None,
    sources_file: Path | None,
    allow_private_networks: bool,
    timeout: float,
    names: tuple[str, ...],
) -> None:
    """Fetch each source once: status, format found, item count, latency.

    One line per source; exit status 1 when any source failed.
    """
    import time

    from crawler.config import config_dir, load_settings, load_sources, load_themes
    from crawler.report import check_line, check_summary
    from crawler.sourcecheck import check_sources

    given = ctx.obj or {}  # the group's --config/--sources; this command's own win
    config = config or given.get("config")
    sources_file = sources_file or given.get("sources_file")
    directory = config_dir(config)
    settings = load_settings(directory)
    configured = load_sources(sources_file or directory / "sources.toml")
    if names:
        unknown = sorted(set(names) - {s.name for s in configured})
        if unknown:
            fail(f"no source named {unknown[0]!r}", 2)
        configured = [s for s in configured if s.name in names]
    load_themes(directory / "themes.toml")  # its errors here, in one line, before the check
    started = time.monotonic()
    results = check_sources(
        configured,
        config_dir=directory,
        timeout=timeout,
        allow_private_networks=allow_private_networks or settings.allow_private_networks,
        on_result=lambda result: click.echo(check_line(result)),
    )
    click.echo(check_summary(results, time.monotonic() - started))
    if any(not r.ok for r in results):
        sys.exit(1)
