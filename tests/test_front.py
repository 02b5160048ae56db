"""The reader's Datasette over HTTP: front page, concept search, article page, theme
parameters, readable tables, the dashboard's charts. A real ``culturewatch browse`` over the
crawled fixture archive (with an English Ne Zha article and a hostile one, scored by the
real scorer)."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from browse_helpers import ENGLISH_NEZHA, HOSTILE, browse_server, front_archive, get, get_json, url
from support import REPO

from storage.groups import group_label
from storage.web.serve import DATABASE_NAME

pytestmark = pytest.mark.slow  # a crawl of the fixture site, a rescore and Datasette

DB = f"/{DATABASE_NAME}"
THEMES = (
    "films_games",
    "soft_power_diplomacy",
    "traditional_revival_nationalism",
    "heritage_unesco",
    "culture_economy",
    "limits_resistance",
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return front_archive(tmp_path_factory.mktemp("front"))


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[str]:
    with browse_server(archive) as base:
        yield base


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def article_id(db: Path, record: dict) -> int:
    return rows(db, "select id from articles where url = ?", (record["url"],))[0][0]


def search(base: str, q: str) -> set[int]:
    data = get_json(url(base, f"{DB}/search.json", q=q, _shape="array"))
    return {r["id"] for r in data}


# ---------------------------------------------------------------------------- home page
def test_home_is_the_front_page_of_the_archive_only(archive: Path, server: str) -> None:
    assert [d["name"] for d in get_json(server + "/-/databases.json")] == [DATABASE_NAME]
    status, page = get(server + "/")
    assert status == 200 and "_memory" not in page
    assert 'href="/-/dashboards/attention"' in page
    assert 'action="/culturewatch/search"' in page and 'name="q"' in page
    for theme in THEMES:
        assert f'id="theme-{theme}"' in page
        assert f"/culturewatch/relevant_by_theme?theme={theme}" in page
    # the strongest articles of the week are linked titles (escaped), with their source group
    nezha = article_id(archive, ENGLISH_NEZHA)
    assert f'href="/culturewatch/articles/{nezha}">{ENGLISH_NEZHA["title"]}</a>' in page
    assert "International media" in page or "State media" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;title&#39;)" in page
    week = rows(archive, "select count(*) from articles where relevant = 1")[0][0]
    assert f"{week} relevant of" in page  # all were archived this week


# ---------------------------------------------------------------------------- concept search
def test_concept_search_finds_every_spelling_in_both_languages(archive: Path, server: str) -> None:
    english, chinese = article_id(archive, ENGLISH_NEZHA), rows(archive, "select id from articles where title like '%哪吒%'")[0][0]  # fmt: skip
    hits = search(server, "哪吒")
    assert {english, chinese} <= hits
    assert search(server, '"Ne Zha"') == hits == search(server, "Nezha") == search(server, "Ne Zha")
    # the plain search (the table's search box) stays: the words as typed
    plain = get_json(url(server, f"{DB}/articles.json", _search="哪吒", _shape="array"))
    assert chinese in {r["id"] for r in plain} and english not in {r["id"] for r in plain}
    # operators, and malformed input is read as well as it can be, never an SQL error
    assert search(server, "哪吒 NOT 影院") == hits - search(server, "影院")
    assert search(server, "(hanfu OR 哪吒") == search(server, "hanfu") | hits
    assert search(server, '"Ne Zha') == hits


def test_search_results_link_to_the_article_page(archive: Path, server: str) -> None:
    status, page = get(url(server, f"{DB}/search", q="Nezha"))
    assert status == 200
    nezha = article_id(archive, ENGLISH_NEZHA)
    assert f'href="/culturewatch/articles/{nezha}"' in page
    assert "<mark>" in page and "cw-chip" in page
    assert "<textarea" not in page  # the SQL is hidden (a link shows it)


# ---------------------------------------------------------------------------- article page
def test_article_page_marks_the_evidence_and_says_why(archive: Path, server: str) -> None:
    nezha = article_id(archive, ENGLISH_NEZHA)
    status, page = get(server + f"{DB}/articles/{nezha}")
    assert status == 200
    article = page[page.index('<article class="cw-article">') :]
    assert "<mark>Ne Zha 2</mark>" in article  # in the title and the text
    marked = set(re.findall(r"<mark>(.*?)</mark>", article))
    evidence = json.loads(
        rows(archive, "select evidence from articles where id = ?", (nezha,))[0][0]
    )
    found = {m for terms in evidence.values() for t in terms if t["points"] > 0 for m in t["matched"]}  # fmt: skip
    assert found and {m.casefold() for m in marked} <= {f.casefold() for f in found} | {
        m.casefold() for m in marked if any(m.casefold().startswith(f.rstrip("*").casefold()) for f in found)
    }  # fmt: skip
    assert "Why it scored" in article and "Chinese films and games abroad" in article
    score = rows(archive, "select relevance from articles where id = ?", (nezha,))[0][0]
    assert f"Why it scored {score:.2f}" in article
    assert 'class="cw-chip cw-theme-films_games"' in article


def test_hostile_article_is_escaped_everywhere(archive: Path, server: str) -> None:
    hostile = article_id(archive, HOSTILE)
    for path in (f"{DB}/articles/{hostile}", f"{DB}/articles", "/", f"{DB}/search?q=hanfu"):
        status, page = get(server + path)
        assert status == 200, path
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "<b>grow</b>" not in page and "<b>bold</b>" not in page, path
    status, page = get(server + f"{DB}/articles/{hostile}")
    assert "&lt;img src=x onerror=alert(&#x27;text&#x27;)&gt;" in page
    assert "<mark>hanfu</mark>" in page.lower()


def test_article_page_of_no_article_is_not_found(server: str) -> None:
    assert get(server + f"{DB}/articles/999999")[0] == 404


# ---------------------------------------------------------------------------- theme parameters
@pytest.mark.parametrize("name", ["relevant_by_theme", "relevant_feed"])
def test_an_unknown_theme_is_refused_in_words(server: str, name: str) -> None:
    status, page = get(url(server, f"{DB}/{name}", theme="film_games"))
    assert status == 400
    text = html.unescape(page)
    assert "Unknown theme 'film_games'" in text and all(t in text for t in THEMES)
    status, body = get(url(server, f"{DB}/{name}.json", theme="film_games"))
    assert status == 400 and json.loads(body)["ok"] is False
    assert get(url(server, f"{DB}/{name}.json", theme="films_games"))[0] == 200
    assert get(url(server, f"{DB}/{name}.json", theme=""))[0] == 200


def test_theme_parameters_offer_the_keys(server: str) -> None:
    status, page = get(url(server, f"{DB}/relevant_by_theme"))
    assert status == 200
    offered = json.loads(re.search(r"window\.culturewatchThemes = (\{.*?\});", page).group(1))
    assert list(offered) == list(THEMES)
    metadata = yaml.safe_load((REPO / "config" / "metadata.yml").read_text(encoding="utf-8"))
    for name, query in metadata["databases"][DATABASE_NAME]["queries"].items():
        if ":theme" in query["sql"]:
            assert get(url(server, f"{DB}/{name}.json", theme="x"))[0] == 400, name


# ---------------------------------------------------------------------------- tables
def test_articles_table_is_readable(archive: Path, server: str) -> None:
    status, page = get(server + f"{DB}/articles")
    assert status == 200
    nezha = article_id(archive, ENGLISH_NEZHA)
    assert f'<a class="cw-title" href="/culturewatch/articles/{nezha}">' in page
    assert 'class="cw-url" href="https://films.example/ne-zha-2-abroad"' in page
    assert "cw-chip cw-theme-" in page and "cw-excerpt" in page
    assert '["films_games"' not in page  # themes are chips, not JSON
    # the date facet lists days newest first
    data = get_json(url(server, f"{DB}/articles.json", _facet_date="published_at"))
    days = [r["value"] for r in data["facet_results"]["published_at"]["results"]]
    assert len(days) > 3
    facet = page[page.index('id="facet-published_at"') :]
    shown = re.findall(r"published_at__date=(\d{4}-\d\d-\d\d)", facet[: facet.index("</ul>")])
    assert shown == sorted(shown, reverse=True) and len(shown) >= 3


# ---------------------------------------------------------------------------- dashboard
def chart_sql(name: str, **options: str) -> str:
    from datasette_dashboards import replace_opts_in_query

    metadata = yaml.safe_load((REPO / "config" / "metadata.yml").read_text(encoding="utf-8"))
    chart = metadata["plugins"]["datasette-dashboards"]["attention"]["charts"][name]
    return replace_opts_in_query(chart["query"], options)


def chart(base: str, name: str, **options: str) -> list[dict]:
    params = {"sql": chart_sql(name, **options), "_shape": "array", **options}
    return get_json(url(base, f"{DB}.json", **params))


def test_dashboard_page_and_its_charts(archive: Path, server: str) -> None:
    status, page = get(server + "/-/dashboards/attention")
    assert status == 200 and "Attention over time" in page
    metadata = yaml.safe_load((REPO / "config" / "metadata.yml").read_text(encoding="utf-8"))
    for name in metadata["plugins"]["datasette-dashboards"]["attention"]["charts"]:
        for options in ({}, {"theme": "films_games", "group": "state_media", "date_start": "2025-01-01", "date_end": "2025-12-31"}):  # fmt: skip
            chart(server, name, **options)  # every chart runs, with and without filters
    shares = chart(server, "theme-share")
    assert shares and all(0 < r["share"] <= 100 for r in shares)
    relevant = rows(archive, "select count(*) from articles a, json_each(a.themes) where relevant = 1")[0][0]  # fmt: skip
    assert sum(r["relevant"] for r in shares) == relevant
    # normalised: a week's share is its theme articles over all that week's articles
    week = shares[0]
    total = sum(1 for r in rows(archive, "select coalesce(published_at, fetched_at) from articles") if _week(r[0]) == week["week"])  # fmt: skip
    assert week["total"] == total and week["share"] == round(100 * week["relevant"] / total, 2)
    groups = chart(server, "group-share")
    labels = {group_label("international"), group_label("state_media")}
    assert {r["source_group"] for r in groups} >= labels  # human names in the legend
    themes = {r["theme"] for r in chart(server, "theme-count")}
    assert "Chinese films and games abroad" in themes and "films_games" not in themes
    films = chart(server, "relevant-period", theme="films_games")[0]["articles"]
    assert films == rows(archive, "select count(*) from articles a, json_each(a.themes) j where relevant = 1 and j.value = 'films_games'")[0][0]  # fmt: skip


def _week(stamp: str) -> str:
    with sqlite3.connect(":memory:") as conn:
        return conn.execute("select date(substr(?, 1, 10), 'weekday 0', '-6 days')", [stamp]).fetchone()[0]  # fmt: skip
