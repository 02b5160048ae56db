"""The analysts' labels on the command line: ``label`` one article, ``labels export|import``.

A label is 1 (relevant) or 0 (not), of the article as a whole or (``--theme``) of one
theme; who gave it is ``--by``, else the user running the command. Export and import are
one JSON object per line (``url``, ``label``, ``theme``, ``note``, ``labelled_by``,
``labelled_at``, ``title``), so a team can share its judgements and re-apply them to
another archive by URL.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from crawler.cli.options import config_option, db_option, existing_archive, fail, handle_errors

__all__ = ["browse_labelling", "label", "labels"]


def _labeller(by: str | None) -> str:
    """``--by``, else the login name of the user running the command."""
    if by and by.strip():
        return by.strip()
    import getpass

    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError):  # no name for the uid (a container)
        return "unknown"


def browse_labelling(config: Path | None) -> dict[str, Any]:
    """What `browse` tells the labelling plugin: who the local actor is, the theme labels."""
    from crawler.config import config_dir
    from crawler.outputs.digests import theme_labels

    return {"local_user": _labeller(None), "themes": theme_labels(config_dir(config))}


def _check_theme(theme: str | None) -> str | None:
    from pipelines.scoring.themes import THEME_KEYS

    if theme is not None and theme not in THEME_KEYS:
        fail(f"unknown theme {theme!r} (one of: {', '.join(THEME_KEYS)})", 2)
    return theme


def _archive(config: Path | None, db: Path | None) -> Path:
    from crawler.config import config_dir, load_settings

    return existing_archive(db, load_settings(config_dir(config)))


@click.command()
@click.argument("article")
@click.option(
    "--relevant/--not-relevant",
    "relevant",
    default=None,
    help="The judgement (one of the two is required).",
)
@click.option("--theme", default=None, help="Judge one theme (a theme key), not the article.")
@click.option("--note", default=None, help="Why, in a few words.")
@click.option("--by", default=None, help="Who judges (default: the user running the command).")
@config_option
@db_option
@handle_errors
def label(
    article: str,
    relevant: bool | None,
    theme: str | None,
    note: str | None,
    by: str | None,
    config: Path | None,
    db: Path | None,
) -> None:
    """Label ARTICLE (its id or URL) --relevant or --not-relevant, as a whole or for one --theme.

    The latest label of a person for an article and theme counts; earlier ones are kept.
    """
    from pipelines.normalize import canonical_url
    from storage.archive import Archive
    from storage.labels import add_label, find_article

    if relevant is None:
        fail("label: give --relevant or --not-relevant", 2)
    _check_theme(theme)
    path = _archive(config, db)
    who = _labeller(by)
    with Archive(path) as archive:
        conn = archive.db.conn
        found = find_article(conn, article)
        if found is None and not article.strip().isdigit():
            found = find_article(conn, canonical_url(article.strip()) or article)
        if found is None:
            fail(f"no article {article!r} in {path} (give its id or URL)", 2)
            return
        with archive.transaction():
            add_label(conn, found[0], int(bool(relevant)), labelled_by=who, theme=theme, note=note)
    what = "relevant" if relevant else "not relevant"
    click.echo(
        f"labelled article {found[0]} ({found[1]}) {what}"
        + (f" for theme {theme}" if theme else "")
        + f", by {who}"
    )


@click.group()
def labels() -> None:
    """Share labels: export them to a JSON Lines file, import them into another archive."""


@labels.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@config_option
@db_option
@handle_errors
def export(file: Path, config: Path | None, db: Path | None) -> None:
    """Write every label given (the history, oldest first) to FILE ('-': stdout), one JSON
    object per line: url, label, theme, note, labelled_by, labelled_at, title."""
    from storage.connection import reading
    from storage.labels import export_labels
    from storage.schema import bring_up_to_date

    path = _archive(config, db)
    bring_up_to_date(path)  # an archive from before labels gets its (empty) table
    with reading(path) as database:
        lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in export_labels(database.conn)]
    if str(file) == "-":
        sys.stdout.write("".join(lines))
        return
    file.write_text("".join(lines), encoding="utf-8")
    click.echo(f"exported {len(lines)} label{'s' if len(lines) != 1 else ''} to {file}")


def _read_lines(file: Path) -> list[dict[str, Any]]:
    """The labels of a JSON Lines file; a bad line is one error naming it (exit status 2)."""
    from pipelines.scoring.themes import THEME_KEYS

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{file}: not UTF-8 text", 2)
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{file}:{number}"
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            fail(f"{where}: not JSON ({exc.msg})", 2)
        if not isinstance(line, dict) or not isinstance(line.get("url"), str):
            fail(f"{where}: expected an object with 'url', 'label' and 'theme'", 2)
        if line.get("label") not in (0, 1) or isinstance(line.get("label"), bool):
            fail(f"{where}: 'label' must be 0 or 1, not {line.get('label')!r}", 2)
        if line.get("theme") is not None and line.get("theme") not in THEME_KEYS:
            fail(f"{where}: unknown theme {line.get('theme')!r}", 2)
        out.append(line)
    return out


@labels.command("import")
@click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path)
)
@config_option
@db_option
@handle_errors
def import_(file: Path, config: Path | None, db: Path | None) -> None:
    """Add the labels of FILE (as `labels export` writes it) to the articles with those URLs.

    URLs not in this archive are listed and skipped; labels already there are not added
    again, so importing the same file twice changes nothing.
    """
    from storage.archive import Archive
    from storage.labels import import_label

    lines = _read_lines(file)
    path = _archive(config, db)
    counts = {"added": 0, "known": 0, "unknown": 0}
    unknown: list[str] = []
    with Archive(path) as archive, archive.transaction():
        for line in lines:
            outcome = import_label(archive.db.conn, line)
            counts[outcome] += 1
            if outcome == "unknown" and line["url"] not in unknown:
                unknown.append(line["url"])
    for url in unknown[:20]:
        click.echo(f"not in the archive: {url}", err=True)
    if len(unknown) > 20:
        click.echo(f"... and {len(unknown) - 20} more URLs not in the archive", err=True)
    click.echo(
        f"imported {counts['added']} label{'s' if counts['added'] != 1 else ''} into {path}; "
        f"{counts['known']} already there, {counts['unknown']} for articles not in it"
    )
