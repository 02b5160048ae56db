"""A search of the articles table has its count started beside its page's query
(storage/web/count_ahead.py): the same counts, one count query per page, under way before
the page's query ends; any other query is left alone."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from datasette.utils import escape_fts

from storage.archive import Archive
from storage.web.count_ahead import count_sql_of
from storage.web.serve import build_datasette


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("ahead") / "a.db"
    with Archive(db) as archive:
        for n in range(120):
            archive.upsert_article({
                "url": f"https://news.example/{n}", "title": f"Title {n}",
                "text": "heritage museum" if n % 3 else "opera house", "source": f"s{n % 4}",
                "language": "zh" if n % 5 == 0 else "en", "relevance": (n % 17) / 17,
                "relevant": int(n % 4 == 0), "fetched_at": f"2026-11-{1 + n % 28:02d}T08:00:00+00:00",
            })  # fmt: skip
    return db


def tracing(ds: Any) -> Any:
    """*ds* with Datasette's own trace of every query of a request (?_trace=1)."""
    from datasette.app import DatasetteClient

    ds._settings["trace_debug"] = True
    ds.client = DatasetteClient(ds)  # its app is made with the setting
    return ds


def traced(ds: Any, query: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    async def get() -> Any:
        response = await ds.client.get(f"/culturewatch/articles.json?{query}&_trace=1")
        assert response.status_code == 200, response.text
        return response.json()

    data = asyncio.run(get())
    return data, data["_trace"]["traces"]


@pytest.mark.parametrize(
    "query",
    ["_search=heritage", "_search=heritage&language=zh", "_search=opera&_sort=fetched_at",
     "_search=heritage&_size=5&_nofacet=1", "_search=nowhere", "language=en"],
)  # fmt: skip
def test_a_searchs_count_is_started_beside_its_page(archive: Path, query: str) -> None:
    ds = tracing(build_datasette(archive))
    data, traces = traced(ds, query)
    counts = [t for t in traces if t["sql"].startswith("select count(*) from articles")]
    pages = [t for t in traces if " limit " in t["sql"] and t["sql"].startswith("select id, url")]
    assert len(counts) == 1 and len(pages) == 1, [t["sql"] for t in traces]
    page, count = pages[0], counts[0]
    where = page["sql"].split(" from articles ", 1)[1].rsplit(" order by ", 1)[0]
    with closing(sqlite3.connect(archive)) as conn:  # the same number, counted here
        conn.create_function("escape_fts", 1, escape_fts)
        assert conn.execute(f"select count(*) from articles {where}", page["params"]).fetchone()[0] == data["filtered_table_rows_count"]  # fmt: skip
    searched = "_search=" in query
    assert (
        (count_sql_of(page["sql"]) or "").strip() == count["sql"]
    ) == searched  # (traced stripped)
    assert (count["start"] < page["end"]) == searched  # under way before the page's query ended


def test_a_later_page_counts_as_before(archive: Path) -> None:
    ds = tracing(build_datasette(archive))
    first, _ = traced(ds, "_search=heritage&_size=5&_nofacet=1")
    later, traces = traced(ds, first["next_url"].split("?", 1)[1] + "&_nofacet=1")
    assert later["filtered_table_rows_count"] == first["filtered_table_rows_count"] == 80
    assert len([t for t in traces if t["sql"].startswith("select count(*)")]) >= 1


def test_a_long_query_is_not_searched_for_a_page_shape() -> None:
    from storage.web.count_ahead import LONGEST

    page = "select id from articles where search_id in (select rowid from articles_search where articles_search match :q) order by relevance desc limit 51"  # fmt: skip
    assert count_sql_of(page) == "select count(*) from articles where search_id in (select rowid from articles_search where articles_search match :q) "  # fmt: skip
    nearly = "select a from articles where " + "search_id in (select rowid from articles_search where x " * 20_000  # fmt: skip
    assert len(nearly) > LONGEST and count_sql_of(nearly) is None  # at once, not minutes
