"""Authors' names out of a byline (pipelines.extraction.authors): split, cleaned of the
words around them in the languages of the sources, and told apart from agencies and teams."""

from __future__ import annotations

import pytest

from pipelines.extraction.authors import is_agency, is_staff, looks_like_name, split_authors


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        # what opens a byline, in the languages of the sources
        ("By Jane Doe", ["Jane Doe"]),
        ("Von: Max Muster", ["Max Muster"]),
        ("Par Jeanne Dupont", ["Jeanne Dupont"]),
        ("Por María López", ["María López"]),
        ("di Luigi Rossi", ["Luigi Rossi"]),
        ("Door Jan de Vries", ["Jan de Vries"]),
        ("Av Kari Nordmann", ["Kari Nordmann"]),
        ("Oleh Budi Santoso", ["Budi Santoso"]),
        ("文/李静怡", ["李静怡"]),
        ("文｜李静怡", ["李静怡"]),
        ("作者：王子涵", ["王子涵"]),
        # a role before or after the name
        ("记者 李静怡", ["李静怡"]),
        ("记者李静怡", ["李静怡"]),
        ("記者 林書豪", ["林書豪"]),
        ("本报记者 周明远", ["周明远"]),
        ("特约记者 陈雨桐", ["陈雨桐"]),
        ("编辑：孙晓雯", ["孙晓雯"]),
        ("記者林書豪／台北報導", ["林書豪"]),
        ("김민수 기자", ["김민수"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Jane Doe, Senior Reporter", ["Jane Doe"]),
        ("Nicole Opitz Redakteurin", ["Nicole Opitz"]),
        ("Reporter: Jane Doe", ["Jane Doe"]),
    ],
)
def test_the_words_around_a_name_go(byline, expected):
    assert split_authors(byline) == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("Von Max Muster und Erika Muster", ["Max Muster", "Erika Muster"]),
        ("Jeanne Dupont et Paul Martin", ["Jeanne Dupont", "Paul Martin"]),
        ("Jane Doe, John Roe; Ann Lee", ["Jane Doe", "John Roe", "Ann Lee"]),
        ("Jane Doe/John Roe", ["Jane Doe", "John Roe"]),
        ("李静怡、王子涵", ["李静怡", "王子涵"]),
        ("记者 王小明 李华", ["王小明", "李华"]),  # names a Chinese role introduces, spaced
        ("大渡 美咲", ["大渡 美咲"]),  # a Japanese name in two parts stays one
    ],
)
def test_a_byline_is_split_into_its_names(byline, expected):
    assert split_authors(byline) == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Jane Doe | Reuters", ["Jane Doe"]),  # an agency beside a person: the person
        ("Jane Doe (Reuters)", ["Jane Doe"]),
        ("Reuters", ["Reuters"]),  # an agency alone is kept
        ("Von APA", ["APA"]),
        ("Di Stefano", ["Di Stefano"]),  # a surname's particle, not "by"
        ("Foto: Jane Doe", []),  # a photo credit
        ("图/李静怡", []),
        ("jane@example.com", []),
        ("https://news.example/author/jane", []),
        ("", []),
        (None, []),
    ],
)
def test_what_is_not_a_name_is_dropped_and_a_lone_agency_kept(byline, expected):
    assert split_authors(byline) == expected


def test_agencies_and_teams_are_told_from_people():
    assert is_agency("Reuters") and is_agency("dpa") and is_agency("新华社")
    assert not is_agency("Jane Doe")
    assert is_staff("MND Staff") and is_staff("MM-Redaktion") and is_staff("编辑部")
    assert not is_staff("Jane Doe") and not is_staff("Stefan Staffelbach")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Doe", True),
        ("JANE DOE", True),
        ("Anne van der Berg", True),
        ("李静怡", True),
        ("김민수", True),
        ("大渡 美咲", True),
        ("Eddie", False),  # one word: too little to tell
        ("skrifar frá Porsgrunn", False),
        ("12:43, 20 Apr 2026", False),
        ("Read more about this and other stories", False),
    ],
)
def test_what_a_printed_name_looks_like(name, expected):
    assert looks_like_name(name) is expected
