"""``culturewatch browse``: the real Datasette server over a crawled archive, over HTTP.

One crawl of the fixture site per module and one server per archive (filled, empty). The
metadata tests fail when a table, a column of ``articles`` or a canned query has no
description, or when a canned query does not run on an empty and on a filled archive.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
import yaml
from browse_helpers import CULTUREWATCH, browse_server, crawl_fixture_archive, get, get_json, url
from support import REPO
from support.story_rows import assign_stories

from storage.archive import Archive
from storage.search import MARK_END, MARK_START
from storage.web.serve import DATABASE_NAME

pytestmark = pytest.mark.slow  # a module-scoped crawl of the fixture site, and Datasette

METADATA = yaml.safe_load((REPO / "config" / "metadata.yml").read_text(encoding="utf-8"))
DB_META = METADATA["databases"][DATABASE_NAME]
QUERIES = DB_META["queries"]
# A value for every parameter a canned query may take (a new parameter needs one here).
PARAMS = {"theme": "films_games", "q": "哪吒"}
ARCHIVE_TABLES_SQL = (
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' "
    "and sql not like 'CREATE TABLE ''%' "  # FTS5 shadow tables are created quoted
)
DB = f"/{DATABASE_NAME}"
# Queries on stories: on the crawled archive they must run (a crawl of the fixture site may
# group nothing); their rows are checked on the archive with stories (stories_server).
STORY_QUERIES = {"amplified_stories", "first_carriers"}
# need a source failing or an unresolved Google News link, which the fixture crawl has not:
# tests/test_sources_add.py and tests/test_google_resolve.py cover them
SITUATION_QUERIES = {"sources_needing_attention", "unresolved_google_news"}
# Queries on what the alerts sent: a crawl sends nothing (tests/test_alerts.py checks rows).
ALERT_QUERIES = {"alert_deliveries"}
# Queries on what revisits found: a crawl revisits nothing (tests/test_revisits.py checks rows).
REVISIT_QUERIES = {"removed_articles", "edited_headlines"}
# Tables of old archives that nothing reads any more; a migration drops them. Until then
# Datasette hides them (FTS tables) and the metadata does not describe them.
LEGACY_TABLES: set[str] = set()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crawl_fixture_archive(tmp_path_factory.mktemp("filled"))


@pytest.fixture(scope="module")
def filled_server(filled: Path) -> Iterator[str]:
    with browse_server(filled) as base:
        yield base


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("empty") / "empty.db"
    Archive(db).close()
    with browse_server(db) as base:
        yield base


# (key, source, title, hours ago); the copies of one key are one story
STORY_ARTICLES = [
    ("a", "xinhua-en", "Ne Zha 2 opens in forty countries", 5),
    ("a", "scmp", "Ne Zha 2 opens abroad", 3),
    ("a", "reuters-wire", "Chinese film Ne Zha 2 opens in 40 countries", 1),
    ("b", "xinhua-en", "Spring Festival on the UNESCO list: a year on", 72),
    ("b", "cgtn", "Spring Festival celebrated worldwide", 48),
    ("c", "scmp", "<i>Hanfu</i> & guochao abroad", 2),
    ("c", "xinhua-en", "Hanfu and guochao abroad", 1.5),
    ("d", "guardian", "A review of Black Myth: Wukong", 1),
    ("e", "guardian", "Confucius Institutes close", 240),
    ("e", "cgtn", "Confucius Institutes: the other view", 239),
]


def build_story_archive(db: Path) -> Path:
    """An archive whose stories are set directly: three stories spread today or this week,
    one older, one story of one."""
    now = datetime.now(UTC).replace(microsecond=0)
    urls: dict[str, list[str]] = {}
    with Archive(db) as archive:
        for n, (key, source, title, hours) in enumerate(STORY_ARTICLES):
            address = f"https://{source}.example/{key}/{n}"
            archive.upsert_article(
                {
                    "url": address,
                    "title": title,
                    "text": f"{title}. The same story, told by {source}.",
                    "source": source,
                    "language": "en",
                    "fetched_at": (now - timedelta(hours=hours)).isoformat(),
                }
            )
            urls.setdefault(key, []).append(address)
    assign_stories(db, [group for group in urls.values() if len(group) > 1])
    return db


@pytest.fixture(scope="module")
def stories_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_story_archive(tmp_path_factory.mktemp("stories") / "stories.db")


@pytest.fixture(scope="module")
def stories_server(stories_db: Path) -> Iterator[str]:
    with browse_server(stories_db) as base:
        yield base


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def search_ids(base: str, term: str) -> set[int]:
    data = get_json(url(base, f"{DB}/articles.json", _search=term, _shape="array", _col="id"))
    return {row["id"] for row in data}


def containing(db: Path, term: str) -> set[int]:
    return {
        r[0]
        for r in rows(
            db,
            "select id from articles where instr(lower(title || ' ' || text), lower(?))",
            (term,),
        )
    }


def query_params(name: str) -> dict[str, str]:
    names = set(re.findall(r"(?<!:):([a-z_]+)", QUERIES[name]["sql"]))
    missing = names - PARAMS.keys()
    assert not missing, f"add a sample value for {missing} to PARAMS"
    return {n: PARAMS[n] for n in names}


# ---------------------------------------------------------------------------- search
@pytest.mark.parametrize("term", ["哪吒", "汉服", "马面裙", "申遗", "尼山論壇"])
def test_search_finds_chinese_terms(filled: Path, filled_server: str, term: str) -> None:
    expected = containing(filled, term)
    assert expected, f"the fixture site has no article with {term}"
    assert search_ids(filled_server, term) == expected


@pytest.mark.parametrize("term", ["Wukong", "hanfu", "UNESCO"])
def test_search_finds_english_terms(filled: Path, filled_server: str, term: str) -> None:
    expected = containing(filled, term)
    assert expected
    assert search_ids(filled_server, term) == expected


def test_search_chinese_without_spaces_and_nothing_for_absent_terms(
    filled: Path, filled_server: str
) -> None:
    # words typed together are found where they stand together, as a search in a page would
    assert containing(filled, "之魔童") and search_ids(filled_server, "之魔童") == containing(
        filled, "之魔童"
    )
    # or, when jieba cuts them into words, where each word is
    assert search_ids(filled_server, "哪吒电影") == containing(filled, "哪吒") & containing(
        filled, "电影"
    )
    # with a space between them, each anywhere
    assert search_ids(filled_server, "哪吒 电影") == containing(filled, "哪吒") & containing(
        filled, "电影"
    )
    assert search_ids(filled_server, "原神") == set()  # not on the fixture site
    assert search_ids(filled_server, '"unbalanced') == set()


def test_new_articles_are_searchable_while_served(filled: Path, filled_server: str) -> None:
    """The server does not lock the archive: a crawl's write shows up in the next search."""
    with Archive(filled) as archive:
        article_id, inserted = archive.upsert_article(
            {
                "url": "https://example.org/yuanshen",
                "title": "《原神》新版本上线",
                "text": "原神玩家",
            }
        )
    assert inserted
    assert search_ids(filled_server, "原神") == {article_id}
    with Archive(filled) as archive:  # an update of the text re-indexes it
        archive.upsert_article({"url": "https://example.org/yuanshen", "text": "悟空 and more"})
    assert search_ids(filled_server, "原神") == {article_id}  # still in the title
    assert article_id in search_ids(filled_server, "悟空")
    with Archive(filled) as archive:
        archive.db.execute("delete from articles where id = ?", [article_id])
        archive.db.conn.commit()
    assert search_ids(filled_server, "原神") == set()


# ---------------------------------------------------------------------------- table page
def test_articles_facets(filled: Path, filled_server: str) -> None:
    data = get_json(url(filled_server, f"{DB}/articles.json", _size=1))
    facets = {
        name: {str(r["value"]): r["count"] for r in facet["results"]}
        for name, facet in data["facet_results"].items()
    }
    assert set(facets) == {
        "source",
        "source_group",
        "language",
        "themes",
        "relevant",
        "published_at",
    }
    assert (
        facets["source_group"]
        == {g: n for g, n in rows(filled, "select source_group, count(*) from articles group by 1")}
        and len(facets["source_group"]) >= 2
    )  # the fixture sources have groups
    assert facets["source"] == {
        s: n for s, n in rows(filled, "select source, count(*) from articles group by source")
    }
    assert facets["language"] == {
        lang: n
        for lang, n in rows(filled, "select language, count(*) from articles group by language")
    }
    assert facets["relevant"] == {
        str(r): n
        for r, n in rows(filled, "select relevant, count(*) from articles group by relevant")
    }
    themes = dict(
        rows(filled, "select j.value, count(*) from articles, json_each(themes) j group by j.value")
    )
    assert facets["themes"] == themes and "films_games" in themes
    assert sum(facets["published_at"].values()) == rows(filled, "select count(*) from articles where published_at is not null")[0][0]  # fmt: skip
    # the most relevant first by default
    first = get_json(url(filled_server, f"{DB}/articles.json", _shape="array", _size=1))[0]
    assert first["relevance"] == rows(filled, "select max(relevance) from articles")[0][0]


def test_database_page_keeps_raw_pages_out_and_describes_the_archive(filled_server: str) -> None:
    data = get_json(url(filled_server, f"{DB}.json"))
    hidden = {t["name"]: t["hidden"] for t in data["tables"]}
    assert "raw_html" not in hidden and hidden["articles"] is False  # raw pages: WARC files
    assert all(hidden[t] for t in LEGACY_TABLES & hidden.keys())
    status, html = get(url(filled_server, "/"))
    assert status == 200 and "soft power" in html and "films_games" in html


def test_search_box_page(filled_server: str) -> None:
    status, html = get(url(filled_server, f"{DB}/articles", _search="哪吒"))
    assert status == 200
    assert 'name="_search"' in html and "哪吒之魔童闹海" in html


# ---------------------------------------------------------------------------- canned queries
@pytest.mark.parametrize("name", list(QUERIES))
def test_canned_query_runs_on_filled_archive(filled_server: str, name: str) -> None:
    data = get_json(url(filled_server, f"{DB}/{name}.json", _shape="objects", **query_params(name)))
    assert data["ok"] is True, data
    # a crawl gives no labels: test_labelling.py runs labelled_articles on a labelled archive
    allowed = {*STORY_QUERIES, *SITUATION_QUERIES, *ALERT_QUERIES, *REVISIT_QUERIES}
    allowed.add("labelled_articles")
    assert data["rows"] or name in allowed, f"{name} returned nothing on the crawled archive"


@pytest.mark.parametrize("name", list(QUERIES))
def test_canned_query_runs_on_empty_archive(empty_server: str, name: str) -> None:
    data = get_json(url(empty_server, f"{DB}/{name}.json", _shape="objects", **query_params(name)))
    assert data["ok"] is True, data
    assert data["rows"] == []


def q(base: str, name: str, **params: str) -> list[dict]:
    return get_json(url(base, f"{DB}/{name}.json", _shape="array", **params))


def test_canned_query_results(filled: Path, filled_server: str) -> None:
    today = datetime.now(UTC).date().isoformat()
    relevant_today = rows(filled, "select count(*) from articles where relevant = 1 and fetched_at >= ?", (today,))[0][0]  # fmt: skip
    assert relevant_today and len(q(filled_server, "todays_relevant")) == relevant_today

    films = q(filled_server, "relevant_by_theme", theme="films_games")
    assert any("哪吒" in r["title"] for r in films)
    assert all("films_games" in r["themes"] for r in films)
    status, body = get(url(filled_server, f"{DB}/relevant_by_theme.json", theme="no_such_theme"))
    assert status == 400 and "Unknown theme 'no_such_theme'" in body and "films_games" in body
    every = q(filled_server, "relevant_by_theme", theme="")  # empty: every theme
    assert {r["theme"] for r in every} == {r[0] for r in rows(filled, "select distinct j.value from articles, json_each(themes) j where relevant = 1")}  # fmt: skip

    volume = q(filled_server, "theme_volume_per_day")
    assert sum(r["articles"] for r in volume) == rows(filled, "select count(*) from articles, json_each(themes) where relevant = 1")[0][0]  # fmt: skip

    top = q(filled_server, "top_sources_per_theme")
    assert {r["theme"] for r in top} == {r[0] for r in rows(filled, "select distinct j.value from articles, json_each(themes) j where relevant = 1")}  # fmt: skip

    health = q(filled_server, "source_health")
    assert {r["name"] for r in health} == {r[0] for r in rows(filled, "select name from sources")}
    assert all(r["last_success_at"] and r["failures_in_row"] == 0 for r in health)

    runs = q(filled_server, "crawl_runs")
    assert len(runs) == 1 and runs[0]["new"] == rows(filled, "select count(*) from articles where url not like 'https://example.org/%'")[0][0]  # fmt: skip

    hits = q(filled_server, "search", q="哪吒")
    assert {r["id"] for r in hits} >= containing(filled, "哪吒")  # and other spellings
    # each match is one mark: 哪吒, or the whole alias it is part of (哪吒之魔童闹海)
    marked = re.compile(
        f"{MARK_START}[^{MARK_START}{MARK_END}]*哪吒[^{MARK_START}{MARK_END}]*{MARK_END}"
    )
    assert all(marked.search(r["snippet"]) and "\u200b" not in r["snippet"] for r in hits)
    assert not any(MARK_END + MARK_START in r["snippet"] for r in hits)
    english = q(filled_server, "search", q="hanfu")
    assert english and all(MARK_START in r["snippet"] for r in english)
    assert any(f"{MARK_START}hanfu" in r["snippet"].lower() for r in english)
    assert {r["language"] for r in english} >= {"en", "zh"}  # hanfu is 汉服 too


def snippet_cells(base: str, term: str) -> list[str]:
    status, html = get(url(base, f"{DB}/search", q=term))
    assert status == 200
    return re.findall(r'<td class="col-snippet[^"]*">(.*?)</td>', html, re.DOTALL)


def test_search_snippets_are_rendered_highlighted(filled_server: str) -> None:
    """The plugin's render_cell turns the snippet's match markers into <mark>, and only that."""
    cells = snippet_cells(filled_server, "哪吒")
    marks = [re.findall("<mark>(.*?)</mark>", c) for c in cells]
    assert cells and all(any("哪吒" in m for m in found) for found in marks), cells
    assert {m for found in marks for m in found} <= {"哪吒", "哪吒之魔童闹海", "哪吒之魔童降世"}
    assert not any(MARK_START in c or MARK_END in c for c in cells)


def test_markup_in_an_article_is_escaped_in_snippets(filled: Path, filled_server: str) -> None:
    """A page's text is shown as text: its <img> and <script> never reach the browser."""
    hostile = (
        "Zanzibarite review <img src=http://127.0.0.1:9/x> of the hanfu show "
        '<script>alert(1)</script> <a href="http://127.0.0.1:9/y">more</a> '
        f"and a stray {MARK_START} marker"
    )
    with Archive(filled) as archive:
        article_id, inserted = archive.upsert_article(
            {"url": "https://example.org/hostile", "title": "Hostile <b>page</b>", "text": hostile}
        )
    assert inserted
    try:
        status, html = get(url(filled_server, f"{DB}/search", q="zanzibarite"))
        assert status == 200
        cells = re.findall(r'<td class="col-snippet[^"]*">(.*?)</td>', html, re.DOTALL)
        assert len(cells) == 1
        cell = cells[0]
        assert "<mark>Zanzibarite</mark>" in cell
        assert "&lt;img src=http://127.0.0.1:9/x&gt;" in cell
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cell
        assert "&lt;a href=" in cell and MARK_START not in cell
        assert "<img src=http://127.0.0.1:9" not in html and "<script>alert" not in html
        assert '<a href="http://127.0.0.1:9/y"' not in html and "<b>page</b>" not in html
        # the search box of the table page escapes them too
        status, html = get(url(filled_server, f"{DB}/articles", _search="zanzibarite"))
        assert status == 200 and "Hostile &lt;b&gt;page&lt;/b&gt;" in html
        assert "<img src=http://127.0.0.1:9" not in html and "<script>alert" not in html
    finally:
        with Archive(filled) as archive:
            archive.db.execute("delete from articles where id = ?", [article_id])
            archive.db.conn.commit()


def test_relevant_feed_is_atom(filled: Path, filled_server: str) -> None:
    """datasette-atom: the canned query as an Atom feed, optionally for one theme."""
    ns = {"a": "http://www.w3.org/2005/Atom"}
    status, body = get(url(filled_server, f"{DB}/relevant_feed.atom", theme="films_games"))
    assert status == 200
    feed = ET.fromstring(body)
    links = {e.find("a:link", ns).get("href") for e in feed.findall("a:entry", ns)}
    expected = {r[0] for r in rows(filled, "select url from articles, json_each(themes) j where relevant = 1 and j.value = 'films_games'")}  # fmt: skip
    assert links == expected and expected
    status, body = get(url(filled_server, f"{DB}/relevant_feed.atom", theme=""))
    all_relevant = rows(filled, "select count(*) from articles where relevant = 1")[0][0]
    assert len(ET.fromstring(body).findall("a:entry", ns)) == all_relevant


def assert_empty_atom_feed(body: str) -> None:
    """A valid Atom feed: its required id, title and updated, and no entry."""
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(body)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("id", "title", "updated"):
        assert (feed.findtext(f"a:{required}", namespaces=ns) or "").strip(), required
    assert feed.findtext("a:title", namespaces=ns) == QUERIES["relevant_feed"]["title"]
    assert feed.findall("a:entry", ns) == []
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and parsed.entries == []
    assert parsed.feed.get("updated_parsed") is not None


@pytest.mark.parametrize("theme", [None, "", "films_games"])
def test_relevant_feed_on_an_empty_archive_is_an_empty_feed(empty_server: str, theme) -> None:
    """Nothing to list is a feed with no entries, not an HTTP 500."""
    params = {} if theme is None else {"theme": theme}
    status, body = get(url(empty_server, f"{DB}/relevant_feed.atom", **params))
    assert status == 200, body[:300]
    assert_empty_atom_feed(body)


def test_relevant_feed_of_a_theme_without_articles_is_an_empty_feed(
    filled: Path, filled_server: str
) -> None:
    theme = "limits_resistance"  # a theme the fixture site has nothing on
    assert rows(filled, "select count(*) from articles, json_each(themes) j where j.value = ?", (theme,))[0][0] == 0  # fmt: skip
    status, body = get(url(filled_server, f"{DB}/relevant_feed.atom", theme=theme))
    assert status == 200, body[:300]
    assert_empty_atom_feed(body)


# ---------------------------------------------------------------------------- metadata
def test_every_table_and_column_is_described(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    Archive(db).close()
    tables = {r[0] for r in rows(db, ARCHIVE_TABLES_SQL)}
    assert {"articles", "runs", "sources", "articles_search"} <= tables
    assert "raw_html" not in tables  # raw captures are WARC files (storage/captures.py)
    described = DB_META["tables"]
    assert not LEGACY_TABLES & set(described), "the metadata describes a dropped table"
    assert "articles_fts" not in (REPO / "config" / "metadata.yml").read_text(encoding="utf-8")
    for table in sorted(tables - LEGACY_TABLES):
        assert (described.get(table) or {}).get("description"), f"table {table} has no description"
    for table in ("articles", "stories"):
        columns = {r[1] for r in rows(db, f"pragma table_info({table})")}
        documented = set(described[table]["columns"])
        assert columns <= documented, f"{table} columns without description: {columns - documented}"


def test_every_canned_query_is_described() -> None:
    assert len(QUERIES) >= 7
    for name, query in QUERIES.items():
        assert query.get("title") and query.get("description"), f"query {name} is not described"


# ---------------------------------------------------------------------------- command line
# ---------------------------------------------------------------------------- stories
def story_id(db: Path, title: str) -> int:
    return rows(db, "select story_id from articles where title = ?", (title,))[0][0]


def test_amplified_stories_of_the_day_and_week(stories_db: Path, stories_server: str) -> None:
    found = q(stories_server, "amplified_stories")
    periods = [(r["period"], r["first_source"], r["source_count"]) for r in found]
    assert periods == [
        ("day", "xinhua-en", 3),
        ("day", "scmp", 2),
        ("week", "xinhua-en", 3),
        ("week", "scmp", 2),
        ("week", "xinhua-en", 2),
    ]
    first = found[0]
    assert first["title"] == "Ne Zha 2 opens in forty countries"
    assert first["story_id"] == story_id(stories_db, first["title"])
    assert first["spread_hours"] == 4.0 and first["article_count"] == 3
    assert first["sources"] == '["xinhua-en", "scmp", "reuters-wire"]'
    # in the page, a title links to its story, escaped
    status, html = get(url(stories_server, f"{DB}/amplified_stories"))
    hanfu = story_id(stories_db, "<i>Hanfu</i> & guochao abroad")
    assert status == 200
    assert f'<a href="/{DATABASE_NAME}/stories/{hanfu}">&lt;i&gt;Hanfu&lt;/i&gt; &amp; guochao abroad</a>' in html  # fmt: skip
    assert "<i>Hanfu</i>" not in html


def test_first_carriers(stories_server: str) -> None:
    found = q(stories_server, "first_carriers")
    assert [
        (r["source"], r["stories_first"], r["stories_carried"], r["first_share"], r["outlets_followed"])
        for r in found
    ] == [
        ("xinhua-en", 2, 3, 0.67, 3),
        ("guardian", 1, 1, 1.0, 1),
        ("scmp", 1, 2, 0.5, 1),
    ]  # fmt: skip
    assert found[0]["mean_spread_hours"] == 14.0  # 4 h and 24 h


def test_articles_link_to_their_story_and_stories_to_their_articles(
    stories_db: Path, stories_server: str
) -> None:
    story = story_id(stories_db, "Ne Zha 2 opens in forty countries")
    link = f'<a href="/{DATABASE_NAME}/stories/{story}">{story}</a>'
    status, html = get(url(stories_server, f"{DB}/articles", source="scmp"))
    assert status == 200 and link in html
    (article,) = rows(stories_db, "select id from articles where title = 'Ne Zha 2 opens abroad'")
    status, html = get(url(stories_server, f"{DB}/articles/{article[0]}"))
    assert status == 200 and link in html
    status, html = get(url(stories_server, f"{DB}/stories/{story}"))
    assert status == 200 and f'href="/{DATABASE_NAME}/articles?story_id={story}">3</a>' in html
    copies = get_json(url(stories_server, f"{DB}/articles.json", story_id=story, _shape="array"))
    assert {r["source"] for r in copies} == {"xinhua-en", "scmp", "reuters-wire"}


def test_stories_table_facets(stories_db: Path, stories_server: str) -> None:
    data = get_json(url(stories_server, f"{DB}/stories.json", _size=1))
    assert set(data["facet_results"]) == {"first_source", "source_count", "languages", "first_seen"}
    counts = {str(r["value"]): r["count"] for r in data["facet_results"]["source_count"]["results"]}
    assert counts == {"1": 1, "2": 3, "3": 1}
    hidden = {t["name"]: t["hidden"] for t in get_json(url(stories_server, f"{DB}.json"))["tables"]}
    assert hidden["stories"] is False
    assert all(hidden[t] for t in hidden if t.startswith("story_")), hidden


def test_browse_without_archive_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [CULTUREWATCH, "browse", "--db", str(tmp_path / "none.db"), "--port", "1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "culturewatch crawl" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_browse_help() -> None:
    result = subprocess.run(
        [CULTUREWATCH, "browse", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "--port" in result.stdout and "--host" in result.stdout and "--db" in result.stdout
