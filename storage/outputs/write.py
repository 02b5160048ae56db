"""Writing a digest: the archive opened read only, the renderers, atomic files in a directory
(:func:`storage.files.atomic_write`).

The outputs are two registries, file name -> renderer:

- :data:`RENDERERS`, the files of one day (``{date}`` stands for ``YYYY-MM-DD``); a renderer
  takes a :class:`Rendering` (the day's :class:`~storage.outputs.view.Digest`, and its chart,
  drawn once however many outputs use it). They are all rendered, then written.
- :data:`DIRECTORY_RENDERERS`, files about the whole directory (the feed), rendered from the
  directory once the day's files are in it.

Adding an output is one renderer function and one line in a registry.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.connection import connect_readonly
from storage.failing import failing_sources
from storage.files import atomic_write
from storage.health import FlagRule
from storage.outputs.chart import render_chart
from storage.outputs.feed import render_feed
from storage.outputs.html_render import render_html
from storage.outputs.json_render import render_json
from storage.outputs.markdown_render import render_markdown
from storage.outputs.view import Digest, build_digest
from storage.schema import bring_up_to_date

__all__ = [
    "DIRECTORY_RENDERERS",
    "RENDERERS",
    "DigestError",
    "Rendering",
    "write_digest",
]


class DigestError(Exception):
    """The digest could not be written (message: one line)."""


@dataclass
class Rendering:
    """One day's digest being rendered."""

    digest: Digest

    @cached_property
    def chart(self) -> bytes:
        return render_chart(self.digest)


RENDERERS: dict[str, Callable[[Rendering], str | bytes]] = {
    "{date}.png": lambda r: r.chart,
    "{date}.md": lambda r: render_markdown(r.digest),
    "{date}.html": lambda r: render_html(r.digest, r.chart),
    "{date}.json": lambda r: render_json(r.digest),
}
DIRECTORY_RENDERERS: dict[str, Callable[[Path], str | bytes]] = {
    "feed.xml": render_feed,
}


def write_digest(
    db_path: str | os.PathLike[str],
    day: date,
    out_dir: str | os.PathLike[str],
    *,
    tz: ZoneInfo,
    max_age_days: int = 3,
    labels: Mapping[str, str],
    article_pages: str | None = None,
    flags: FlagRule | None = None,
    health_page: str | None = None,
) -> tuple[Digest, list[Path]]:
    """Write the digest files of *day* from the archive at *db_path* into *out_dir*.

    *labels* maps theme keys to labels, in display order; *article_pages* is where the
    articles' pages are served (the HTML links each entry there, to label it); sources
    flagged under *flags* are listed at the digest's foot; sources failing now are said in
    its header, linked to *health_page* (the source-health query). Returns the digest and the files
    written, in registry order. Raises :class:`DigestError` (one line) when the archive
    cannot be read or a file cannot be written.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise DigestError(f"archive not found: {db_path} (run 'culturewatch crawl' first)")
    try:
        bring_up_to_date(db_path)  # an archive of an older release gets its new columns
        conn = connect_readonly(db_path)
    except sqlite3.Error as exc:
        raise DigestError(f"cannot open the archive {db_path}: {exc}") from None
    try:
        digest = build_digest(
            conn,
            day,
            tz=tz,
            max_age_days=max_age_days,
            labels=labels,
            article_pages=article_pages,
            flags=flags,
            failing=failing_sources(conn),
            health_page=health_page,
        )
    except sqlite3.Error as exc:
        raise DigestError(f"cannot read the archive {db_path}: {exc}") from None
    finally:
        conn.close()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        rendering = Rendering(digest)
        files = {
            out / name.format(date=digest.name): render(rendering)
            for name, render in RENDERERS.items()
        }
        for path, content in files.items():
            atomic_write(path, content)
        for name, render_directory in DIRECTORY_RENDERERS.items():
            atomic_write(out / name, render_directory(out))
    except OSError as exc:
        raise DigestError(f"cannot write the digest to {out}: {exc.strerror or exc}") from None
    return digest, [*files, *(out / name for name in DIRECTORY_RENDERERS)]
