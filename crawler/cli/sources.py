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
    existing_archive,
    fail,
    handle_errors,
    sources_file_option,
)
from storage.groups import SOURCE_GROUPS

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
    archived, how many of them are relevant, and why a source needs attention (failed
    [flags] failed_crawls crawls in a row, or nothing new for quiet_days days).
    `sources check` fetches each source once; `sources add URL` adds one.
    """
    if ctx.invoked_subcommand is not None:  # `sources --config X check`: X applies to check
        ctx.obj = {**(ctx.obj or {}), "config": config, "sources_file": sources_file}
        return
    from crawler.config import config_dir, load_settings, load_sources
    from crawler.sources.report import print_states
    from crawler.sources.state import archive_sources, flag_rule, source_states

    directory = config_dir(config)
    settings = load_settings(directory)
    path = archive_path(db, settings)
    if db is not None and sources_file is None:
        # an archive named: its own outlets (a demo's six), not the configured sources
        if not db.is_file():
            fail(f"no archive at {db}" + (" (a directory)" if db.is_dir() else ""), 1)
        path = existing_archive(db, settings)  # another program's file: one line, exit 1
        listed = archive_sources(db)
    else:
        listed = load_sources(sources_file or directory / "sources.toml")
    print_states(source_states(listed, path, flag_rule(settings)), path)


# one fetch of each source: how long a DNS lookup, connection or read may take
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    help="Seconds before a DNS lookup, connection or read is abandoned.",
)


@sources.command("check")
@config_option
@sources_file_option
@allow_private_option
@timeout_option
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
    from crawler.sources.report import check_line, check_summary
    from crawler.sources.state import check_sources

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


@sources.command("add")
@click.argument("url")
@click.option("--name", default=None, help="Name of the new source (default: from the URL).")
@click.option("--language", default=None, help="BCP 47 language of the source (en, zh, ...).")
@click.option(
    "--group",
    type=click.Choice(list(SOURCE_GROUPS)),
    default=None,
    help="The source's group (facets, dashboard, digest).",
)
@config_option
@sources_file_option
@allow_private_option
@timeout_option
@click.pass_context
@handle_errors
def sources_add(
    ctx: click.Context,
    url: str,
    name: str | None,
    language: str | None,
    group: str | None,
    config: Path | None,
    sources_file: Path | None,
    allow_private_networks: bool,
    timeout: float,
) -> None:
    """Check URL once and add it to the sources file.

    URL is a feed, a sitemap, or a site's home or section page (kind site: the crawl
    finds its feed, sitemap or article links). Shows the format found, the item count and
    the latest titles, then appends a commented entry. A URL or name already in the file
    is refused (exit status 2); a URL that gives nothing usable adds nothing (exit 1).
    """
    from crawler.config import Source, config_dir, editable, load_settings, load_sources
    from crawler.sources.add import LANGUAGE, append_entry, duplicate, entry_text, new_name, planned
    from crawler.sources.report import check_line
    from crawler.sources.state import check_sources

    given = ctx.obj or {}
    config = config or given.get("config")
    sources_file = sources_file or given.get("sources_file")
    directory = config_dir(config)
    settings = load_settings(directory)
    path = editable(sources_file or directory / "sources.toml")
    configured = load_sources(path) if path.exists() else []
    if not url.startswith(("http://", "https://")):
        fail(f"{url!r} is no URL: it must start with http:// or https://", 2)
    if language is not None and not LANGUAGE.match(language):
        fail(f"--language {language!r} is no BCP 47 language (en, zh, zh-Hant, ...)", 2)
    if name is not None and not (name and all(c.isalnum() or c in "-_." for c in name)):
        fail(f"--name {name!r} must be letters, digits, '-', '_' or '.'", 2)

    def refuse_duplicate(urls: list[str]) -> None:
        found = duplicate(configured, urls=urls, name=name)
        if found is not None:
            what = "name" if found.name == name else "URL"
            fail(f"already in {path}: source {found.name!r} has this {what}", 2)

    refuse_duplicate([url])
    taken = {s.name for s in configured}
    candidate = Source(name=name or new_name(url, taken), url=url, kind="site")
    (result,) = check_sources(
        [candidate],
        config_dir=directory,
        timeout=timeout,
        allow_private_networks=allow_private_networks or settings.allow_private_networks,
    )
    click.echo(check_line(result))
    if not result.ok:
        fail(f"nothing added: {url} gave no feed, sitemap or article links", 1)
    for title in result.titles:  # from the fetched page: no control characters
        click.echo("  latest: " + "".join(c if c.isprintable() else " " for c in title))
    kind, entry_url = planned(url, result)
    refuse_duplicate([entry_url, *([result.url] if result.url else [])])
    entry = entry_text(
        name=candidate.name, url=entry_url, kind=kind, language=language, result=result, group=group
    )
    append_entry(path, entry)
    click.echo(f"added source {candidate.name!r} (kind {kind}) to {path}")
