"""Serve the archive with Datasette: ``culturewatch browse``.

The metadata, canned queries and Datasette settings are data, in ``config/metadata.yml``
(from the configuration directory the caller names, else the one shipped beside this
package); a file that cannot be used raises :class:`MetadataError` (one line). The archive
is opened as a normal, mutable database, so crawls keep writing to it while it is served;
it is always served as ``/culturewatch`` whatever the file is called.

:func:`build_datasette` registers the Datasette plugins of this package, each named for
what it adds: :mod:`storage.web.sql_functions` (the Chinese-aware search box and the concept
search; jieba loaded at startup), :mod:`storage.web.cells` (readable cells, one rule per
cell), :mod:`storage.web.counted_facets` (the articles table's facets from the daily
counts when its filters allow), :mod:`storage.web.pages` (the front page and the article
page, with templates ``storage/web/templates/`` and static files ``storage/web/static/``),
:mod:`storage.web.atom` (empty Atom feeds), :mod:`storage.web.failing_sources` (the front
page's banner when sources fail), :mod:`storage.web.theme_parameters` (unknown
themes refused) and :mod:`storage.web.labelling` (the analysts' labels). The themes reach
them as plugin configuration (``plugins: culturewatch:``): ``themes`` (key -> label) and
``concepts`` (alias groups), passed in by the caller, which reads themes.toml. Whether a
host is this machine is :func:`storage.web.loopback.is_loopback`; the names they share are
in :mod:`storage.web.names`.

Every request has a bounded cost (issue 27): :mod:`storage.web.sql_limits` (SQLite's limits
on the connections, a result's size, and a watchdog that interrupts a read at the time
limit, :func:`build_datasette` puts the archive under it), :mod:`storage.web.search_size`
(a search too large refused with 400), :mod:`storage.web.arbitrary_sql` (arbitrary SQL for
the person at the machine and signed-in actors; anyone only with ``anonymous_sql: true``),
:mod:`storage.web.request_limits` (body size, sign-ins, server time and requests at once
per client: the ``limits`` of ``plugins: culturewatch:``),
:mod:`storage.web.response_headers` (HttpOnly cookies, referrer policy ``same-origin``),
:mod:`storage.web.csv_marks` (CSV exports without the search's match marks) and
:mod:`storage.web.errors` (no traceback with locals for a 404).
:func:`serve` tells them whether it listens on loopback (``loopback``) and lets uvicorn
hold at most :data:`CONNECTIONS` connections at once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from storage.web.loopback import is_loopback
from storage.web.names import DATABASE_NAME, PLUGIN

__all__ = [
    "CONNECTIONS",
    "DATABASE_NAME",
    "MetadataError",
    "SHIPPED_METADATA",
    "build_datasette",
    "front_page_url",
    "labelling_config",
    "load_metadata",
    "metadata_path",
    "serve",
]

METADATA_FILE = "metadata.yml"
CONNECTIONS = 200  # uvicorn answers 503 beyond this many connections at once
SHIPPED_METADATA = Path(__file__).resolve().parents[2] / "config" / METADATA_FILE


class MetadataError(Exception):
    """The Datasette metadata file cannot be used (message: one line, naming the file)."""


def metadata_path(directory: str | os.PathLike[str]) -> Path:
    """``metadata.yml`` in the configuration *directory*, else the one shipped with culturewatch."""
    path = Path(directory) / METADATA_FILE
    return path if path.exists() or not SHIPPED_METADATA.exists() else SHIPPED_METADATA


def load_metadata(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Datasette's metadata and settings from *path* (raises MetadataError)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MetadataError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise MetadataError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise MetadataError(f"{path}: expected a mapping of Datasette metadata")
    settings = data.pop("settings", None) or {}
    if not isinstance(settings, dict):
        raise MetadataError(f"{path}: settings: expected a mapping of Datasette settings")
    return data, settings


def build_datasette(
    db: str | os.PathLike[str],
    *,
    metadata: str | os.PathLike[str] | None = None,
    themes: Mapping[str, str] | None = None,
    concepts: Iterable[Sequence[str]] = (),
    labelling: dict[str, Any] | None = None,
    loopback: bool = True,
) -> Any:
    """A :class:`datasette.app.Datasette` serving the archive at *db* (which must exist),
    with the metadata file *metadata* (default: the shipped one), the theme labels *themes*
    (key -> label, in display order) and the alias groups *concepts* of the concept search.
    *labelling* is the configuration of :mod:`storage.web.labelling` (``local_writes``,
    ``local_user``, ``themes``; default: local writes on, served on loopback), merged over
    the metadata's own. *loopback*: the server listens on loopback only (the person at the
    machine may run arbitrary SQL and is not held to the per-client limits)."""
    from datasette.app import DEFAULT_SETTINGS, Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    from storage.web import (
        arbitrary_sql,
        atom,
        attention,
        cells,
        count_ahead,
        counted_facets,
        csv_marks,
        errors,
        facets,
        failing_sources,
        pages,
        per_story,
        readable,
        request_limits,
        response_headers,
        saved_alerts,
        search_facets,
        search_size,
        sql_functions,
        sql_limits,
        story_page,
        theme_parameters,
    )
    from storage.web import labelling as labels_plugin

    for plugin, name in (
        (sql_functions, "culturewatch-sql-functions"),
        (sql_limits, "culturewatch-sql-limits"),
        (cells, "culturewatch-cells"),
        (facets, "culturewatch-facets"),
        (counted_facets, "culturewatch-counted-facets"),
        (atom, "culturewatch-atom"),
        (pages, "culturewatch-pages"),
        (readable, "culturewatch-readable"),
        (story_page, "culturewatch-story-page"),
        (per_story, "culturewatch-per-story"),
        (attention, "culturewatch-attention"),
        (saved_alerts, "culturewatch-saved-alerts"),
        (failing_sources, "culturewatch-failing-sources"),
        (theme_parameters, "culturewatch-theme-parameters"),
        (search_size, "culturewatch-search-size"),
        (arbitrary_sql, "culturewatch-arbitrary-sql"),
        (request_limits, "culturewatch-request-limits"),
        (response_headers, "culturewatch-response-headers"),
        (csv_marks, "culturewatch-csv-marks"),
        (labels_plugin, labels_plugin.PLUGIN),
    ):
        if not pm.is_registered(plugin):
            pm.register(plugin, name=name)
    errors.quiet_errors()  # a 404 logged with rich cost 1.5 s of the event loop
    path = metadata or SHIPPED_METADATA
    data, settings = load_metadata(path)
    unknown = sorted(set(settings) - set(DEFAULT_SETTINGS))
    if unknown:
        raise MetadataError(f"{path}: settings: unknown Datasette setting {unknown[0]!r}")
    for key, value in settings.items():
        _check_setting(path, key, value, DEFAULT_SETTINGS[key])
    plugins = data.setdefault("plugins", {})
    if not isinstance(plugins, dict):
        raise MetadataError(f"{path}: plugins: expected a mapping of plugin settings")
    ours = plugins.setdefault(PLUGIN, {})
    if not isinstance(ours, dict):
        raise MetadataError(f"{path}: plugins: {PLUGIN}: expected a mapping")
    if not isinstance(ours.get(arbitrary_sql.SETTING, False), bool):
        raise MetadataError(
            f"{path}: plugins: {PLUGIN}: {arbitrary_sql.SETTING}: expected true or false"
        )
    rows = ours.get(search_facets.ROWS_KEY, search_facets.SEARCH_FACET_ROWS)
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise MetadataError(
            f"{path}: plugins: {PLUGIN}: {search_facets.ROWS_KEY}: expected a whole number "
            f">= 0, got {rows!r}"
        )
    try:
        request_limits.limits_of(ours)
    except ValueError as exc:
        raise MetadataError(f"{path}: plugins: {PLUGIN}: {exc}") from None
    ours["themes"] = dict(themes or {})
    ours["concepts"] = [list(group) for group in concepts]
    ours["loopback"] = loopback
    plugins[labels_plugin.PLUGIN] = {
        "local_writes": True,
        **(plugins.get(labels_plugin.PLUGIN) or {}),
        **(labelling or {}),
    }
    ds = Datasette(
        [],
        metadata=data,
        settings=settings,
        template_dir=str(pages.TEMPLATES),
        static_mounts=[(pages.STATIC_MOUNT, str(pages.STATIC))],
    )
    ds.remove_database("_memory")  # Datasette adds it when given no files: nothing is in it
    archive = Database(ds, path=str(db), is_mutable=True)
    sql_limits.watch_database(archive, ds)  # every read interrupted at the time limit
    count_ahead.count_ahead(archive)  # a search's count beside its page's query
    ds.add_database(archive, name=DATABASE_NAME)
    return ds


def serve(
    db: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    metadata: str | os.PathLike[str] | None = None,
    themes: Mapping[str, str] | None = None,
    concepts: Iterable[Sequence[str]] = (),
    echo: Any = print,
    labelling: dict[str, Any] | None = None,
) -> None:
    """Bring the archive's schema up to date, then serve it with the metadata file
    *metadata*, *themes*, *concepts* and *labelling* (see :func:`build_datasette`) until
    interrupted. Labels written by the local actor need the server on loopback
    (``local_writes``)."""
    import asyncio

    import uvicorn

    from storage.archive import Archive

    db = Path(db)
    if not db.exists():
        raise FileNotFoundError(f"no archive at {db}: run `culturewatch crawl` first")
    Archive(db).close()  # migrations: the search index and any new tables
    ds = build_datasette(
        db,
        metadata=metadata,
        themes=themes,
        concepts=concepts,
        labelling=labelling_config(host, labelling),
        loopback=is_loopback(host),
    )
    asyncio.run(ds.invoke_startup())
    if not is_loopback(host):
        echo(f"warning: serving on {host}: anyone who can reach it can read the archive")
        echo("labels can be written only by a signed-in analyst (README, Labelling and evaluation)")
    echo(f"Serving {db} at {front_page_url(host, port)} (Ctrl-C to stop)")
    uvicorn.run(
        ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1,
        limit_concurrency=CONNECTIONS,
    )  # fmt: skip


def labelling_config(host: str, labelling: dict[str, Any] | None) -> dict[str, Any]:
    """The labelling plugin's configuration when serving on *host*: beyond loopback there
    is no local actor (``local_writes`` off, whatever the metadata says)."""
    return {**(labelling or {}), **({} if is_loopback(host) else {"local_writes": False})}


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def front_page_url(host: str, port: int) -> str:
    """The URL a person opens: the front page (``http://127.0.0.1:8001/``), which links the
    database page (``/culturewatch``, the SQL box) one click away."""
    return f"http://{_url_host(host)}:{port}/"


def _check_setting(path: str | os.PathLike[str], key: str, value: object, default: object) -> None:
    """A Datasette setting of the type of its default (a number finite and not negative), or
    a one-line MetadataError: a bad value would otherwise fail every page with HTTP 500."""
    if isinstance(default, bool):
        ok = isinstance(value, bool)
        wanted = "true or false"
    elif isinstance(default, int | float):
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= 0
        )
        wanted = "a number from 0 up"
    else:
        ok = value is None or isinstance(value, str)
        wanted = "a string"
    if not ok:
        raise MetadataError(f"{path}: settings: {key}: expected {wanted}, not {value!r}")
