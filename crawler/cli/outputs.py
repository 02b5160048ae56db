"""Commands that read the archive: ``digest`` (the day's files) and ``browse`` (Datasette)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from crawler.cli.options import (
    DEFAULT_PORT,
    archive_path,
    check_port,
    config_option,
    db_option,
    fail,
    handle_errors,
    host_option,
    port_option,
)
from crawler.config import ConfigError

__all__ = ["browse", "digest"]


@click.command()
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
    from crawler.outputs.digests import digest_from_config
    from storage.outputs import DigestError

    try:
        result, paths = digest_from_config(
            config_dir=config, db=db, day=day.date() if day else None, out=out
        )
    except DigestError as exc:
        fail(str(exc), 1)
    n, m = len(result.entries), len(result.stories)
    click.echo(
        f"digest {result.name}: {n} relevant article{'s' if n != 1 else ''} in {m} "
        f"stor{'ies' if m != 1 else 'y'} -> " + ", ".join(str(p) for p in paths)
    )


@click.command()
@config_option
@db_option
@port_option
@host_option
@handle_errors
def browse(config: Path | None, db: Path | None, port: int | None, host: str) -> None:
    """Serve the archive with Datasette (metadata and canned queries: config/metadata.yml)."""
    from crawler.config import config_file, load_settings
    from crawler.outputs.digests import browse_port
    from storage.web.serve import METADATA_FILE

    settings = load_settings(config)
    path = archive_path(db, settings)
    port = browse_port(settings, DEFAULT_PORT) if port is None else port
    metadata = config_file(METADATA_FILE, config)  # else the one shipped with culturewatch
    if path.is_file():  # a missing archive is its own line, from serve()
        check_port(host, port, "browse")  # one line, not "Serving..." then a server error
    serve_archive(path, config=config, metadata=metadata, host=host, port=port)


def serve_archive(
    path: Path, *, config: Path | None, metadata: Path | None, host: str, port: int
) -> None:
    """Serve the archive at *path* as ``browse`` does, with the themes of *config* (their
    labels and the concept search's aliases) and its labelling settings."""
    from crawler.cli.labels import browse_labelling
    from crawler.config import config_file, load_themes
    from storage.web.serve import MetadataError, serve

    themes = load_themes(config_file("themes.toml", config))  # labels and concept search
    labels = {theme.key: theme.label for theme in themes.themes}
    concepts = themes.alias_groups
    try:
        serve(
            path,
            host=host,
            port=port,
            metadata=metadata,
            themes=labels,
            concepts=concepts,
            echo=click.echo,
            labelling=browse_labelling(config),
        )
    except MetadataError as exc:  # the metadata file is configuration: exit status 2
        raise ConfigError(str(exc)) from None
    except (FileNotFoundError, OSError) as exc:
        fail(str(exc), 1)
