"""Chinese-aware full-text search (storage/search.py, search_query.py, search_excerpts.py)
on a real archive file."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from support import run_python

from storage.archive import Archive
from storage.search import MARK_END, MARK_START, SEP, grams, search_row, segment
from storage.search_excerpts import highlight_html
from storage.search_query import fts_query

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
        ("魔童", {"nezha"}),  # inside a longer word (之魔童)
        ("马面裙", {"mamian"}),
        ("非遗", {"heritage"}),
        ("遗", {"heritage"}),  # one character: its token
        ("童闹", {"nezha"}),
        ("游戏", {"heritage"}),  # next to Latin letters and digits (3A游戏)
        ("汉服 国潮", {"mamian"}),
        ("哪吒电影", {"nezha"}),  # not as typed, but its words (哪吒, 电影) are both there
        ("哪吒 电影", {"nezha"}),
        ('"哪吒之魔童闹海"', {"nezha"}),
        ("《哪吒》", {"nezha"}),
        ("wukong", {"english"}),
        ("export", {"english"}),  # Porter stemming
        ("原神", set()),
        ("电影哪吒", {"nezha"}),  # never side by side, but both words are there
        ("面鞋", set()),
        ("剪纸灯会", {"heritage"}),  # not as typed (a comma between), but both its words
        ('"剪纸 灯会"', {"heritage"}),  # a quoted phrase crosses it
        ('"3A游戏"', {"heritage"}),
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


def test_migration_reindexes_an_archive_of_jieba_words(tmp_path: Path) -> None:
    """An archive of the previous release (its index of jieba words, U+200B between them)
    is indexed again by character on open: the queries of this release find and mark it."""
    db = tmp_path / "old.db"
    title, text = ARTICLES["mamian"]
    words = (
        "马面",
        "裙",
        "配",
        "运动鞋",
        "，",
        "到",
        "汉服",
        "爱好者",
        "带动",
        "国潮",
        "消费",
        "。",
    )
    old_text = "从" + SEP + SEP.join(words) + SEP
    with Archive(db) as archive:
        article_id, _ = archive.upsert_article(
            {"url": "https://example.org/mamian", "title": title, "text": text}
        )
        archive.db.execute(
            "update articles_search set title = ?, text = ? where rowid = ?",
            [f"{SEP}马面{SEP}裙{SEP}走红{SEP}", old_text, article_id],
        )
        archive.db.execute(
            "delete from _sqlite_migrations where name = 'm014_search_han_characters'"
        )
        archive.db.conn.commit()
        assert found(archive, "马面裙") == set() == found(archive, "运动")  # the old words
    with Archive(db) as archive:
        assert found(archive, "马面裙") == {"mamian"} == found(archive, "运动")
        assert chinese_snippets(archive, "运动") == [
            html.escape(text).replace("运动", "<mark>运动</mark>")
        ]
        names = [r[0] for r in archive.db.execute("select name from _sqlite_migrations")]
        assert names.count("m014_search_han_characters") == 1
        assert archive.db.execute("select count(*) from articles_search").fetchone() == (1,)


def test_segmented_text_reads_as_the_original() -> None:
    text = "动画电影《哪吒之魔童闹海》3A游戏 and English"
    assert segment(text).replace(SEP, "") == text
    assert segment("3A游戏 and 哪吒") == f"3A{SEP}游{SEP}戏{SEP} and {SEP}哪{SEP}吒{SEP}"
    assert segment("𠮷野家") == f"{SEP}𠮷{SEP}野{SEP}家{SEP}"  # outside the BMP too
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
    # matches side by side are one mark, with or without the separator between them
    assert highlight_html(f"{s}马{e}{SEP}{s}面{e}{s}裙{e}<走{s}红{e}") == (
        "<mark>马面裙</mark>&lt;走<mark>红</mark>"
    )


def test_fts_query_of_chinese_terms() -> None:
    assert fts_query("马面裙") == '("马 面 裙" AND grams : "马面 面裙")'
    assert fts_query("裙") == '"裙"'
    whole = '("哪 吒 电 影" AND grams : "哪吒 吒电 电影")'
    apart = '("哪 吒" AND grams : "哪吒") AND ("电 影" AND grams : "电影")'
    assert fts_query("哪吒电影") == f"({whole} OR ({apart}))"
    assert fts_query("哪吒电影", words=False) == whole  # an alias: as it stands
    assert fts_query('"哪吒之魔童" x') == '" 哪 吒 之 魔 童 " AND "x"'
    assert fts_query("3A游戏") == '"3A" AND ("游 戏" AND grams : "游戏")'


def chinese_snippets(archive: Archive, query: str) -> list[str]:
    """The snippets of the matches, made much as the canned search query makes them."""
    return [
        highlight_html(row[0])
        for row in archive.db.execute(
            "select replace(snippet(articles_search, 1, ?, ?, ' … ', 24), char(8203), '') "
            "from articles_search where articles_search match ?",
            [MARK_START, MARK_END, fts_query(query)],
        )
    ]


@pytest.mark.parametrize(
    ("query", "marked"),
    [
        ("马面裙", ["马面裙"]),
        ("运动鞋", ["运动鞋"]),
        ("汉服 国潮", ["汉服", "国潮"]),
        ("国潮消费", ["国潮消费"]),
        ("马面裙 运动", ["马面裙", "运动"]),
        ("裙配运", ["裙配运"]),  # across the words a segmenter would see
        ("配", ["配"]),
    ],
)
def test_a_chinese_match_is_one_mark_in_the_snippet(
    archive: Archive, query: str, marked: list[str]
) -> None:
    [snippet] = chinese_snippets(archive, query)
    assert re.findall("<mark>(.*?)</mark>", snippet) == marked
    assert snippet.replace("<mark>", "").replace("</mark>", "") == html.escape(
        ARTICLES["mamian"][1]
    )


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


def test_indexing_never_loads_jieba(tmp_path: Path) -> None:
    """Writing (and so crawling) Chinese articles needs no dictionary: ~70 MiB saved."""
    script = (
        "import sys\n"
        "from storage.archive import Archive\n"
        f"with Archive({str(tmp_path / 'j.db')!r}) as a:\n"
        "    a.upsert_article({'url': 'https://example.org/z', 'title': '哪吒电影', "
        "'text': '动画电影《哪吒之魔童闹海》'})\n"
        "print('jieba' in sys.modules)\n"
        "from storage.search_query import fts_query\n"
        "fts_query('哪吒电影')\n"
        "print('jieba' in sys.modules)\n"
    )
    out = run_python(script).stdout.split()
    assert out == ["False", "True"]  # the query side cuts words: there it loads


def test_datasette_loads_jieba_at_startup(tmp_path: Path) -> None:
    """culturewatch browse loads jieba's dictionary when Datasette starts, not in the first
    Chinese search (under Datasette's time limit on a query, ``sql_time_limit_ms``)."""
    script = (
        "import asyncio, sys\n"
        "from storage.archive import Archive\n"
        "from storage.web.serve import build_datasette\n"
        f"db = {str(tmp_path / 'j.db')!r}\n"
        "Archive(db).close()\n"
        "ds = build_datasette(db)\n"
        "print('jieba' in sys.modules)\n"
        "asyncio.run(ds.invoke_startup())\n"
        "import jieba\n"
        "print(jieba.dt.initialized)\n"
    )
    out = run_python(script).stdout.split()
    assert out == ["False", "True"]  # building loads nothing; starting loads the dictionary


# ------------------------------------------------------------------ what a search may cost
def test_a_search_box_query_is_bounded() -> None:
    from storage.search_query import (
        MAX_SEARCH_CHARS,
        MAX_SEARCH_PHRASES,
        SearchTooLarge,
        bounded_fts_query,
        phrase_count,
    )

    assert bounded_fts_query("马面裙 hanfu") == fts_query("马面裙 hanfu")
    assert phrase_count(fts_query("马面裙 hanfu")) == 3  # characters, bigrams, hanfu
    with pytest.raises(SearchTooLarge, match=f"at most {MAX_SEARCH_CHARS} are searched"):
        bounded_fts_query("a" * (MAX_SEARCH_CHARS + 1))
    many = " ".join(f"w{n}" for n in range(MAX_SEARCH_PHRASES + 1))
    assert len(many) <= MAX_SEARCH_CHARS * 10  # (the characters are checked first)
    from storage.search_query import check_search_expression

    with pytest.raises(SearchTooLarge, match=f"at most {MAX_SEARCH_PHRASES}"):
        check_search_expression(fts_query(many))


def test_snippet_fits_counts_the_tokens_of_a_text() -> None:
    from storage.search_excerpts import SNIPPET_MAX_TOKENS, snippet_fits

    assert snippet_fits(None) and snippet_fits("short")
    assert snippet_fits("film " * SNIPPET_MAX_TOKENS)
    assert not snippet_fits("film " * (SNIPPET_MAX_TOKENS + 1))
    assert not snippet_fits("的" * (SNIPPET_MAX_TOKENS + 1))  # a Han character: a token
    assert snippet_fits("-- " * 10_000)  # punctuation is no token


def marked(text: str) -> str:
    return text.replace(MARK_START, "[").replace(MARK_END, "]")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("film", "animated [film] Ne Zha 2 opened in cities; [films] by"),
        ('"ne zha"', "animated film [Ne Zha] 2 opened"),
        ("film*", "animated [film] Ne Zha"),
        ("city", "opened in [cities]; films by"),
        ("哪吒", "makers [哪吒]之魔童闹海"),
        ("Heritage", "[Héritage]"),  # diacritics folded, as the index does
    ],
)
def test_excerpt_marks_matches_as_snippet_does(query: str, expected: str) -> None:
    from storage.search_excerpts import excerpt

    text = (
        "Lorem ipsum "
        * 300
        + "The Chinese animated film Ne Zha 2 opened in cities; films by Nezha's makers "
        "哪吒之魔童闹海 ran, a Héritage. " + "dolor sit " * 300
    )
    out = marked(excerpt(text, fts_query(query), tokens=24))
    assert expected in out
    assert out.startswith(" … ") and out.endswith(" … ")
    assert len(out.split()) < 40


def test_excerpt_without_a_match_and_of_odd_texts() -> None:
    from storage.search_excerpts import excerpt

    lead = excerpt("Lorem ipsum " * 100, fts_query("absent"), tokens=4)
    assert lead == "Lorem ipsum Lorem ipsum … "
    assert excerpt("a film", fts_query("film")) == f"a {MARK_START}film{MARK_END}"
    assert excerpt(None, fts_query("film")) == "" and excerpt("…", fts_query("x")) == "…"
    assert excerpt(f"a {MARK_START}film", fts_query("film")).count(MARK_START) == 1
    dense = excerpt("的" * 20_000, fts_query("的"), tokens=40)  # one mark: side by side
    assert dense == f"{MARK_START}{'的' * 40}{MARK_END} … "


def test_excerpt_of_a_long_text_is_quick() -> None:
    """One pass over the text up to the passage (FTS5's snippet() costs the square of the
    matches: 10 s on 20,000 characters of 的)."""
    import time

    from storage.search_excerpts import excerpt

    texts = ["的" * 200_000, "word " * 200_000, "séries " * 100_000]
    start = time.perf_counter()
    for text in texts:
        for query in ("的", "word", "absent", "séries", "cities OR film* OR 哪吒"):
            excerpt(text, fts_query(query), tokens=40)
    assert time.perf_counter() - start < 2.0
