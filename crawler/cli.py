"""The ``culturewatch`` command line: one click group, a command per job.

Errors a user can act on are one line on stderr and exit status 2 (configuration)
or 1 (the job could not run). Nothing is loaded at import time.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crawler.config import ConfigError
from crawler.exits import EXIT_BUSY  # `crawl` exits with it when another crawl holds the archive

__all__ = ["main", "cli"]


def fail(message: str, code: int = 1) -> None:
    click.echo(f"culturewatch: {message}", err=True)
    sys.exit(code)


def _command_name() -> str:
    """The running command as typed after ``culturewatch``: ``crawl``, ``sources check``."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return "command"
    return " ".join(ctx.command_path.split()[1:]) or ctx.command.name or "command"


def _os_error(exc: OSError) -> str:
    """``FILE: strerror`` (``OLD -> NEW: strerror`` for a rename), or the bare error."""
    text = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        where = str(exc.filename)
        if exc.filename2 is not None:
            where += f" -> {exc.filename2}"
        text = f"{where}: {text}"
    return " ".join(text.split())


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn configuration errors into one line and exit status 2, archive errors into 1.

    An operating-system error nothing else handled (the disk full, a permission denied)
    is one line and exit status 1 too: ``culturewatch: digest failed: FILE: strerror``.
    Click's own exceptions and ``sys.exit`` pass through untouched, and so does a closed
    stdout (EPIPE, ``culturewatch score ... | head``), which click ends quietly.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            fail(f"config error: {exc}", 2)
        except sqlite3.DatabaseError as exc:  # not a SQLite file, corrupt, read-only...
            fail(f"archive error: {exc}", 1)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            fail(f"{_command_name()} failed: {_os_error(exc)}", 1)

    return wrapper


config_option = click.option(
    "--config",
    "config",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Configuration directory (default: $CULTUREWATCH_CONFIG or ./config).",
)
allow_private_option = click.option(
    "--allow-private-networks",
    is_flag=True,
    default=False,
    help="Allow loopback, private and link-local destinations (refused by default).",
)
sources_file_option = click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sources file (default: sources.toml in the configuration directory).",
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
@sources_file_option
@db_option
@allow_private_option
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
    from crawler.lock import ArchiveBusy, LockError, crawl_lock
    from crawler.runner import CrawlOptions, run_crawl

    options = CrawlOptions.from_config(
        config_dir=config,
        sources_file=sources_file,
        db=db,
        allow_private_networks=allow_private_networks,
        verbose=verbose,
    )
    try:
        with crawl_lock(options.db):  # one crawl at a time per archive
            summary = run_crawl(options)
    except ArchiveBusy as exc:  # another crawl holds the archive: try again later
        fail(str(exc), EXIT_BUSY)
    except LockError as exc:
        fail(str(exc), 1)
    summary.print()
    if summary.status == "failed":
        fail("crawl failed: " + (summary.errors[0] if summary.errors else "see the summary"), 1)


# ---------------------------------------------------------------------------- schedule
@cli.command()
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
    from crawler.scheduler import SchedulePlan, Scheduler, configure_logging, list_jobs

    plan = SchedulePlan.from_config(config_dir=config, db=db)
    if list_only:
        for job in list_jobs(plan):
            click.echo(
                f"{job['job']:<7} {job['cron']:<16} next run {job['next_run'].isoformat()}  "
                f"{job['does']}"
            )
        return
    configure_logging(verbose)
    sys.exit(Scheduler(plan).run(run_now=run_now))


# ---------------------------------------------------------------------------- digest
@cli.command()
@config_option
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Day of the digest (default: today in the configured time zone).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of the digest files (default: the 'digest.out' setting, ./digests).",
)
@db_option
@handle_errors
def digest(config: Path | None, day: Any, out: Path | None, db: Path | None) -> None:
    """Write the day's digest: YYYY-MM-DD.md/.html/.json, the chart and feed.xml."""
    from crawler.digests import digest_from_config
    from storage.digest import DigestError

    try:
        result, paths = digest_from_config(
            config_dir=config, db=db, day=day.date() if day else None, out=out
        )
    except DigestError as exc:
        fail(str(exc), 1)
    n = len(result.entries)
    click.echo(
        f"digest {result.name}: {n} relevant article{'s' if n != 1 else ''} -> "
        + ", ".join(str(p) for p in paths)
    )


# ---------------------------------------------------------------------------- browse
@cli.command()
@config_option
@db_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8001,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; anything but loopback exposes the archive to the network.",
)
@handle_errors
def browse(config: Path | None, db: Path | None, port: int, host: str) -> None:
    """Serve the archive with Datasette (metadata and canned queries: config/metadata.yml)."""
    from crawler.config import config_file, default_db_path, load_settings
    from storage.browse import METADATA_FILE, MetadataError, serve

    path = db or default_db_path(load_settings(config))
    metadata = config_file(METADATA_FILE, config)  # else the one shipped with culturewatch
    try:
        serve(path, host=host, port=port, metadata=metadata, echo=click.echo)
    except MetadataError as exc:  # the metadata file is configuration: exit status 2
        raise ConfigError(str(exc)) from None
    except (FileNotFoundError, OSError) as exc:
        fail(str(exc), 1)


# ---------------------------------------------------------------------------- sources


@cli.group(invoke_without_command=True)
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
    from crawler.config import config_dir, default_db_path, load_settings, load_sources
    from crawler.report import print_states
    from crawler.sourcecheck import source_states

    directory = config_dir(config)
    settings = load_settings(directory)
    configured = load_sources(sources_file or directory / "sources.toml")
    path = db or default_db_path(settings)
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


# ---------------------------------------------------------------------------- score, rescore
def _scoring_config(config: Path | None) -> tuple[Any, Any, float]:
    """(settings, themes, threshold) of the configuration directory."""
    from crawler.config import config_dir, load_settings, load_themes

    directory = config_dir(config)
    settings = load_settings(directory)
    threshold = float(settings["relevance.threshold"])
    return settings, load_themes(directory / "themes.toml"), threshold


@cli.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@config_option
@handle_errors
def score(paths: tuple[Path, ...], config: Path | None) -> None:
    """Score files against the themes without archiving them.

    An .html file is extracted first; a .txt file is the title on line 1, then the body.
    Prints one JSON object per file: path, title, relevance, relevant, themes,
    theme_scores and evidence.
    """
    import json

    from pipelines.scoring import score_file

    _settings, themes, threshold = _scoring_config(config)
    failed = 0
    for path in paths:
        try:
            line = score_file(path, themes, threshold)
        except (ValueError, OSError) as exc:
            click.echo(f"culturewatch: {exc}", err=True)
            failed += 1
            continue
        click.echo(json.dumps(line, ensure_ascii=False))
    if failed:
        sys.exit(1)


@cli.command()
@config_option
@db_option
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=500,
    show_default=True,
    help="Articles per transaction.",
)
@click.option(
    "--reextract",
    is_flag=True,
    help="First extract every article again from its stored raw HTML (after a trafilatura "
    "upgrade, say).",
)
@handle_errors
def rescore(config: Path | None, db: Path | None, batch_size: int, reextract: bool) -> None:
    """Re-apply the current themes to every archived article (nothing is fetched).

    Takes the crawl lock, so it never runs beside a crawl of the same archive.
    """
    from rich.progress import Progress

    from crawler.config import default_db_path
    from crawler.lock import ArchiveBusy, LockError, crawl_lock
    from pipelines.scoring import reextract_archive, rescore_archive
    from storage.archive import Archive

    settings, themes, threshold = _scoring_config(config)
    path = db or default_db_path(settings)
    if not Path(path).exists():
        fail(f"no archive at {path}")
    try:
        with (
            crawl_lock(path, holder="rescore"),
            Archive(path) as archive,
            Progress(transient=True) as progress,
        ):
            if reextract:
                task = progress.add_task("re-extracting", total=archive.count())
                done = reextract_archive(
                    archive, batch_size=batch_size, progress=lambda n: progress.advance(task, n)
                )
            task = progress.add_task("rescoring", total=archive.count())
            counts = rescore_archive(
                archive,
                themes,
                threshold,
                batch_size=batch_size,
                progress=lambda n: progress.advance(task, n),
            )
    except ArchiveBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except LockError as exc:
        fail(str(exc), 1)
    if reextract:
        click.echo(f"re-extracted {done['extracted']} of {done['articles']} articles")
    click.echo(
        f"rescored {counts['articles']} articles: {counts['relevant']} relevant, "
        f"{counts['changed']} changed their verdict"
    )


# ---------------------------------------------------------------------------- init
@cli.command()
@click.argument("directory", metavar="[DIR]", required=False, default="config", type=Path)
@click.option("--force", is_flag=True, help="Overwrite configuration files already in DIR.")
@handle_errors
def init(directory: Path, force: bool) -> None:
    """Write the default configuration files into DIR (default: ./config) for editing.

    Refuses to overwrite a file that is already there unless --force; prints each file written.
    """
    import shutil

    from crawler.config import defaults_dir

    shipped = defaults_dir()
    if shipped is None:
        fail("init failed: this installation has no default configuration to copy", 1)
    if directory.exists() and not directory.is_dir():
        fail(f"init failed: {directory}: not a directory", 1)
    if directory.exists() and directory.resolve() == shipped.resolve():
        fail(f"init failed: {directory} is where the defaults themselves are", 1)
    files = sorted(p for p in shipped.iterdir() if p.is_file() and not p.name.startswith("."))
    there = [str(directory / p.name) for p in files if (directory / p.name).exists()]
    if there and not force:
        fail(f"init: {', '.join(there)} already there; --force overwrites", 1)
    directory.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, directory / path.name)
        click.echo(f"wrote {directory / path.name}")
    if directory.resolve() != Path("config").resolve():
        click.echo(f"use it with --config {directory} or CULTUREWATCH_CONFIG={directory}")


def main() -> None:
    cli(prog_name="culturewatch")
