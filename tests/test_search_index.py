"""The search index without a copy of the text (m020_search_size, storage/search.py): it
stays consistent with the articles through every write, an archive of the earlier design
is converted with the same results, and a plain SQLite client still reads the archive."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.archive import Archive
from storage.connection import Reader
from storage.retention import prune
from storage.search import SEARCH_COLUMNS, SEARCH_TABLE, search_row
from storage.search_query import fts_query

ARTICLES = [
    ("动画电影《哪吒之魔童闹海》走进海外影院", "影片保留了中文原声。哪吒的故事在海外上映。"),
    ("马面裙走红", "从马面裙配运动鞋，到汉服爱好者带动国潮消费。"),
    ("春节申遗成功", "剪纸、灯会等非遗项目，国产3A游戏里程碑之作。"),
    ("Cultural exports abroad", "The Black Myth: Wukong game sold millions of copies abroad."),
    ("Films and games", "Chinese films and games travel: Wukong, Ne Zha 2 and more films."),
    ("Mixed 汉服 news", "Hanfu (汉服) fans in Paris; 国潮 brands open stores. Games too."),
]
QUERIES = [
    "哪吒",
    "汉服",
    "国潮",
    "马面裙",
    "游戏",
    "wukong",
    "films",
    "game",
    "哪吒电影",
    "abroad",
]
T = SEARCH_TABLE
SNIPPET = (  # as the search query shows them (config/metadata.yml): without U+200B
    f"select rowid, replace(snippet({T}, 1, '[', ']', ' … ', 24), char(8203), ''), "
    f"replace(snippet({T}, 0, '[', ']', ' … ', 8), char(8203), '') "
    f"from {T} where {T} match ? order by rank, rowid"
)


def check(db: Reader) -> None:
    """FTS5's integrity check of the index against its content (raises when they differ)."""
    db.execute(f"insert into [{T}] ([{T}], rank) values ('integrity-check', 1)")


def results(db: Reader) -> dict[str, list[tuple[object, ...]]]:
    """What every query finds, in rank order, with its snippets of text and title."""
    return {q: db.execute(SNIPPET, [fts_query(q)]).fetchall() for q in QUERIES}


def fill(archive: Archive) -> list[int]:
    return [
        archive.upsert_article({"url": f"https://example.org/{i}", "title": t, "text": x})[0]
        for i, (t, x) in enumerate(ARTICLES)
    ]


def test_the_index_stays_consistent_through_every_write(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        db = archive.db
        ids = fill(archive)
        check(db)
        assert {r[0] for r in results(db)["哪吒"]} == {ids[0]}
        # an update of the text (the archive's upsert), of the title alone (plain SQL), of
        # neither (a score): the index follows, through the triggers
        archive.upsert_article({"url": "https://example.org/0", "text": "原神玩家遍布全球"})
        db.execute("update articles set title = 'Wukong returns' where id = ?", [ids[2]])
        db.execute("update articles set relevance = 0.9, relevant = 1 where id = ?", [ids[1]])
        db.conn.commit()
        check(db)
        found = results(db)
        assert {r[0] for r in found["哪吒"]} == {ids[0]}  # still in its title
        assert {r[0] for r in found["wukong"]} == {ids[2], ids[3], ids[4]}
        assert db.execute(SNIPPET, [fts_query("原神")]).fetchall()[0][1] == "[原神]玩家遍布全球"
        # retention: old non-relevant texts dropped, their rows kept, the index without them
        long_ago = (datetime.now(UTC) - timedelta(days=90)).isoformat(timespec="seconds")
        db.execute("update articles set fetched_at = ? where id in (?, ?)", [long_ago, *ids[3:5]])
        db.conn.commit()
        pruned = prune(db, days=30, base=tmp_path, warc_dir=tmp_path / "warc")
        assert pruned.articles == 2
        check(db)
        assert {r[0] for r in results(db)["wukong"]} == {ids[2]}  # not even by its title
        indexed = {r[0] for r in db.execute(f"select id from [{SEARCH_TABLE}_docsize]")}
        assert indexed == set(ids) - set(ids[3:5])
        # crawled again: archived whole, and found again
        archive.upsert_article({"url": "https://example.org/3", "text": "Wukong is back."})
        check(db)
        assert {r[0] for r in results(db)["wukong"]} == {ids[2], ids[3]}
        # deletes
        db.execute("delete from articles where id in (?, ?)", [ids[0], ids[5]])
        db.conn.commit()
        check(db)
        assert results(db)["汉服"] == [
            (ids[1], "从马面裙配运动鞋，到[汉服]爱好者带动国潮消费。", "马面裙走红")
        ]
        # the check can fail: an index told to forget what it never held
        db.execute(
            f"insert into [{SEARCH_TABLE}] ([{SEARCH_TABLE}], rowid, {', '.join(SEARCH_COLUMNS)}) "
            "values ('delete', ?, 'Films', 'nothing like it', '')",
            [ids[4]],
        )
        with pytest.raises(sqlite3.DatabaseError):
            check(db)


def _old_design(db: sqlite3.Connection) -> None:
    """The index as m003-m019 left it: a full segmented copy of every text (FTS5 content)."""
    db.execute(f"drop table [{SEARCH_TABLE}]")
    for name in ("articles_search_au", "articles_search_ad"):
        db.execute(f"drop trigger [{name}]")
    db.execute("drop view articles_search_source")
    db.execute(
        f"create virtual table [{SEARCH_TABLE}] using fts5(title, text, grams, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.execute(
        f"create trigger [{SEARCH_TABLE}_ad] after delete on articles begin "
        f"delete from [{SEARCH_TABLE}] where rowid = old.id; end"
    )
    rows = db.execute("select id, title, text from articles").fetchall()
    db.executemany(
        f"insert into [{SEARCH_TABLE}] (rowid, title, text, grams) values (?, ?, ?, ?)",
        [(r[0], *search_row(r[1], r[2]).values()) for r in rows],
    )
    db.execute("delete from _sqlite_migrations where name = 'm020_search_size'")


def _search_bytes(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(
            "select sum(pgsize) from dbstat where name like ?", [f"{SEARCH_TABLE}%"]
        ).fetchone()[0]


def test_the_migration_keeps_every_result_and_snippet(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Archive(path) as archive:
        fill(archive)
        for i in range(60):  # enough text for the copy to weigh
            title, text = ARTICLES[i % len(ARTICLES)]
            archive.upsert_article(
                {"url": f"https://example.org/more/{i}", "title": title, "text": text * 20}
            )
    with closing(sqlite3.connect(path)) as conn, conn:
        _old_design(conn)
    with closing(sqlite3.connect(path)) as conn:  # the old design reads without our functions
        before = results(conn)
        assert conn.execute(f"select count(*) from [{SEARCH_TABLE}_content]").fetchone() == (66,)
    old_bytes = _search_bytes(path)
    assert all(before.values())
    with Archive(path) as archive:  # m020 runs
        assert results(archive.db) == before
        check(archive.db)
        names = [r[0] for r in archive.db.execute("select name from _sqlite_migrations")]
        assert names.count("m020_search_size") == 1
        # the old trigger (a delete by rowid) is gone: a delete leaves it consistent
        archive.db.execute("delete from articles where id = 1")
        archive.db.conn.commit()
        check(archive.db)
    assert _search_bytes(path) < old_bytes / 3


def test_a_plain_sqlite_client_reads_the_archive_but_not_the_index_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        ids = fill(archive)
    with closing(sqlite3.connect(path)) as conn:  # no functions of ours registered
        assert len(conn.execute("select * from articles").fetchall()) == len(ARTICLES)
        hits = conn.execute(
            f"select rowid from [{SEARCH_TABLE}] where [{SEARCH_TABLE}] match ? order by rank",
            [fts_query("汉服")],
        ).fetchall()
        assert {r[0] for r in hits} == {ids[1], ids[5]}
        for sql in (
            f"select text from [{SEARCH_TABLE}] where [{SEARCH_TABLE}] match 'wukong'",
            "delete from articles where id = 1",  # refused, not an index out of step
            "update articles set text = 'x' where id = 1",
        ):
            with pytest.raises(sqlite3.OperationalError, match="no such function: cw_search"):
                conn.execute(sql)
        conn.execute("update articles set relevance = 0.5 where id = 1")  # other columns: fine
        conn.commit()
    with Archive(path) as archive:
        check(archive.db)


@pytest.mark.slow
def test_a_migration_killed_midway_leaves_the_old_index_and_runs_again(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Archive(path) as archive:
        fill(archive)
        rows = [  # enough text that building the index takes a while
            (f"https://example.org/bulk/{i}", title, text * 40, "2026-01-01T00:00:00+00:00")
            for i in range(4000)
            for title, text in [ARTICLES[i % len(ARTICLES)]]
        ]
        archive.db.conn.executemany(
            "insert into articles (url, title, text, fetched_at) values (?, ?, ?, ?)", rows
        )
        archive.db.conn.commit()
    with closing(sqlite3.connect(path)) as conn, conn:
        _old_design(conn)
    with closing(sqlite3.connect(path)) as conn:
        before = results(conn)
    wal = Path(f"{path}-wal")
    migrating = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from storage.archive import Archive; Archive(sys.argv[1])",
            str(path),
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while migrating.poll() is None and time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > 2_000_000:  # the new index being written
                break
            time.sleep(0.005)
    finally:
        migrating.send_signal(signal.SIGKILL)
        migrating.wait()
    assert migrating.returncode == -signal.SIGKILL, "killed while it migrated"
    with closing(sqlite3.connect(path)) as conn:  # as it was: the old index, m020 pending
        names = {r[0] for r in conn.execute("select name from _sqlite_migrations")}
        assert "m020_search_size" not in names
        assert results(conn) == before
        conn.execute(f"insert into [{T}] ([{T}]) values ('integrity-check')")
    with Archive(path) as archive:  # run again: done
        assert results(archive.db) == before
        check(archive.db)
