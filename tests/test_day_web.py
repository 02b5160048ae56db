"""The analyst's day on the web (issue 29, items 4 to 6), over HTTP: a story's page as a
timeline, the stories table and its cells, one row per story, attention over time for any
search, saved alerts and mutes. A real ``culturewatch browse`` over the demo's archive (the
demo crawl of its synthetic site: one story carried by four outlets)."""

from __future__ import annotations

import html
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from browse_helpers import browse_server, get, get_json, url

from storage.web.readable import readable_score, readable_time

pytestmark = pytest.mark.slow  # the demo crawl and Datasette

DB = "/culturewatch"
WIRE_ORDER = ["demo-meridian", "demo-harbour", "demo-courier", "demo-silkroad"]


def demo_archive(directory: Path) -> Path:
    """The demo's archive, built offline by ``culturewatch demo --no-browse``."""
    db = directory / "demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREWATCH_")}
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--no-browse", "--db", str(db)],
        cwd=directory, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return db


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def wire_story(db: Path) -> int:
    return rows(db, "select id from stories where source_count = 4")[0][0]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_archive(tmp_path_factory.mktemp("day-web"))


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[str]:
    with browse_server(archive) as base:
        yield base


# ---------------------------------------------------------------------------- 4: stories
def test_a_story_page_is_a_timeline_of_every_copy(archive: Path, server: str) -> None:
    story = wire_story(archive)
    status, page = get(f"{server}{DB}/stories/{story}")
    assert status == 200
    timeline = page.split('<ol class="cw-timeline">')[1].split("</ol>")[0]
    copies = timeline.split('<li class="cw-copy">')[1:]
    assert len(copies) == 4
    assert [re.search(r'cw-outlet">([^<]+)', c)[1] for c in copies] == WIRE_ORDER
    ids = rows(archive, "select id, source from articles where story_id = ?", (story,))
    by_source = {source: id_ for id_, source in ids}
    for copy, source in zip(copies, WIRE_ORDER, strict=True):
        assert f'href="{DB}/articles/{by_source[source]}"' in copy  # its article's page
        assert 'class="cw-group"' in copy and 'class="cw-lang">en<' in copy
        assert "UTC" in copy and "+00:00" not in copy  # a time as people read it
    assert "+11 h" in copies[3]
    figures = html.unescape(page.split('class="cw-figures">')[1].split("</p>")[0])
    figures = " ".join(re.sub("<[^>]+>", "", figures).split())
    assert "4 outlets, 4 copies · 1 language (en) · spread over 11 hours" in figures
    assert "first carried by demo-meridian" in figures
    assert "publication times where the page gave one" in page


def test_the_stories_table_puts_the_most_carried_first_in_words(server: str) -> None:
    first = get_json(url(server, f"{DB}/stories.json", _shape="array", _size=1))[0]
    assert first["source_count"] == 4
    status, page = get(url(server, f"{DB}/stories"))
    assert status == 200
    cell = page.split('<td class="col-sources')[1].split("</td>")[0]
    assert ", ".join(WIRE_ORDER) in cell and "[" not in cell and "&#34;" not in cell
    languages = page.split('<td class="col-languages')[1].split("</td>")[0]
    assert ">en<" in languages and "[" not in languages
    assert "culturewatch-day.css" in page  # the title column keeps its width


def test_articles_and_search_collapse_to_one_row_per_story(archive: Path, server: str) -> None:
    story = wire_story(archive)
    every = get_json(url(server, f"{DB}/articles.json", _shape="array", _size="max"))
    one = get_json(url(server, f"{DB}/articles.json", _shape="array", _size="max", _per_story=1))
    assert sum(r["story_id"] == story for r in every) == 4
    assert sum(r["story_id"] == story for r in one) == 1
    assert len(one) == len({r["story_id"] for r in every})
    found = get_json(url(server, f"{DB}/articles.json", _shape="array", _search="animation"))
    collapsed = get_json(
        url(server, f"{DB}/articles.json", _shape="array", _search="animation", _per_story=1)
    )
    assert {r["story_id"] for r in collapsed} == {r["story_id"] for r in found}
    assert len(collapsed) < len(found)
    concept = get_json(url(server, f"{DB}/search.json", _shape="array", q="animation"))
    stories = get_json(url(server, f"{DB}/search_stories.json", _shape="array", q="animation"))
    assert sum(r["id"] in {c["id"] for c in concept} for r in stories) == len(stories)
    wire = [r for r in stories if r["story"] == story]
    assert len(wire) == 1 and wire[0]["outlets"] == 4
    assert wire[0]["matching_copies"] == sum(
        c["id"]
        in {i for (i,) in rows(archive, "select id from articles where story_id = ?", (story,))}
        for c in concept
    )
    _, page = get(url(server, f"{DB}/search", q="animation"))
    assert f'href="{DB}/search_stories?q=animation"' in page  # the toggle
    _, page = get(url(server, f"{DB}/search_stories", q="animation"))
    assert f'<a href="{DB}/stories/{story}">4 outlets</a>' in page
    _, page = get(url(server, f"{DB}/articles"))
    assert "_per_story=1" in page


def test_cells_read_as_people_read_them(archive: Path, server: str) -> None:
    _, page = get(url(server, f"{DB}/articles", _sort_desc="relevance"))
    cell = page.split('<td class="col-relevance')[1].split("</td>")[0]
    best = rows(archive, "select relevance from articles order by relevance desc limit 1")[0][0]
    assert f">{readable_score(best)}<" in cell
    published = page.split('<td class="col-published_at')[1].split("</td>")[0]
    assert "+00:00<" not in published and " UTC<" in published
    themes = page.split('<td class="col-themes')[1].split("</td>")[0]
    assert "films_games<" not in themes  # the chips show the human names
    assert readable_time("2026-12-06T12:18:24+00:00") == "6 Dec 2026, 12:18 UTC"
    assert readable_time("2026-12-06") == "6 Dec 2026"
    assert readable_score(0.9983) == "1.00"
