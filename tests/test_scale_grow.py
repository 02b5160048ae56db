"""A generated archive grown by copies in SQL (tests/bench/scale_grow.py) is as consistent
as one written article by article: SQLite's and FTS5's checks pass, the daily counts equal a
count of the articles, stories keep their 2-8 outlets, every URL is new, every date within
the two years; and the check finds what is wrong in one that is not."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent / "bench"
sys.path.insert(0, str(BENCH))

import scale_data  # noqa: E402
import scale_grow  # noqa: E402


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("grow") / "archive.db"
    scale_data.build(path, 1500, say=lambda _: None)
    with closing(sqlite3.connect(path)) as conn:
        before = {
            "today": conn.execute(
                "select count(*) from articles where fetched_at >= ?",
                [(datetime.now(UTC) - timedelta(hours=6)).isoformat()],
            ).fetchone()[0],
            "heritage": conn.execute(
                "select count(*) from articles_search where articles_search match 'heritage'"
            ).fetchone()[0],
            "labels": conn.execute("select count(*) from labels").fetchone()[0],
        }
    scale_grow.grow(path, 4000, say=lambda _: None)  # two whole copies and part of one
    return path, before


@pytest.mark.slow
def test_a_grown_archive_is_consistent(grown: tuple[Path, dict[str, int]]) -> None:
    path, before = grown
    assert scale_grow.check(path) == []
    with closing(sqlite3.connect(path)) as conn:
        n, lowest, highest, urls = conn.execute(
            "select count(*), min(id), max(id), count(distinct url) from articles"
        ).fetchone()
        assert (n, lowest, highest, urls) == (4000, 1, 4000, 4000)
        oldest, newest = conn.execute(
            "select min(fetched_at), max(fetched_at) from articles"
        ).fetchone()
        now = datetime.now(UTC)
        assert datetime.fromisoformat(newest) <= now
        assert datetime.fromisoformat(oldest) >= now - timedelta(days=733)
        spread = conn.execute(
            "select min(source_count), max(source_count), max(article_count), "
            "max(spread_hours) from stories where article_count > 1"
        ).fetchone()
        assert spread[0] >= 1 and spread[1] <= 8 and spread[2] <= 8 and spread[3] <= 84, (
            spread
        )  # 48 h + 36 h to publication
        today = conn.execute(
            "select count(*) from articles where fetched_at >= ?",
            [(now - timedelta(hours=6, minutes=5)).isoformat()],
        ).fetchone()[0]
        assert today >= 2 * before["today"]  # "today" grows with the archive
        heritage = conn.execute(
            "select count(*) from articles_search where articles_search match 'heritage'"
        ).fetchone()[0]
        assert 2 * before["heritage"] < heritage <= 3 * before["heritage"]
        assert 2 * before["labels"] < conn.execute("select count(*) from labels").fetchone()[0]
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
        triggers = {
            r[0] for r in conn.execute("select name from sqlite_master where type = 'trigger'")
        }
        assert {"daily_counts_insert", "articles_source_group_ai"} <= triggers


@pytest.mark.slow
def test_the_check_finds_what_is_inconsistent(
    grown: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    copy = tmp_path / "broken.db"
    with closing(sqlite3.connect(grown[0])) as conn, closing(sqlite3.connect(copy)) as out:
        conn.backup(out)
        out.execute(
            "update daily_counts set articles = articles + 1 where day = (select max(day) from daily_counts)"
        )
        out.execute("update stories set source_count = 9 where id = (select min(id) from stories)")
        out.commit()
    problems = scale_grow.check(copy)
    assert "daily_counts differ from a count of the articles" in problems, problems
    assert any("stories of more than 8 outlets" in p for p in problems), problems
    assert any("stories whose counts are not their articles'" in p for p in problems), problems
