"""Another program's SQLite file given as the archive is refused before anything is written
to it: one line naming it, exit status 1, the file byte for byte as it was and nothing new
beside it. A missing or empty file still becomes an archive, and an archive of an older
release is still brought up to date."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
import sqlite_utils
from support import write_settings, write_sources

from storage.archive import Archive
from storage.schema import NotAnArchive, migrations, refuse_foreign


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path) -> Path:
    """A small database of some other program: its own tables, its own rows."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("create table customers (id integer primary key, name text)")
        conn.execute("create table orders (id integer primary key, customer integer, total real)")
        conn.execute("insert into customers (name) values ('Ada'), ('Grace')")
        conn.execute("insert into orders (customer, total) values (1, 12.5)")
        conn.commit()
    return path


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # six commands, each its own process
def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    db = _foreign(folder / "shop.db")
    before = _digest(db)
    config = write_settings(tmp_path / "config").parent
    sources = write_sources(
        tmp_path / "sources.toml",
        [{"name": "s", "url": "http://127.0.0.1:9/feed.xml", "kind": "feed"}],
    )
    commands = [
        ["crawl", "--sources", str(sources), "--allow-private-networks"],
        ["rescore"],
        ["digest", "--out", str(tmp_path / "digests")],
        ["stories"],
        ["archive", "stats"],
        ["label", "1", "--relevant"],
    ]
    for command in commands:
        result = _cli(tmp_path, *command, "--config", str(config), "--db", str(db))
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(db) in lines[0], (command, result.stderr)
        assert "not a culturewatch archive" in lines[0] and "customers" in lines[0]
        assert "Traceback" not in result.stderr
        assert _digest(db) == before, command
        assert sorted(p.name for p in folder.iterdir()) == ["shop.db"], command  # no lock, wal


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("these are someone's notes, not a database\n" * 200)
    before = _digest(notes)
    with pytest.raises(NotAnArchive, match="notes.db is not a culturewatch archive"):
        Archive(notes)
    assert _digest(notes) == before


def test_a_missing_or_empty_file_becomes_an_archive(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    sqlite3.connect(tmp_path / "tableless.db").close()  # SQLite, no table yet
    for path in (tmp_path / "new" / "a.db", empty, tmp_path / "tableless.db"):
        refuse_foreign(path)
        with Archive(path) as archive:
            assert "articles" in archive.db.table_names()
            assert not migrations.pending(archive.db)


def test_an_archive_of_an_older_release_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    names = [migration.name for migration in migrations._migrations]
    with closing(sqlite3.connect(path)) as conn:
        migrations.apply(sqlite_utils.Database(conn), stop_before=names[5])
    with closing(sqlite3.connect(path)) as conn:
        assert len(migrations.pending(sqlite_utils.Database(conn))) == len(names) - 5
    refuse_foreign(path)  # ours: its migrations are recorded
    with Archive(path) as archive:
        assert not migrations.pending(archive.db)
    with Archive(path) as archive:  # its rows kept, written again as usual
        archive.upsert_article({"url": "https://example.org/1", "title": "T", "text": "x"})
