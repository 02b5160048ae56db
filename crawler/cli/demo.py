"""``culturewatch demo``: build a sample archive from the synthetic news site, then browse it."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.options import (
    DEFAULT_PORT,
    archive_lock,
    check_port,
    fail,
    handle_errors,
    host_option,
    port_option,
)

__all__ = ["DEFAULT_DEMO_DB", "demo"]

# its own file beside the real archive (data/culturewatch.db): demo articles never mix with
# monitored ones, and deleting it loses nothing
DEFAULT_DEMO_DB = Path("data") / "demo.db"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in counts.items()) or "none"


@click.command()
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DEMO_DB,
    show_default=True,
    help="The demo's own SQLite archive; an archive with sources other than the demo's is refused.",
)
@click.option("--no-browse", is_flag=True, help="Only build the archive; do not serve it.")
@port_option
@host_option
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@handle_errors
def demo(db: Path, no_browse: bool, port: int | None, host: str, verbose: bool) -> None:
    """Build a sample archive from culturewatch's own synthetic news site and browse it.

    Six fictional outlets in English and Chinese are served on 127.0.0.1 and crawled by the
    real crawl (no network needed), then the archive is served as `browse` does. Run again,
    it duplicates nothing.
    """
    from crawler.config import defaults_dir
    from crawler.demo.build import NotADemoArchive, crawl_demo, demo_site
    from storage.overview import archive_overview

    port = DEFAULT_PORT if port is None else port
    if not no_browse:
        check_port(host, port, "demo")
    try:
        with demo_site(db) as build:
            click.echo(
                f"demo site: {len(build.site.sources)} outlets, {build.site.articles} articles "
                f"at {build.url}"
            )
            with archive_lock(db, "demo"):  # as a crawl: never beside another crawl of it
                summary = crawl_demo(build, db, verbose=verbose)
            summary.print()
            if summary.status == "failed":
                fail("demo crawl failed: " + (summary.errors or ["see the summary"])[0], 1)
            seen = archive_overview(db)
            click.echo(
                f"demo archive {db}: {seen.articles} articles, {seen.relevant} relevant "
                f"({_counts(seen.languages)})"
            )
            click.echo(f"  themes: {_counts(seen.themes)}")
            if seen.top_story:
                click.echo(
                    f"  most amplified story: {seen.top_story!r}, "
                    f"carried by {seen.top_story_sources} outlets"
                )
            if no_browse:
                click.echo(f"browse it: culturewatch browse --db {db}")
                return
            from crawler.cli.outputs import serve_archive
            from storage.web.serve import METADATA_FILE

            shipped = defaults_dir()
            metadata = shipped / METADATA_FILE if shipped else None
            # the demo site keeps answering, so the articles' links work meanwhile
            serve_archive(db, config=shipped, metadata=metadata, host=host, port=port)
    except NotADemoArchive as exc:
        fail(str(exc), 1)
