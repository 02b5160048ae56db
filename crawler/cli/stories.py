"""The ``stories`` group: the most amplified stories, and ``stories rebuild``."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.options import (
    archive_lock,
    config_option,
    db_option,
    existing_archive,
    handle_errors,
)

__all__ = ["stories"]


@click.group(invoke_without_command=True)
@config_option
@db_option
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=20,
    show_default=True,
    help="Stories to list.",
)
@click.pass_context
@handle_errors
def stories(ctx: click.Context, config: Path | None, db: Path | None, limit: int) -> None:
    """List the most amplified stories: the copies of one text across outlets.

    Most outlets first: title, first source, outlets, copies and spread (hours from the
    first copy to the last). `stories rebuild` recomputes them from the archived text.
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from crawler.config import config_dir, load_settings
    from storage.archive import Archive
    from storage.formats import readable_time
    from storage.schema import bring_up_to_date
    from storage.stories import story_rows

    path = existing_archive(db, load_settings(config_dir(config)))
    bring_up_to_date(path)  # an archive of an older release gets its stories first
    with Archive(path, readonly=True) as archive:
        rows = list(story_rows(archive.db, limit=limit))
    table = Table(title=f"most amplified stories in {path}")
    for name in ("title", "first source", "outlets", "copies", "spread (h)", "languages"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(
            row["title"] or "",
            f"{row['first_source']} ({row['first_basis']} {readable_time(row['first_seen'])})",
            ", ".join(row["sources"]),
            str(row["article_count"]),
            f"{row['spread_hours'] or 0:.1f}",
            ", ".join(row["languages"]),
        )
    Console(width=140).print(table)


@stories.command("rebuild")
@config_option
@db_option
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=500,
    show_default=True,
    help="Articles read and grouped at a time (the rebuild is one transaction).",
)
@handle_errors
def rebuild(config: Path | None, db: Path | None, batch_size: int) -> None:
    """Recompute every signature, band and story from the archived text.

    Takes the crawl lock, so it never runs beside a crawl of the same archive. With the
    setting stories.cross_language, English and Chinese copies are joined too.
    """
    from rich.progress import Progress

    from crawler.config import config_dir, load_settings, load_themes
    from pipelines.stories.assign import rebuild_stories
    from pipelines.stories.crosslang import CrossLanguage
    from storage.archive import Archive

    directory = config_dir(config)
    settings = load_settings(directory)
    cross = None
    if settings["stories.cross_language"]:
        cross = CrossLanguage(load_themes(directory / "themes.toml"))
    path = existing_archive(db, settings)
    with (
        archive_lock(path, "rebuild"),
        Archive(path) as archive,
        Progress(transient=True) as progress,
    ):
        task = progress.add_task("grouping stories", total=archive.count())
        counts = rebuild_stories(
            archive,
            batch_size=batch_size,
            progress=lambda n: progress.advance(task, n),
            cross=cross,
        )
    click.echo(f"grouped {counts['articles']} articles into {counts['stories']} stories")
