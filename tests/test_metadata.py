"""Metadata of a page: headline, publication date and its evidence, authors (pipelines.extraction.metadata).

Small pages written for these tests; the real pages are the quality gate's
(tests/quality/eval_metadata.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from trafilatura.utils import load_html

from pipelines.extraction.dates import printed_date, url_date
from pipelines.extraction.extract import extract, merge_hints
from pipelines.extraction.metadata import (
    page_metadata,
    split_authors,
    strip_site_affixes,
    valid_date,
)
from storage.archive import Archive

URL = "https://news.example/culture/2025/a-film-travels"
PARAGRAPH = (
    "The studio behind the animated feature said overseas screenings had drawn families "
    "who knew little of the legend before, and distributors in several countries asked for "
    "more prints after the first weekend. Critics compared its craft with the best of the "
    "genre and wondered whether the success could be repeated."
)
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def page(head: str = "", h1: str = "A film travels", byline: str = "") -> str:
    paragraphs = "".join(f"<p>{PARAGRAPH} ({i})</p>" for i in range(4))
    return f"""<!doctype html><html lang="en"><head>{head}</head><body>
<nav><a href="/">Home</a></nav><article><h1>{h1}</h1>{byline}{paragraphs}</article>
</body></html>"""


def jsonld(**fields: object) -> str:
    return (
        '<script type="application/ld+json">'
        + json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", **fields})
        + "</script>"
    )


def meta(head: str, h1: str = "A film travels", byline: str = ""):
    return page_metadata(load_html(page(head, h1, byline)), URL)


# ---------------------------------------------------------------------------- titles
@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("A film travels - Example News", "A film travels"),
        ("A film travels | Example News", "A film travels"),
        ("Example News | A film travels", "A film travels"),
        ("A film travels｜Example News", "A film travels"),
        ("A film travels – Example News – 04.03.2025", "A film travels"),
        ("A film travels - news.example", "A film travels"),  # the host names the site
        ("A film travels | Example News | by Jane Doe", "A film travels"),
        # a dash inside the headline is part of it: never cut mid-phrase
        ("Box office - then a sequel", "Box office - then a sequel"),
        ("Culture: the film travels", "Culture: the film travels"),
    ],
)
def test_site_name_affixes_are_removed_and_nothing_else(title, expected):
    assert strip_site_affixes(title, ["Example News", "news.example", "news"]) == expected


def test_the_title_tag_without_the_site_name_recognised_from_og_site_name():
    found = meta(
        "<title>A film travels abroad - The Lantern</title>"
        '<meta property="og:site_name" content="The Lantern">',
        h1="",
    )
    assert found.title == "A film travels abroad"


def test_the_jsonld_headline_wins_over_a_teaser_og_title():
    found = meta(
        '<meta property="og:title" content="Why everyone is talking about this film">'
        + jsonld(headline="A film travels to forty countries"),
        h1="A film travels to forty countries",
    )
    assert found.title == "A film travels to forty countries"


def test_a_cut_jsonld_headline_gives_way_to_the_whole_h1():
    found = meta(
        jsonld(headline="A film travels to forty countries and..."),
        h1="A film travels to forty countries and breaks records",
    )
    assert found.title == "A film travels to forty countries and breaks records"


def test_the_h1_when_the_title_tag_is_the_h1_and_more():
    found = meta("<title>A film travels | Culture | Example News | 4.3.2025</title>")
    assert found.title == "A film travels"


def test_extract_uses_the_headline_without_the_site():
    html = page('<title>A film travels | Example News</title><meta property="og:site_name" '
                'content="Example News">')  # fmt: skip
    article = extract(html, URL)
    assert article is not None and article.title == "A film travels"


# ---------------------------------------------------------------------------- dates
def test_jsonld_date_published_with_its_offset_stored_in_utc():
    found = meta(jsonld(datePublished="2025-03-04T01:30:00+08:00"))
    assert (found.published_at, found.date_source) == ("2025-03-03T17:30:00+00:00", "jsonld")


def test_a_modified_date_is_never_taken_for_the_published_one():
    found = meta(
        jsonld(dateModified="2025-03-09T10:00:00Z")
        + '<meta property="article:modified_time" content="2025-03-09T10:00:00Z">'
        + '<meta property="article:published_time" content="2025-03-04T08:00:00+0100">'
    )
    assert (found.published_at, found.date_source) == ("2025-03-04T07:00:00+00:00", "meta")


def test_time_element_when_the_metadata_has_no_date():
    found = meta("", byline='<time datetime="2025-03-04T10:00:00-05:00">4 March</time>')
    assert (found.published_at, found.date_source) == ("2025-03-04T15:00:00+00:00", "time")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-04T08:00:00+08:00", "2025-03-04T00:00:00+00:00"),
        ("2025-03-04 08:00:00+0800", "2025-03-04T00:00:00+00:00"),
        ("2025-03-04", "2025-03-04"),
        ("2026-03-04T20:00:00Z", "2026-03-04T20:00:00+00:00"),  # later today: fine
        ("2027-01-01T00:00:00Z", None),  # the future
        ("1970-01-01T00:00:00Z", None),  # before news on the web: a placeholder
        ("0001-01-01", None),
        ("yesterday", None),
    ],
)
def test_valid_dates(value, expected):
    assert valid_date(value, NOW) == expected


def test_a_future_jsonld_date_falls_back_to_the_next_evidence():
    found = meta(
        jsonld(datePublished="2099-01-01T00:00:00Z")
        + '<meta property="article:published_time" content="2025-03-04T08:00:00Z">'
    )
    assert (found.published_at, found.date_source) == ("2025-03-04T08:00:00+00:00", "meta")


def test_the_feed_date_fills_a_page_without_one_and_is_kept_beside_it():
    article = extract(page(), URL)
    assert article is not None and article.date_source in (None, "htmldate")
    merged = merge_hints(article, {"published_at": "2025-03-04T09:00:00+01:00"})
    assert merged.published_at == "2025-03-04T08:00:00+00:00"
    assert merged.date_source == "feed"
    assert merged.feed_published_at == "2025-03-04T08:00:00+00:00"
    dated = extract(page(jsonld(datePublished="2025-03-03T22:00:00Z")), URL)
    assert dated is not None
    merged = merge_hints(dated, {"published_at": "2025-03-04T09:00:00Z"})
    assert (merged.published_at, merged.date_source) == ("2025-03-03T22:00:00+00:00", "jsonld")
    assert merged.feed_published_at == "2025-03-04T09:00:00+00:00"


# ---------------------------------------------------------------------------- authors
@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("Jane Doe, John Roe; Ann Lee", ["Jane Doe", "John Roe", "Ann Lee"]),
        ("Jane Doe | Reuters", ["Jane Doe"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Jane Doe, Senior Reporter", ["Jane Doe"]),
        ("Von Max Muster und Erika Muster", ["Max Muster", "Erika Muster"]),
        ("Reuters", ["Reuters"]),  # an organisation alone is kept
        ("김민수 기자", ["김민수"]),
        ("jane@example.com", []),
        ("", []),
    ],
)
def test_bylines_are_split_into_names(byline, expected):
    assert split_authors(byline) == expected


def test_jsonld_people_before_organisations():
    found = meta(
        jsonld(
            author=[
                {"@type": "Person", "name": "Jane Doe"},
                {"@type": "Organization", "name": "Example Wire"},
                {"@type": "Person", "name": " John  Roe "},
            ]
        )
    )
    assert found.authors == ["Jane Doe", "John Roe"]


def test_an_organisation_is_kept_when_it_is_the_only_author():
    found = meta(jsonld(author={"@type": "NewsMediaOrganization", "name": "Example News"}))
    assert found.authors == ["Example News"]


def test_a_jsonld_author_given_by_reference():
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "NewsArticle", "headline": "A film travels", "author": {"@id": "#jd"}},
            {"@type": "Person", "@id": "#jd", "name": "Jane Doe"},
        ],
    }
    found = meta(f'<script type="application/ld+json">{json.dumps(graph)}</script>')
    assert found.authors == ["Jane Doe"]


def test_the_byline_names_the_people_when_the_metadata_names_only_the_site():
    html = page(
        '<meta name="author" content="Example News">'
        '<meta property="og:site_name" content="Example News">',
        byline='<div class="byline">By Jane Doe and John Roe</div>',
    )
    article = extract(html, URL)
    assert article is not None
    assert article.authors == ["Jane Doe", "John Roe"]
    assert article.author == "Jane Doe; John Roe"


# ---------------------------------------------------------------------------- archive
def test_authors_and_the_date_evidence_are_archived(tmp_path):
    html = page(jsonld(datePublished="2025-03-04T08:00:00+08:00", author="By Jane Doe and Li Wei"))
    article = extract(html, URL)
    assert article is not None
    with Archive(tmp_path / "a.db") as archive:
        row_id, _ = archive.upsert_article({**article.to_record(), "source": "s"})
        row = archive.db["articles"].get(row_id)
    assert json.loads(row["authors"]) == ["Jane Doe", "Li Wei"]
    assert row["author"] == "Jane Doe; Li Wei"
    assert (row["published_at"], row["date_source"]) == ("2025-03-04T00:00:00+00:00", "jsonld")


def test_m008_gives_an_older_archive_the_columns_and_lists_its_authors(tmp_path):
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        db = archive.db
        for column in ("authors", "date_source", "feed_published_at"):
            db.execute(f"alter table articles drop column {column}")
        db.execute("delete from _sqlite_migrations where name = 'm008_article_authors'")
        db.execute(
            "insert into articles (url, fetched_at, author) values "
            "('https://news.example/a/1', '2025-03-04T00:00:00+00:00', 'Jane Doe; John Roe')"
        )
    with Archive(path) as archive:
        row = next(archive.db["articles"].rows)
    assert json.loads(row["authors"]) == ["Jane Doe", "John Roe"]
    assert row["date_source"] is None


def test_a_logo_h1_naming_the_site_is_no_headline():
    found = meta(
        '<title>Example News | A film travels abroad</title><meta property="og:site_name" '
        'content="Example News">',
        h1="Example News",
    )
    assert found.title == "A film travels abroad"


def test_a_local_time_without_offset_takes_the_offset_of_weaker_evidence():
    found = meta(
        jsonld(datePublished="2025-03-04 00:30:00")
        + '<meta property="article:published_time" content="2025-03-04T00:30:00+02:00">'
    )
    assert (found.published_at, found.date_source) == ("2025-03-03T22:30:00+00:00", "meta")
    alone = meta(jsonld(datePublished="2025-03-04 00:30:00"))
    assert (alone.published_at, alone.date_source) == ("2025-03-04T00:30:00+00:00", "jsonld")


def test_the_feed_author_fills_a_page_without_one_as_a_list():
    article = extract(page(), URL)
    assert article is not None and article.authors == []
    merged = merge_hints(article, {"author": "By Jane Doe and John Roe"})
    assert merged.authors == ["Jane Doe", "John Roe"]
    assert merged.author == "Jane Doe; John Roe"


# ------------------------------------------------------- bylines and dates the page prints
SITE = '<meta property="og:site_name" content="Example News">'


def test_a_name_printed_after_an_author_label_beats_the_site_as_author():
    byline = "<ul><li><strong>Autorin/Autor</strong> Jane Doe</li></ul>"
    article = extract(
        page(SITE + '<meta name="author" content="Example News">', byline=byline), URL
    )
    assert article is not None and article.authors == ["Jane Doe"]


def test_a_date_printed_after_a_date_label_is_the_page_s_evidence():
    printed = "<ul><li><strong>Aktualisiert</strong> 30.04.2023</li><li><b>Datum:</b> 28.04.2023</li></ul>"
    found = meta("", byline=printed)
    assert (found.published_at, found.date_source) == ("2023-04-28", "time")
    assert meta("", byline="<p><strong>Datum</strong> 31.13.2023</p>").published_at is None
    stronger = meta(jsonld(datePublished="2023-04-27T10:00:00+02:00"), byline=printed)
    assert stronger.published_at == "2023-04-27T08:00:00+00:00"


def test_names_on_a_line_of_their_own_atop_the_body_replace_the_site_as_author():
    site_author = jsonld(author={"@type": "Organization", "name": "Example News"})
    lead = "<p><strong>Jane Doe/John Roe</strong></p>"
    article = extract(page(SITE + site_author, byline=lead), URL)
    assert article is not None and article.authors == ["Jane Doe", "John Roe"]
    crumbs = "<ul><li>Culture News</li><li>Film Desk</li></ul>"  # a list, not a byline
    article = extract(page(SITE + site_author, byline=crumbs), URL)
    assert article is not None and article.authors == ["Example News"]
    article = extract(page(SITE, byline=lead), URL)  # no one named: a line is not enough
    assert article is not None and article.authors == []


def test_a_cms_account_as_author_gives_way_to_the_byline_atop_the_body():
    account = {"@id": "https://news.example/author/admin/", "name": "Desk D"}
    article = extract(page(jsonld(author=account), byline="<p>JANE DOE</p>"), URL)
    assert article is not None and article.authors == ["JANE DOE"]


def test_the_site_beside_a_person_is_no_author():
    people = [{"@type": "Person", "name": "Example News"}, {"@type": "Person", "name": "Jane Doe"}]
    article = extract(page(SITE + jsonld(author=people)), URL)
    assert article is not None and article.authors == ["Jane Doe"]


def test_an_article_only_streamed_in_the_next_js_payload_is_extracted():
    markup = "".join(f"<p>{PARAGRAPH} ({i})</p>" for i in range(4))
    row = f"1a:T{len(markup.encode()):x},{markup}"
    script = f"<script>self.__next_f.push([1,{json.dumps(row)}])</script>"
    html = f"<html><head><title>A film travels</title></head><body><div id='app'></div>{script}</body></html>"
    article = extract(html, URL)
    assert article is not None and article.title == "A film travels"
    assert PARAGRAPH[:40] in article.text
    assert extract(html.replace("__next_f", "__other"), URL) is None


# ---------------------------------------------------------- datelines, URLs and time zones
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28.04.2023", "2023-04-28"),
        ("28. April 2024, 14:26 Uhr", "2024-04-28T14:26:00"),
        ("Erstellt: 28.04.2023, 18:16 Uhr", "2023-04-28T18:16:00"),
        ("Published Jun 05, 2026", "2026-06-05"),
        ("Apr. 28, 2023 1:15 pm", "2023-04-28T13:15:00"),
        ("October 23, 2025 5:50 pm CET", "2025-10-23T17:50:00+01:00"),
        ("20:00, 29 Jan 2024", "2024-01-29T20:00:00"),
        ("25 de mayo de 2025 16:51 h", "2025-05-25T16:51:00"),
        ("søndag 2. februar 2025", "2025-02-02"),
        ("2025年1月14日", "2025-01-14"),
        ("2025년 5월 15일 20:00", "2025-05-15T20:00:00"),
        ("12:43, 20 Apr 2026 Updated 12:44, 21 Apr 2026", "2026-04-20T12:43:00"),
        ("Aktualisiert 30.04.2023", None),  # an update is never the publication
        ("31.13.2023", None),
        ("no date here", None),
    ],
)
def test_printed_dates(text, expected):
    assert printed_date(text) == expected


def test_a_dateline_the_article_prints_is_read_in_the_publisher_s_time_zone():
    zone = jsonld(dateModified="2025-03-05T10:00:00+01:00")  # the page's offset: +01:00
    dateline = '<p class="article-date">04.03.2025, 00:30 Uhr</p>'
    found = meta(zone, byline=dateline)
    assert (found.published_at, found.date_source) == ("2025-03-03T23:30:00+00:00", "time")
    alone = meta("", byline=dateline)  # no zone anywhere: the day it printed
    assert (alone.published_at, alone.date_source) == ("2025-03-04", "time")


def test_a_local_time_in_the_metadata_takes_the_publisher_s_offset_from_another_day():
    found = meta(
        jsonld(datePublished="2025-03-04 00:30:00", dateModified="2025-03-06T09:00:00+02:00")
    )
    assert (found.published_at, found.date_source) == ("2025-03-03T22:30:00+00:00", "jsonld")


def test_a_teaser_s_date_is_not_the_article_s():
    teaser = '<a href="/other"><span class="date">01.01.2024</span></a>'
    assert meta("", byline=teaser).published_at is None


def test_the_day_in_the_url_when_the_page_states_none():
    html = page()
    found = page_metadata(load_html(html), "https://news.example/2025/03/04/a-film-travels/")
    assert (found.published_at, found.date_source) == ("2025-03-04", "url")
    assert url_date("https://news.example/culture/20250304-a-film") == "2025-03-04"
    assert url_date("https://news.example/culture/2025/13/40/x") is None
    assert url_date(URL) is None  # a year alone is no day
