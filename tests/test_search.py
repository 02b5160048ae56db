"""Chinese-aware full-text search (storage/search.py) on a real archive file."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.archive import Archive
from storage.search import (
    MARK_END,
    MARK_START,
    SEP,
    fts_query,
    grams,
    highlight_html,
    search_row,
    segment,
)

ARTICLES = {
    "nezha": ("动画电影《哪吒之魔童闹海》走进海外影院", "影片保留了中文原声。"),
    "mamian": ("马面裙走红", "从马面裙配运动鞋，到汉服爱好者带动国潮消费。"),
    "heritage": ("春节申遗成功", "剪纸、灯会等非遗项目，国产3A游戏里程碑之作。"),
    "english": ("Cultural exports abroad", "The Black Myth: Wukong game sold millions of copies."),
}


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    archive = Archive(tmp_path / "a.db")
    for key, (title, text) in ARTICLES.items():
        archive.upsert_article({"url": f"https://example.org/{key}", "title": title, "text": text})
    yield archive
    archive.close()


def found(archive: Archive, query: str) -> set[str]:
    return {
        row[0].rsplit("/", 1)[1]
        for row in archive.db.execute(
            "select a.url from articles_search s join articles a on a.id = s.rowid "
            "where articles_search match ?",
            [fts_query(query)],
        )
    }


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("哪吒", {"nezha"}),
        ("魔童", {"nezha"}),  # inside a word jieba made up (之魔童): found by bigrams
        ("马面裙", {"mamian"}),
        ("非遗", {"heritage"}),  # segmented 非|遗 in context
        ("游戏", {"heritage"}),  # next to Latin letters and digits (3A游戏)
        ("汉服 国潮", {"mamian"}),
        ("哪吒电影", {"nezha"}),
        ('"哪吒之魔童闹海"', {"nezha"}),
        ("《哪吒》", {"nezha"}),
        ("wukong", {"english"}),
        ("export", {"english"}),  # Porter stemming
        ("原神", set()),
        ("", set()),
        ('"', set()),
        ("AND OR NOT", set()),  # operators are quoted, never a syntax error
    ],
)
def test_queries(archive: Archive, query: str, keys: set[str]) -> None:
    assert found(archive, query) == keys


def test_index_follows_updates_and_deletes(archive: Archive) -> None:
    article_id, inserted = archive.upsert_article(
        {"url": "https://example.org/nezha", "text": "原神玩家遍布全球"}
    )
    assert not inserted
    assert found(archive, "原神") == {"nezha"}
    assert found(archive, "哪吒") == {"nezha"}  # still in the title
    assert found(archive, "中文原声") == set()  # the old text is gone from the index
    archive.upsert_article({"url": "https://example.org/nezha", "relevance": 0.9})  # no reindex
    assert found(archive, "原神") == {"nezha"}
    archive.db.execute("delete from articles where id = ?", [article_id])
    assert found(archive, "原神") == set()


def test_migration_indexes_existing_articles(tmp_path: Path) -> None:
    """An archive written before the search index existed gets it filled on open."""
    db = tmp_path / "old.db"
    with Archive(db) as archive:
        archive.upsert_article({"url": "https://example.org/x", "title": "汉服", "text": "国潮"})
        archive.db.execute("drop table articles_search")
        archive.db.execute("delete from _sqlite_migrations where name = 'm003_search_chinese'")
        archive.db.conn.commit()
    with Archive(db) as archive:
        assert found(archive, "国潮") == {"x"}


def test_segmented_text_reads_as_the_original() -> None:
    text = "动画电影《哪吒之魔童闹海》3A游戏 and English"
    assert SEP in segment(text)
    assert segment(text).replace(SEP, "") == text
    assert segment("plain English") == "plain English"
    assert grams("哪吒 汉服") == "哪吒 汉服"
    assert grams("马面裙") == "马面 面裙"


def test_highlight_html_escapes_all_but_the_marks() -> None:
    s, e = MARK_START, MARK_END
    assert highlight_html(f"a {s}哪吒{e} <img src=x> & {s}<b>{e}") == (
        "a <mark>哪吒</mark> &lt;img src=x&gt; &amp; <mark>&lt;b&gt;</mark>"
    )
    assert highlight_html(f"stray {e}end{s} <script>") == "stray end &lt;script&gt;"
    assert highlight_html("\"quoted\" 'too'") == "&quot;quoted&quot; &#x27;too&#x27;"


def test_marks_are_never_indexed(archive: Archive) -> None:
    row = search_row(f"t{MARK_START}itle", f"哪吒{MARK_END}电影")
    assert MARK_START not in row["title"] and MARK_END not in row["text"]
    assert row["text"].replace(SEP, "") == "哪吒电影"
    archive.upsert_article(
        {"url": "https://example.org/marks", "text": f"x {MARK_START}y{MARK_END}"}
    )
    stored = archive.db.execute(
        "select s.text from articles_search s join articles a on a.id = s.rowid "
        "where a.url = 'https://example.org/marks'"
    ).fetchone()[0]
    assert stored == "x y"
