"""The ``archive`` group: ``archive stats``, ``backup DEST``, ``migrate``, ``prune``."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.options import (
    archive_lock,
    config_option,
    db_option,
    existing_archive,
    fail,
    handle_errors,
)

__all__ = ["archive"]


def _settings(config: Path | None, db: Path | None) -> tuple[Path, Path | None]:
    """The archive's path (which must exist) and the ``warc_dir`` setting."""
    from crawler.config import config_dir, load_settings

    settings = load_settings(config_dir(config))
    path = existing_archive(db, settings)
    return path, Path(settings["warc_dir"]) if settings["warc_dir"] else None


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


@click.group()
def archive() -> None:
    """Look after the archive: its size, a backup, moving raw pages out to WARC files,
    dropping old texts (retention)."""


@archive.command()
@config_option
@db_option
@handle_errors
def stats(config: Path | None, db: Path | None) -> None:
    """Sizes: the SQLite file per table and index, the WARC files, articles per month."""
    from storage.upkeep import archive_stats

    path, warc_dir = _settings(config, db)
    s = archive_stats(path, warc_dir=warc_dir)
    per = s.articles or 1
    pruned = f" ({s.pruned:,} with their text dropped by retention)" if s.pruned else ""
    click.echo(f"archive {path}: {_mb(s.file_bytes)}, {s.articles:,} articles{pruned}")
    click.echo(f"  {s.file_bytes / per / 1e3:,.1f} KB per article in the SQLite file")
    click.echo(f"WARC files in {s.warc_dir}: {s.warc_files}, {_mb(s.warc_bytes)}")
    click.echo(f"  {s.warc_bytes / per / 1e3:,.1f} KB per article in WARC")
    if s.raw_html_rows:
        click.echo(
            f"{s.raw_html_rows:,} raw pages of an earlier release are still in the SQLite "
            "file: `culturewatch archive migrate` moves them to WARC files"
        )
    if s.objects:
        click.echo("tables and indexes (bytes):")
        width = max(len(name) for name, _, _ in s.objects)
        for name, kind, size in s.objects:
            click.echo(f"  {name:<{width}}  {kind:<5}  {size:>14,}")
    click.echo("articles per month (first archived): month, articles, relevant")
    for month, n, relevant in s.months:
        click.echo(f"  {month}  {n:>9,}  {relevant:>9,}")


@archive.command()
@click.argument("dest", type=click.Path(path_type=Path))
@config_option
@db_option
@handle_errors
def backup(dest: Path, config: Path | None, db: Path | None) -> None:
    """Copy the archive and its WARC files into the directory DEST, while a crawl may run.

    The SQLite file is copied with SQLite's online backup API (one consistent snapshot) and
    checked with integrity_check; WARC files already in DEST are only topped up. The copy's
    rows point at DEST/warc/ (a warc_dir kept elsewhere included), so it stands alone.
    """
    from storage.upkeep import BackupError, backup_archive

    path, warc_dir = _settings(config, db)
    try:
        done = backup_archive(path, dest, warc_dir=warc_dir)
    except BackupError as exc:
        fail(str(exc))
        return
    click.echo(
        f"backed up {path} to {done.path} ({_mb(done.bytes)}, integrity ok) and "
        f"{done.warc_files} WARC files ({_mb(done.warc_bytes)} copied this time)"
    )


@archive.command()
@config_option
@db_option
@handle_errors
def migrate(config: Path | None, db: Path | None) -> None:
    """Move the raw pages an earlier release kept in the SQLite file (table raw_html) to
    WARC files, each read back before it leaves the table; then drop it and vacuum.

    Resumable: stopped, it goes on where it was when run again. Takes the crawl lock.
    """
    from rich.progress import Progress

    from storage.archive import Archive
    from storage.raw_pages import move_raw_html

    path, warc_dir = _settings(config, db)
    before = path.stat().st_size
    with (
        archive_lock(path, "migrate"),
        Archive(path, warc_dir=warc_dir) as opened,
        Progress(transient=True) as progress,
    ):
        task = progress.add_task("moving raw pages to WARC", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        counts = move_raw_html(opened.raw_pages, progress=advance)
    if not counts["moved"]:
        click.echo("no raw pages left in the SQLite file: nothing to move")
        return
    click.echo(
        f"moved {counts['moved']:,} raw pages ({_mb(counts['bytes'])}) to WARC files in "
        f"{warc_dir or path.parent / 'warc'}; the SQLite file: {_mb(before)} -> "
        f"{_mb(path.stat().st_size)}"
    )


@archive.command()
@config_option
@db_option
@click.option(
    "--days",
    type=click.IntRange(1, 36500),
    default=None,
    help="Prune articles older than this many days (default: the retention_days setting).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be pruned; change nothing.")
@handle_errors
def prune(config: Path | None, db: Path | None, days: int | None, dry_run: bool) -> None:
    """Drop the text, search entry and raw capture of the articles neither relevant nor
    labelled that were first archived more than retention_days ago; their row, URL, title,
    scores, themes and story stay. Their earlier versions (revisits) lose their text, diff
    and capture too; the version rows stay. A WARC file goes once nothing points into it.

    Off while retention_days is 0 (the default) and no --days is given. Takes the crawl lock.
    """
    from datetime import UTC, datetime, timedelta

    from crawler.config import config_dir, load_settings
    from storage.archive import Archive
    from storage.retention import prune as prune_archive
    from storage.retention import prune_candidates

    days = days or int(load_settings(config_dir(config))["retention_days"])
    path, warc_dir = _settings(config, db)
    if not days:
        click.echo("retention is off (retention_days = 0 in settings.toml): nothing pruned")
        return
    with archive_lock(path, "prune"), Archive(path, warc_dir=warc_dir) as opened:
        if dry_run:
            cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
            n, last = 0, 0
            while ids := prune_candidates(opened.db, cutoff, last):
                n, last = n + len(ids), ids[-1]
            click.echo(
                f"would prune {n:,} articles first archived before {cutoff} "
                "(and the texts of their earlier versions)"
            )
            return
        done = prune_archive(
            opened.db, days=days, base=path.parent, warc_dir=opened.raw_pages.warc_dir
        )
    click.echo(
        f"pruned {done.articles:,} articles first archived before {done.cutoff} (text, "
        f"search entry, raw capture; rows kept) and the text of {done.versions:,} of their "
        f"versions (rows kept); {len(done.warc_files)} WARC files deleted "
        f"({_mb(done.warc_bytes)})"
    )
