"""Keeping an archive: what takes its room (:func:`archive_stats`) and a consistent copy of it
and its WARC files while a crawl may be writing (:func:`backup_archive`).

The copy of the SQLite file is SQLite's online backup API from a read-only connection: one
snapshot, taken while writers go on (WAL), checked with ``integrity_check`` before it
replaces an earlier copy. The WARC files are copied after the snapshot: they only grow
and every record a committed row points at was synced before its commit, so the copies
hold every capture the copied rows point at (checked too). A WARC file already copied is
only topped up with what was appended since.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from storage.captures import warc_files
from storage.connection import connect_readonly

__all__ = ["ArchiveStats", "BackupError", "Backup", "archive_stats", "backup_archive"]


class BackupError(Exception):
    """The backup cannot be made (its destination is the archive itself, not writable...)."""


@dataclass
class ArchiveStats:
    file_bytes: int
    objects: list[tuple[str, str, int]]  # (name, table|index, bytes), largest first
    warc_files: int
    warc_bytes: int
    months: list[tuple[str, int, int]]  # (YYYY-MM, articles, relevant)
    articles: int
    raw_html_rows: int  # pages of an earlier release still in the file (archive migrate)
    warc_dir: Path = field(default_factory=Path)
    pruned: int = 0  # articles whose text retention dropped (archive prune): text NULL


def _warc_dir(path: Path, warc_dir: Path | None) -> Path:
    return Path(warc_dir) if warc_dir else Path(path).parent / "warc"


def archive_stats(path: Path, *, warc_dir: Path | None = None) -> ArchiveStats:
    """Sizes of the archive at *path*: per table and index (SQLite's ``dbstat``), its
    WARC files, and articles per month (first archived)."""
    directory = _warc_dir(path, warc_dir)
    with closing(connect_readonly(path)) as conn:
        kinds = dict(conn.execute("select name, type from sqlite_master").fetchall())
        try:
            sizes = conn.execute(
                "select name, sum(pgsize) from dbstat group by name order by 2 desc"
            ).fetchall()
        except sqlite3.OperationalError:  # an SQLite built without dbstat
            sizes = []
        months = conn.execute(
            "select substr(fetched_at, 1, 7), count(*), sum(relevant = 1) from articles "
            "group by 1 order by 1"
        ).fetchall()
        articles, pruned = conn.execute(
            "select count(*), count(*) - count(text) from articles"
        ).fetchone()
        raw = 0
        if "raw_html" in kinds:
            raw = conn.execute("select count(*) from raw_html").fetchone()[0]
    files = warc_files(directory)
    wal = Path(f"{path}-wal")
    return ArchiveStats(
        file_bytes=Path(path).stat().st_size + (wal.stat().st_size if wal.exists() else 0),
        objects=[(name, kinds.get(name, "table"), int(size)) for name, size in sizes],
        warc_files=len(files),
        warc_bytes=sum(f.stat().st_size for f in files),
        months=[(m or "?", int(n), int(r or 0)) for m, n, r in months],
        articles=int(articles),
        raw_html_rows=int(raw),
        warc_dir=directory,
        pruned=int(pruned or 0),
    )


@dataclass
class Backup:
    path: Path  # the copy of the archive file
    bytes: int
    warc_files: int
    warc_bytes: int  # copied this time


def backup_archive(path: Path, dest: Path, *, warc_dir: Path | None = None) -> Backup:
    """Copy the archive at *path* and its WARC files into the directory *dest* (created):
    ``DEST/<archive name>`` and ``DEST/warc/``. Raises :class:`BackupError`."""
    path = Path(path)
    source_dir = _warc_dir(path, warc_dir)
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        if _same(dest, path):
            raise BackupError(f"the backup destination {dest} is the archive itself")
        raise BackupError(f"the backup destination {dest} is a file, not a directory")
    target = dest / path.name
    if _same(dest, path.parent) or _same(target, path) or _same(dest / "warc", source_dir):
        raise BackupError(f"the backup destination {dest} is the archive's own directory")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "warc").mkdir(exist_ok=True)
        if not os.access(dest, os.W_OK):
            raise PermissionError(13, "Permission denied", str(dest))
    except OSError as exc:
        raise BackupError(f"cannot write to {dest}: {exc.strerror or exc}") from None
    partial = dest / f".{path.name}.partial"
    try:
        partial.unlink(missing_ok=True)
        with closing(connect_readonly(path)) as src, closing(sqlite3.connect(partial)) as out:
            src.backup(out)
            status = out.execute("pragma integrity_check").fetchone()[0]
            if status != "ok":
                raise BackupError(f"the copy of {path} failed integrity_check: {status}")
            out.execute("pragma journal_mode = delete")
            tables = _point_into_copy(out)
            ends = dict(
                out.execute(  # the end of the last record a row points at, per file
                    "select warc_filename, max(warc_record_offset + warc_record_length) from ("
                    + " union all ".join(
                        f"select warc_filename, warc_record_offset, warc_record_length "
                        f"from {table} where warc_filename is not null"
                        for table in tables
                    )
                    + ") group by 1"
                ).fetchall()
                if tables
                else []
            )
        copied = sum(_top_up(f, dest / "warc" / f.name) for f in warc_files(source_dir))
        for name, end in ends.items():
            copy = dest / "warc" / Path(name).name
            if not copy.exists() or copy.stat().st_size < end:
                raise BackupError(f"the copy of the WARC file {name} lacks records")
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        where = f" {exc.filename}" if exc.filename else ""
        raise BackupError(f"backup failed:{where} {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    files = warc_files(dest / "warc")
    return Backup(target, target.stat().st_size, len(files), copied)


def _point_into_copy(conn: sqlite3.Connection) -> list[str]:
    """Make the copy's capture pointers name ``warc/<file>``, where the backup puts every WARC
    file: a ``warc_dir`` elsewhere is stored absolute (or relative to another folder), and a
    restored backup must not read the original's files. One pass per table; the tables with
    capture pointers are returned."""
    conn.create_function(
        "cw_warc_copy", 1, lambda name: name and f"warc/{Path(name).name}", deterministic=True
    )
    tables = [t for t in ("articles", "article_versions") if _has_warc_columns(conn, t)]
    for table in tables:
        conn.execute(
            f"update {table} set warc_filename = cw_warc_copy(warc_filename) "
            "where warc_filename <> cw_warc_copy(warc_filename)"
        )
    conn.commit()
    return tables


def _has_warc_columns(conn: sqlite3.Connection, table: str = "articles") -> bool:
    info = conn.execute(f"pragma table_info({table})")
    return any(r[1] == "warc_filename" for r in info)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _top_up(source: Path, copy: Path) -> int:
    """Copy *source* to *copy*, or only what was appended since *copy* was made; bytes copied."""
    size = source.stat().st_size
    have = copy.stat().st_size if copy.exists() else 0
    if have > size:  # not a copy of this file: start again
        have = 0
        copy.unlink()
    if have == size:
        return 0
    with open(source, "rb") as src, open(copy, "ab") as out:
        src.seek(have)
        remaining = size - have
        while remaining > 0:
            chunk = src.read(min(remaining, 1 << 20))
            if not chunk:
                break
            out.write(chunk)
            remaining -= len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return size - have
