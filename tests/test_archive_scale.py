"""What keeps a large archive fast (m018, storage/web/facets.py, the front page's queries):
each read answers from an index instead of every row (whose text sits before the columns
read), with the same results. tests/bench/archive_scale.py measures the speed."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.archive import Archive
from storage.web.front_page import front_page
from storage.web.serve import build_datasette

NOW = datetime.now(UTC).replace(microsecond=0)


def archive(tmp_path: Path) -> Path:
    db = tmp_path / "a.db"
    with Archive(db) as opened:
        for n in range(40):
            day = NOW - timedelta(days=n % 10)
            opened.upsert_article({
                "url": f"https://news.example/{n}", "title": f"t{n}", "text": "x " * 3000,
                "source": f"s{n % 3}", "source_group": "international" if n % 2 else None,
                "language": "zh" if n % 4 == 0 else "en", "published_at": day.isoformat(),
                "fetched_at": day.isoformat(), "relevance": n / 40, "relevant": int(n % 3 == 0),
                # a value twice in one array counts once
                "themes": json.dumps(["heritage_unesco", "heritage_unesco"] if n % 5 == 0
                                     else ["films_games"] if n % 3 == 0 else []),
            })  # fmt: skip
    return db


def plan(db: Path, sql: str, params: dict[str, str]) -> str:
    with closing(sqlite3.connect(db)) as conn:
        return " | ".join(row[3] for row in conn.execute(f"explain query plan {sql}", params))


def test_the_heavy_reads_use_an_index_not_every_row(tmp_path: Path) -> None:
    db = archive(tmp_path)
    week = {"week": (NOW - timedelta(days=6)).date().isoformat()}
    counts = plan(db, "select count(*), sum(relevant = 1) from articles where fetched_at >= :week", week)  # fmt: skip
    assert "COVERING INDEX idx_articles_fetched_at_relevant" in counts, counts
    groups = plan(
        db, "select source_group, count(*) from articles where +relevant = 1 and "
        "fetched_at >= :week group by +source_group", week,
    )  # fmt: skip
    assert "COVERING INDEX idx_articles_fetched_at_relevant" in groups, groups
    order = plan(db, "select * from articles order by relevance desc limit 101", {})
    assert order == "SCAN articles USING INDEX idx_articles_relevance", order
    day = plan(
        db, "select date(published_at) as value, count(*) from (select * from articles) "
        "where date(published_at) is not null group by date(published_at)", {},
    )  # fmt: skip
    assert "idx_articles_published_day" in day and "TEMP B-TREE FOR GROUP BY" not in day, day
    health = plan(db, "select count(*) from pages where source = 's1' and outcome in ('failed')", {})  # fmt: skip
    assert "idx_pages_source_outcome" in health, health


def test_the_front_page_counts_are_the_rows_counted(tmp_path: Path) -> None:
    db = archive(tmp_path)
    with closing(sqlite3.connect(db)) as conn:
        page = front_page(conn, {}, now=NOW)
        week = (NOW.date() - timedelta(days=6)).isoformat()
        expected = conn.execute(
            "select count(*), sum(fetched_at >= ?), sum(relevant = 1 and fetched_at >= ?), "
            "sum(relevant = 1 and fetched_at >= ?) from articles",
            [week, week, NOW.date().isoformat()],
        ).fetchone()
    assert (page.total, page.archived_week, page.relevant_week, page.relevant_today) == expected
    assert page.total == 40 and page.relevant_week > 0


def test_the_themes_facet_counts_each_article_once_per_theme(tmp_path: Path) -> None:
    db = archive(tmp_path)
    ds = build_datasette(db)

    async def facet(query: str) -> dict:
        response = await ds.client.get(f"/culturewatch/articles.json?_size=0{query}")
        assert response.status_code == 200, response.text
        return response.json()["facet_results"]["themes"]

    themes = asyncio.run(facet(""))
    assert themes["type"] == "grouped_array"
    counts = {r["value"]: r["count"] for r in themes["results"]}
    heritage = [n for n in range(40) if n % 5 == 0]
    films = [n for n in range(40) if n % 3 == 0 and n % 5]
    assert counts == {"heritage_unesco": len(heritage), "films_games": len(films)}
    link = next(r["toggle_url"] for r in themes["results"] if r["value"] == "films_games")
    assert "themes__arraycontains=films_games" in link
    chosen = asyncio.run(facet("&themes__arraycontains=films_games&language=en"))
    english = len([n for n in films if n % 4])
    assert {r["value"]: r["count"] for r in chosen["results"]} == {"films_games": english}
    assert next(r["selected"] for r in chosen["results"] if r["value"] == "films_games")
