"""``init``: the default configuration written out for editing."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.options import (
    fail,
    handle_errors,
)

__all__ = ["init"]


@click.command()
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
        return
    if directory.exists() and not directory.is_dir():
        fail(f"init failed: {directory}: not a directory", 1)
    if directory.exists() and directory.resolve() == shipped.resolve():
        fail(f"init failed: {directory} is where the defaults themselves are", 1)
    files = sorted(p for p in shipped.iterdir() if p.is_file() and not p.name.startswith("."))
    there = [str(directory / p.name) for p in files if (directory / p.name).exists()]
    if there and not force:
        fail(f"init failed: already there: {', '.join(there)} (--force overwrites)", 1)
    directory.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, directory / path.name)
        click.echo(f"wrote {directory / path.name}")
    if directory.resolve() != Path("config").resolve():
        click.echo(f"use it with --config {directory} or CULTUREWATCH_CONFIG={directory}")
