"""Commands that score: ``score`` (files, nothing archived) and ``rescore`` (the archive)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from crawler.cli.options import (
    archive_lock,
    config_option,
    db_option,
    existing_archive,
    handle_errors,
)

__all__ = ["rescore", "score"]

# articles from which ``rescore`` scores in one process per core
_PARALLEL_FROM = 5000


def _scoring_config(config: Path | None) -> tuple[Any, Any, float]:
    """(settings, themes, threshold) of the configuration directory."""
    from crawler.config import config_dir, load_settings, load_themes

    directory = config_dir(config)
    settings = load_settings(directory)
    threshold = float(settings["relevance.threshold"])
    return settings, load_themes(directory / "themes.toml"), threshold


@click.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@config_option
@handle_errors
def score(paths: tuple[Path, ...], config: Path | None) -> None:
    """Score PATHS (files) against the themes without archiving them.

    An .html file is extracted first; a .txt file is the title on line 1, then the body.
    Prints one JSON object per file: path, title, relevance, relevant, themes,
    theme_scores and evidence.
    """
    import json

    from pipelines.scoring.rescore import score_file

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


@click.command()
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

    Takes the crawl lock, so it never runs beside a crawl of the same archive. From 5,000
    articles on, the scoring runs in one process per core.
    """
    from rich.progress import Progress

    from pipelines.scoring.rescore import reextract_archive, rescore_archive
    from pipelines.workers.pool import default_workers
    from storage.archive import Archive

    settings, themes, threshold = _scoring_config(config)
    path = existing_archive(db, settings)
    with (
        archive_lock(path, "rescore"),
        Archive(path) as archive,
        Progress(transient=True) as progress,
    ):
        if reextract:
            task = progress.add_task("re-extracting", total=archive.count())
            done = reextract_archive(
                archive, batch_size=batch_size, progress=lambda n: progress.advance(task, n)
            )
        total = archive.count()
        task = progress.add_task("rescoring", total=total)
        counts = rescore_archive(
            archive,
            themes,
            threshold,
            batch_size=batch_size,
            progress=lambda n: progress.advance(task, n),
            # one process per core once starting them (~1 s) is worth it
            workers=default_workers() if total >= _PARALLEL_FROM else 1,
        )
    pruned = f"; {counts['pruned']} skipped: text dropped by retention" if counts["pruned"] else ""
    if reextract:
        skipped = [
            f"{done['missing']} skipped: raw capture missing" if done["missing"] else "",
            f"{done['pruned']} skipped: text dropped by retention" if done["pruned"] else "",
        ]
        why = "; ".join(s for s in skipped if s)
        why = f" ({why})" if why else ""
        click.echo(f"re-extracted {done['extracted']} of {done['articles']} articles{why}")
    click.echo(
        f"rescored {counts['articles']} articles: {counts['relevant']} relevant, "
        f"{counts['changed']} changed their verdict{pruned}"
    )
