"""The reads that m021_scale_reads keeps fast on a million articles answer from an index
alone (each story's row is never read), for every story and for those that spread; the
facets of first_source and languages over every story read an index in their order."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from storage.archive import Archive

FACETS = {
    "first_source": "select first_source as value, count(*) as count from ({sql}) "
    "where first_source is not null group by first_source order by count desc, value limit 31",
    "languages": "with arrays as (select languages as arr, count(*) as n from ({sql}) "
    "where languages is not null group by languages) select arr, n from arrays",
    "first_seen": "select date(first_seen) as value, count(*) as count from ({sql}) "
    "where date(first_seen) is not null group by date(first_seen) order by count desc limit 31",
    "source_count": "select source_count as value, count(*) as count from ({sql}) "
    "where source_count is not null group by source_count order by count desc limit 31",
}


@pytest.mark.parametrize("facet", sorted(FACETS))
@pytest.mark.parametrize("where", ["", "where source_count >= 2"])
def test_the_stories_facets_read_an_index_alone(tmp_path: Path, facet: str, where: str) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()
    sql = FACETS[facet].format(sql=f"select * from stories {where}")
    with closing(sqlite3.connect(db)) as conn:
        plan = " | ".join(row[3] for row in conn.execute(f"explain query plan {sql}"))
    steps = [step for step in plan.split(" | ") if " stories" in step]
    assert steps and all("COVERING INDEX" in step for step in steps), plan  # no story read
    if facet in ("first_source", "languages") and not where:  # an index in their order
        assert "TEMP B-TREE FOR GROUP BY" not in plan and f"stories_{facet}_count" in plan, plan


def test_a_search_of_the_articles_table_reads_its_matches_from_one_index(tmp_path: Path) -> None:
    """m022_search_rows: the search box's matches (metadata fts_pk: search_id) are looked up
    in articles_search_rows; the count and the facets' one pass read no column of the table
    (SQLite's deferred seek never seeks), the page reads its sort key there (the 51 rows it
    shows are read after the sort)."""
    from storage.web.counted_facets import KINDS
    from storage.web.search_facets import one_pass_sql

    db = tmp_path / "a.db"
    Archive(db).close()
    where = "where search_id in (select rowid from articles_search where articles_search match :search)"  # fmt: skip
    kinds = {column: kind.type for column, kind in KINDS.items()}  # as the facets ask for them
    reads = {
        "count": f"select count(*) from articles {where}",
        "facets": one_pass_sql(f"select * from articles {where}", kinds, 31),
        "page": f"select * from articles {where} order by relevance desc limit 51",
    }
    with closing(sqlite3.connect(db)) as conn:
        root = conn.execute("select rootpage from sqlite_master where name = 'articles'").fetchone()
        for name, sql in reads.items():
            plan = [row[3] for row in conn.execute(f"explain query plan {sql}", {"search": "x"})]
            steps = [
                step for step in plan if step.startswith(("SCAN articles ", "SEARCH articles "))
            ]
            assert steps and all("INDEX articles_search_rows (search_id=?)" in s for s in steps), (name, plan)  # fmt: skip
            code = conn.execute(f"explain {sql}", {"search": "x"}).fetchall()
            table = {op[2] for op in code if op[1] == "OpenRead" and op[3] == root[0]}
            read = [op for op in code if op[1] in ("Column", "SeekRowid") and op[2] in table]
            assert bool(read) == (name == "page"), (name, read)
