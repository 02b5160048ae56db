"""Where a page names its authors and which names are chosen (pipelines.extraction.bylines,
through pipelines.extraction.metadata and extract). Small pages written for these tests."""

from __future__ import annotations

import json

from trafilatura.utils import load_html

from pipelines.extraction.extract import extract
from pipelines.extraction.metadata import choose_authors, page_metadata

URL = "https://news.example/culture/2025/a-film-travels"
SITE = '<meta property="og:site_name" content="Example News">'
PARAGRAPH = (
    "The studio behind the animated feature said overseas screenings had drawn families "
    "who knew little of the legend before, and distributors in several countries asked for "
    "more prints after the first weekend."
)


def page(head: str = "", byline: str = "", after: str = "") -> str:
    paragraphs = "".join(f"<p>{PARAGRAPH} ({i})</p>" for i in range(4))
    return (
        f"<!doctype html><html><head><title>A film travels</title>{head}</head><body>"
        f"<article><h1>A film travels</h1>{byline}{paragraphs}</article>{after}</body></html>"
    )


def jsonld(author: object) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "author": author}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def authors(html: str, found: str | None = None) -> list[str]:
    return choose_authors(page_metadata(load_html(html), URL), found)


# ---------------------------------------------------------------------------- trust
def test_the_jsonld_person_before_any_other_evidence():
    html = page(
        jsonld({"@type": "Person", "name": "Jane Doe"}) + '<meta name="author" content="Ann Lee">',
        byline='<p class="byline">By John Roe</p>',
    )
    assert authors(html, "Someone Else") == ["Jane Doe"]


def test_the_meta_author_before_the_byline_elements_and_trafilatura():
    html = page('<meta name="author" content="周明远">', byline='<p class="byline">记者 周明远</p>')
    assert authors(html, "记者 周明远") == ["周明远"]
    html = page(
        '<meta name="author" content="Ann Lee">', byline='<p class="byline">By John Roe</p>'
    )
    assert authors(html) == ["Ann Lee"]


def test_article_author_names_a_person_but_a_link_there_is_no_name():
    assert authors(page('<meta property="article:author" content="Jane Doe">')) == ["Jane Doe"]
    linked = '<meta property="article:author" content="https://www.facebook.com/example">'
    assert authors(page(linked)) == []


def test_rel_author_and_microdata_name_the_author():
    assert authors(page(byline='<a rel="author" href="/people/jd">Jane Doe</a>')) == ["Jane Doe"]
    micro = (
        '<div itemprop="author" itemscope><span>Written by</span>'
        '<span itemprop="name">Jane Doe</span></div>'
    )
    assert authors(page(byline=micro)) == ["Jane Doe"]


def test_a_byline_element_is_read_a_child_at_a_time():
    byline = (
        '<div class="article-author">Von<a href="/autor/jr">Jasper Riemann</a>'
        '<a href="/autor/bs">Barbara Schneider</a><span>12:43</span></div>'
    )
    assert authors(page(byline=byline)) == ["Jasper Riemann", "Barbara Schneider"]


# ---------------------------------------------------------------------------- the site
def test_a_byline_opening_with_its_word_names_the_person_when_the_site_is_the_author():
    head = SITE + jsonld({"@type": "Organization", "name": "Example News"})
    byline = '<p class="meta-info"> von <a href="/people/max-kolter">Dr. Max Kolter</a></p>'
    assert authors(page(head, byline=byline)) == ["Dr. Max Kolter"]
    assert authors(page(head, byline='<span class="x">Von Seb Dumitru</span>')) == ["Seb Dumitru"]


def test_a_teaser_s_byline_in_a_link_is_no_author():
    head = SITE + jsonld({"@type": "Organization", "name": "Example News"})
    teaser = '<aside><a href="/other"><h6>By Ben Blanchard</h6></a></aside>'
    assert authors(page(head, after=teaser)) == ["Example News"]


def test_the_site_stays_the_author_when_no_person_is_named():
    head = SITE + '<meta name="author" content="Example News">'
    assert authors(page(head, byline='<p class="byline">Example News</p>')) == ["Example News"]


def test_an_agency_or_a_team_credited_is_the_author_of_a_wire_story():
    byline = '<p class="byline">By John Roe</p>'
    assert authors(page(jsonld({"@type": "Organization", "name": "dpa"}), byline)) == ["dpa"]
    assert authors(page(jsonld("MND Staff"), byline)) == ["MND Staff"]


def test_a_person_and_an_agency_credited_together_are_both_kept():
    people = [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "dpa"}]
    assert authors(page(jsonld(people))) == ["Jane Doe", "dpa"]


def test_a_name_with_the_site_s_domain_is_the_site():
    head = SITE + '<meta name="author" content="Deutsche Welle (www.example.com)">'
    label = "<ul><li><strong>Autorin/Autor</strong> Jane Doe</li></ul>"
    assert authors(page(head, byline=label)) == ["Jane Doe"]


def test_a_photo_credit_is_no_byline():
    head = SITE + jsonld({"@type": "Organization", "name": "Example News"})
    credit = '<p class="author-photo">Foto: Bild: SN / KEYSTONE / CYRIL ZINGARO</p>'
    assert authors(page(head, byline=credit)) == ["Example News"]


def test_the_byline_line_atop_the_body_leaves_the_text():
    head = SITE + jsonld({"@type": "Organization", "name": "Example News"})
    article = extract(page(head, byline="<p>MTHOBISI SITHOLE</p>"), URL)
    assert article is not None and article.authors == ["MTHOBISI SITHOLE"]
    assert article.text.startswith("The studio behind")
