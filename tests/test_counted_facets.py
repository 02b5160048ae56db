"""The articles table's facets read from the daily counts (storage/web/counted_facets.py)
are Datasette's own: the same values, counts, order, links and types, on the whole table and
filtered on what the counts hold; anything else is counted by Datasette's facets."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.archive import Archive
from storage.web.serve import build_datasette

NOW = datetime.now(UTC).replace(microsecond=0)
THEMES = [[], ["films_games"], ["heritage_unesco", "heritage_unesco"], ["films_games", "culture_economy"]]  # fmt: skip
FALLBACK = "id__gt=0"  # a filter the counts do not hold: Datasette's facets count


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = tmp_path_factory.mktemp("counted") / "a.db"
    with Archive(db) as archive:
        for k, group in enumerate(["state_media", None, "think_tank", "international"]):
            archive.db.execute("insert into sources (name, source_group) values (?, ?)", [f"s{k}", group])  # fmt: skip
        for n in range(90):
            day = NOW - timedelta(days=n % 13, hours=n % 5)
            archive.upsert_article({
                "url": f"https://news.example/{n}", "title": f"Title {n}", "text": f"text {n} heritage",
                "source": f"s{n % 4}",
                "language": ["en", "zh", None][n % 3 if n % 7 else 0],
                "published_at": None if n % 6 == 0 else (day - timedelta(days=1)).isoformat(),
                "fetched_at": day.isoformat(), "relevance": n / 90, "relevant": int(n % 4 == 0),
                "themes": json.dumps(THEMES[n % 4]),
            })  # fmt: skip
        archive.db.conn.executemany(
            "insert into stories (id, title, first_seen, source_count) values (?, ?, ?, ?)",
            [(n, f"story {n}", None if n % 9 == 0 else (NOW - timedelta(days=n % 11, hours=n)).isoformat(), 1 + n % 3)
             for n in range(1000, 1060)],
        )  # fmt: skip
        archive.db.conn.commit()
    return build_datasette(db)


def facets(ds: Any, query: str, table: str = "articles") -> dict[str, Any]:
    async def get() -> Any:
        response = await ds.client.get(f"/culturewatch/{table}.json?_size=1&{query}")
        assert response.status_code == 200, response.text
        return response.json()

    data = asyncio.run(get())
    out = {}
    for name, facet in data["facet_results"].items():
        values = [
            (r["value"], r["count"], r["selected"], r["toggle_url"].replace(f"&{FALLBACK}", ""))
            for r in facet["results"]
        ]
        out[name] = (facet["type"], values, facet["truncated"], facet["toggle_url"].replace(f"&{FALLBACK}", ""))  # fmt: skip
    return out  # a facet past its time limit would be missing


@pytest.mark.parametrize(
    "query",
    [
        "", "language=zh", "relevant=1", "relevant=0&source_group=think_tank", "source=s2",
        "source__exact=s1&language=en", "themes__arraycontains=films_games",
        "_facet_size=2", "_sort=published_at&language=en",
    ],
)  # fmt: skip
def test_counted_facets_are_datasettes(ds: Any, query: str) -> None:
    counted = facets(ds, query)
    counted_by_datasette = facets(ds, f"{query}&{FALLBACK}")
    assert set(counted) == {
        "source",
        "source_group",
        "language",
        "themes",
        "relevant",
        "published_at",
    }
    assert counted == counted_by_datasette
    assert counted["published_at"][0] == "date" and counted["themes"][0] == "grouped_array"
    assert sum(n for _, n, _, _ in counted["source"][1]) > 0


def test_the_counts_answer_only_what_they_hold(ds: Any) -> None:
    from storage.web.counted_facets import CountedFacet

    def filters(query: str) -> dict[str, str] | None:
        from datasette.utils.asgi import Request

        facet = CountedFacet(ds, Request.fake(f"/culturewatch/articles?{query}"), "culturewatch", table="articles")  # fmt: skip
        return facet._filters()

    assert filters("language=zh&_sort=id&_size=5") == {"language": "zh"}
    assert filters("themes__arraycontains=films_games&relevant=1") == {"theme": "films_games", "relevant": "1"}  # fmt: skip
    for query in ("_search=heritage", "_where=id>3", "id__gt=1", "_next=5", "_per_story=1",
                  "language=zh&language=en", "relevant=2", "language__not=zh"):  # fmt: skip
        assert filters(query) is None, query
    searched = facets(ds, "_search=heritage&language=zh")  # Datasette's facets, searched
    zh = len([n for n in range(90) if n % 7 and n % 3 == 1])
    assert [(v, n) for v, n, _, _ in searched["language"][1]] == [("zh", zh)]


@pytest.mark.parametrize("query", ["", "_facet_size=3", "source_count__gte=2"])
def test_the_stories_days_are_datasettes(ds: Any, query: str) -> None:
    counted = facets(ds, query, "stories")["first_seen"]
    assert counted == facets(ds, f"{query}&{FALLBACK}", "stories")["first_seen"]
    assert counted[0] == "date" and len(counted[1]) >= 3


SEARCH_FACETS = "&".join(
    ["_facet=source", "_facet=source_group", "_facet=language", "_facet=relevant"]
    + ["_facet_date=published_at", "_facet_grouped_array=themes"]
)  # Datasette's own facets of the same columns, asked for beside the configured ones


@pytest.mark.parametrize(
    "query",
    [
        "_search=heritage", "_search=heritage&language=zh", "_search=title&_facet_size=2",
        "_search=heritage&relevant=1&_sort=published_at", "_search=nowhere",
        "_search=heritage&themes__arraycontains=films_games",
    ],
)  # fmt: skip
def test_a_searchs_facets_counted_in_one_pass_are_datasettes(ds: Any, query: str) -> None:
    both = facets(ds, f"{query}&{SEARCH_FACETS}")
    for name in ("source", "source_group", "language", "relevant", "published_at", "themes"):
        mine, datasettes = both[name], both[f"{name}_2"]  # (configured first: ours)
        assert mine[:3] == datasettes[:3], name  # type, values and their links, truncated
    assert ("nowhere" in query) == (both["source"][1] == [])


def test_a_search_of_more_rows_than_search_facet_rows_counts_its_facets_on_request(
    ds: Any, tmp_path: Path
) -> None:
    from storage.web.serve import SHIPPED_METADATA, MetadataError

    shipped = SHIPPED_METADATA.read_text(encoding="utf-8")
    assert "    search_facet_rows: 50000\n" in shipped
    db = ds.get_database("culturewatch").path
    small = tmp_path / "metadata.yml"
    small.write_text(shipped.replace("search_facet_rows: 50000", "search_facet_rows: 40"))
    capped = build_datasette(db, metadata=small)
    few = facets(capped, "_search=heritage&language=zh")  # 26 rows: counted with the page
    assert few == facets(ds, "_search=heritage&language=zh") and few["language"][1]

    async def get(query: str) -> tuple[Any, str]:
        page = await capped.client.get(f"/culturewatch/articles?{query}")
        data = await capped.client.get(f"/culturewatch/articles.json?{query}")
        return data.json(), page.text

    many, html = asyncio.run(get("_search=heritage"))  # 90 rows: left out, a link to them
    assert many["facet_results"] == {} and many["filtered_table_rows_count"] == 90
    assert 'href="/culturewatch/articles?_search=heritage&amp;_all_facets=1">count them' in html
    asked = facets(capped, "_search=heritage&_all_facets=1")
    assert set(asked) == {"source", "source_group", "language", "themes", "relevant", "published_at"}  # fmt: skip
    assert sum(n for _, n, _, _ in asked["relevant"][1]) == 90
    _, html = asyncio.run(get("_search=heritage&_all_facets=1"))
    assert "count them" not in html
    small.write_text(shipped.replace("search_facet_rows: 50000", "search_facet_rows: many"))
    with pytest.raises(MetadataError, match="search_facet_rows: expected a whole number"):
        build_datasette(db, metadata=small)
