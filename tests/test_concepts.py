"""Concept search (storage/concepts.py): the parser, alias expansion, and real FTS5 matches."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.archive import Archive
from storage.concepts import (
    NOTHING,
    ConceptQueryError,
    Concepts,
    concept_key,
    concept_query,
    parse_concept_query,
)
from storage.search_query import fts_query

# alias groups as themes.toml writes them (two concepts share the name 哪吒)
GROUPS = [
    ["Ne Zha 2", "Nezha 2", "哪吒2", "哪吒之魔童闹海", "《哪吒"],
    ["Ne Zha", "Nezha", "哪吒"],
    ["hanfu", "汉服", "漢服", "Han costume*"],
    ["Black Myth: Wukong", "Black Myth", "黑神话"],
    ["chinese film*", "Chinese movie*", "国产电影"],
]
CONCEPTS = Concepts(GROUPS)

ARTICLES = {
    "en-nezha": ("Ne Zha 2 breaks records abroad", "The animated film drew crowds in Sydney."),
    "en-nezha-plain": ("Nezha sequel", "A review of Nezha 2 and its mythology."),
    "zh-nezha": ("动画电影《哪吒之魔童闹海》走进海外影院", "影片保留了中文原声。"),
    "zh-hanfu": ("汉服走红海外", "穿汉服的年轻人越来越多。"),
    "en-hanfu": ("Han costumes at the fair", "Visitors tried on traditional dress."),
    "en-wukong": ("A review", "Black Myth: Wukong sold millions of copies."),
    "en-films": ("Chinese filmmakers at Cannes", "A festival of premieres."),
    "other": ("Cheese festival", "Nothing to do with any theme; not even hanfu's cousins."),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("concepts") / "a.db")
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
            [concept_query(query, CONCEPTS)],
        )
    }


def test_concept_key_folds_case_width_hyphens_and_punctuation() -> None:
    assert concept_key("ＮＥ-zha　２") == "ne zha 2"
    assert concept_key("《哪吒") == "哪吒"
    assert concept_key("Black Myth: Wukong") == "black myth wukong"
    assert concept_key("chinese film*") == "chinese film*"


def test_lookup_by_any_alias_or_without_the_sequel_number() -> None:
    both = set(GROUPS[0]) | set(GROUPS[1])
    assert set(CONCEPTS.aliases("哪吒")) == both  # 哪吒 and 《哪吒, and 哪吒2 without its 2
    assert set(CONCEPTS.aliases("ne zha")) == both
    assert set(CONCEPTS.aliases("NEZHA 2")) == set(GROUPS[0])
    assert set(CONCEPTS.aliases("漢服")) == set(GROUPS[2])
    assert CONCEPTS.aliases("cheese") == ()
    assert CONCEPTS.aliases("2") == ()  # a bare number names nothing
    assert len(CONCEPTS) == len(GROUPS)
    assert not Concepts([]) and not Concepts([["", " "]])


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        # one name, three spellings, both languages: the same articles
        ("哪吒", {"en-nezha", "en-nezha-plain", "zh-nezha"}),
        ('"Ne Zha"', {"en-nezha", "en-nezha-plain", "zh-nezha"}),
        ("Ne Zha", {"en-nezha", "en-nezha-plain", "zh-nezha"}),  # unquoted words read as one name
        ("Nezha", {"en-nezha", "en-nezha-plain", "zh-nezha"}),
        ("汉服", {"zh-hanfu", "en-hanfu", "other"}),  # Han costume* is a prefix query
        ("Black Myth", {"en-wukong"}),
        ("chinese film*", {"en-films"}),
        ("film*", {"en-nezha", "en-films"}),  # a typed prefix
        ("哪吒 AND 影院", {"zh-nezha"}),
        ("哪吒 影院", {"zh-nezha"}),  # implicit AND
        ("Nezha OR Black Myth", {"en-nezha", "en-nezha-plain", "zh-nezha", "en-wukong"}),
        ("hanfu NOT festival", {"zh-hanfu", "en-hanfu"}),
        ("(hanfu OR Nezha) NOT 海外", {"en-hanfu", "en-nezha", "en-nezha-plain", "other"}),
        ("cheese", {"other"}),  # not a concept: a plain term
        ("原神", set()),
        ("", set()),
    ],
)
def test_concept_queries_on_a_real_archive(archive: Archive, query: str, keys: set[str]) -> None:
    assert found(archive, query) == keys


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ('"Ne Zha', "quotation mark is not closed"),
        ("(hanfu OR Nezha", "'(' is not closed"),
        ("hanfu)", "')' has no '('"),
        ("NOT hanfu", "NOT has no term before it"),
        ("hanfu AND", "AND has no term after it"),
        ("hanfu OR", "OR has no term after it"),
        ("OR", "OR has no term before it"),
        ("()", "empty parentheses"),
        ('"', "quotation mark is not closed"),
        ("hanfu (NOT) Nezha", "NOT has no term before it"),
    ],
)
def test_malformed_input_degrades_and_strict_says_why(
    archive: Archive, query: str, problem: str
) -> None:
    parsed = parse_concept_query(query, CONCEPTS)
    assert any(problem in p for p in parsed.problems), parsed.problems
    found(archive, query)  # runs in SQLite: never a syntax error
    with pytest.raises(ConceptQueryError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        concept_query(query, CONCEPTS, strict=True)


def test_degraded_queries_find_what_can_be_read(archive: Archive) -> None:
    assert found(archive, '"Ne Zha') == found(archive, '"Ne Zha"')
    assert found(archive, "(hanfu OR Nezha") == found(archive, "hanfu OR Nezha")
    assert found(archive, "NOT hanfu") == found(archive, "hanfu")  # the dangling NOT is dropped
    assert concept_query("()", CONCEPTS) == NOTHING


def test_well_formed_queries_have_no_problems() -> None:
    for query in ("哪吒", '"Ne Zha" OR (hanfu AND 汉服)', "a NOT b", "film*", "or and not"):
        assert parse_concept_query(query, CONCEPTS).problems == ()


def test_terms_are_quoted_and_segmented_as_the_plain_search_does() -> None:
    assert concept_query("cheese", CONCEPTS) == fts_query("cheese")
    assert concept_query("马面裙", CONCEPTS) == fts_query("马面裙")
    assert concept_query('"x AND y"', CONCEPTS) == fts_query('"x AND y"')
    # lower-case operators and FTS5 syntax are words, never operators
    for query in ("and", "NEAR(a b)", "title:x", "a^", "{a}", "-a", "'", "a+b"):
        expression = concept_query(query, CONCEPTS)
        sqlite3.connect(":memory:").execute(
            "create virtual table t using fts5(x)"
        ).connection.execute("select * from t where t match ?", [expression]).fetchall()


def test_without_concepts_it_is_a_plain_search_with_operators(archive: Archive) -> None:
    plain = Concepts([])
    assert concept_query("Nezha", plain) == fts_query("Nezha")
    ids = {
        row[0]
        for row in archive.db.execute(
            "select rowid from articles_search where articles_search match ?",
            [concept_query("Nezha OR 汉服", plain)],
        )
    }
    assert len(ids) == 2  # en-nezha-plain (the title) and zh-hanfu


def test_hostile_input_never_breaks_the_expression(tmp_path: Path) -> None:
    with Archive(tmp_path / "h.db") as archive:
        for query in ('"))) OR ((( NOT "', '"a" "b', "(((((", "))))", 'NOT NOT "', "* OR *"):
            archive.db.execute(
                "select count(*) from articles_search where articles_search match ?",
                [concept_query(query, CONCEPTS)],
            ).fetchone()


def test_a_search_box_concept_query_is_bounded() -> None:
    from storage.concepts import bounded_concept_query
    from storage.search_query import MAX_SEARCH_CHARS, MAX_SEARCH_PHRASES, SearchTooLarge

    assert bounded_concept_query("哪吒 OR hanfu", CONCEPTS) == concept_query(
        "哪吒 OR hanfu", CONCEPTS
    )
    with pytest.raises(SearchTooLarge, match="characters long"):
        bounded_concept_query("Nezha " * (MAX_SEARCH_CHARS // 6 + 1), CONCEPTS)
    # short, but every name expanded to all its spellings: too many phrases
    names = " ".join(["哪吒"] * (MAX_SEARCH_PHRASES // 10))
    assert len(names) <= MAX_SEARCH_CHARS
    with pytest.raises(SearchTooLarge, match="words and phrases"):
        bounded_concept_query(names, CONCEPTS)
    # the alerts' strict reading is not bounded: an analyst's configuration, not a visitor
    assert concept_query(names, CONCEPTS, strict=True)
