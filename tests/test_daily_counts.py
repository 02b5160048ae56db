"""The daily counts (storage/daily_counts.py) equal a count of the articles after every
kind of write: inserts, rescoring, corrections of a date or source, deletes, a prune."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from support.recount import counts_from_articles

from storage.archive import Archive
from storage.daily_counts import TABLE, recount
from storage.retention import prune


def counted(archive: Archive) -> dict[tuple[str, ...], tuple[int, int]]:
    return {
        tuple(row[:6]): (row[6], row[7])
        for row in archive.db.execute(f"select * from {TABLE}").fetchall()
    }


def direct(archive: Archive) -> dict[tuple[str, ...], tuple[int, int]]:
    """The same counts, made in Python from the articles' rows."""
    return counts_from_articles(archive.db.conn)


def article(i: int, **extra: object) -> dict[str, object]:
    return {
        "url": f"https://counts.example/{i}", "source": f"s{i % 3}", "source_group":
        ["state_media", None, "think_tank"][i % 3], "language": ["en", "zh", None][i % 3],
        "title": f"Title {i}", "text": f"Text number {i} about heritage.",
        "published_at": None if i % 5 == 0 else f"2026-11-{1 + i % 20:02d}T08:00:00+00:00",
        "fetched_at": f"2026-12-0{1 + i % 7}T09:00:00+00:00",
        "relevant": i % 2, "themes": json.dumps(["heritage_unesco", "films_games"][: i % 3]),
        **extra,
    }  # fmt: skip


def test_the_counts_follow_every_write(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        assert counted(archive) == {}
        ids = [archive.upsert_article(article(i))[0] for i in range(40)]
        assert counted(archive) == direct(archive) != {}
        # a rescore: relevance and themes change, some twice listed, one not JSON at all
        archive.set_relevances(
            [
                (i, {"relevance": 0.9, "relevant": i % 3 == 0, "evidence": {},
                     "themes": ["soft_power_diplomacy", "soft_power_diplomacy"][: i % 4],
                     "theme_scores": {"soft_power_diplomacy": 0.9}})
                for i in ids[::2]
            ]
        )  # fmt: skip
        archive.db.execute("update articles set themes = 'not json' where id = ?", [ids[1]])
        # a re-crawl that corrects the publication date and the source's group
        archive.upsert_article(article(3, published_at="2025-01-02", source_group="trade_press"))
        archive.db.execute("update articles set language = 'fr', source = 'moved' where id = 8")
        archive.db.conn.commit()
        assert counted(archive) == direct(archive)
        archive.db.execute("pragma foreign_keys = off")  # stories etc. point at articles
        archive.db.execute("delete from articles where id in (?, ?, ?)", ids[5:8])
        archive.db.conn.commit()
        assert counted(archive) == direct(archive)
        assert all(n > 0 for n, _ in counted(archive).values())  # emptied rows go
        before = counted(archive)
        pruned = prune(archive.db, days=1, base=tmp_path, warc_dir=tmp_path / "warc",
                       now=datetime(2027, 6, 1, tzinfo=UTC))  # fmt: skip
        assert pruned.articles > 0
        assert counted(archive) == before == direct(archive)
        archive.db.execute("delete from articles")
        archive.db.conn.commit()
        assert counted(archive) == {}


def test_the_migration_counts_what_was_archived_before_it(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        for i in range(30):
            archive.upsert_article(article(i))
        archive.db.execute("update articles set themes = '[\"films_games\", \"films_games\"]' "
                           "where id = 4")  # fmt: skip
        expected = direct(archive)
        archive.db.execute(f"delete from {TABLE}")
        recount(archive.db)  # what m019 runs on an archive made before it
        assert counted(archive) == expected
