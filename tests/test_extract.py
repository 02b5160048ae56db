"""Extraction and URL normalisation: pure functions, run without Scrapy."""

from __future__ import annotations

import pytest
from support import run_python

from pipelines.extraction.extract import Article, detect_language, extract, merge_hints
from pipelines.normalize import canonical_url, fingerprint, same_site, to_utc_iso

PARAGRAPH = (
    "The studio behind the animated feature said overseas screenings had drawn families "
    "who knew little of the legend before, and distributors in several countries asked for "
    "more prints after the first weekend. Critics compared its craft with the best of the "
    "genre and wondered whether the success could be repeated."
)


def page(body: str, *, lang: str = "en", head: str = "", title: str = "A film travels") -> str:
    return f"""<!doctype html><html lang="{lang}"><head><title>{title} | Example News</title>
<meta property="og:title" content="{title}">
<meta name="description" content="A short summary.">
<meta property="article:published_time" content="2025-03-04T08:00:00+08:00">
<meta name="author" content="Jane Doe">
{head}</head><body><nav><a href="/">Home</a> <a href="/culture">Culture</a></nav>
<article><h1>{title}</h1>{body}</article>
<footer>Copyright Example News. All rights reserved. Contact us. Privacy policy.</footer>
</body></html>"""


ENGLISH = page("".join(f"<p>{PARAGRAPH} ({i})</p>" for i in range(4)))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://News.Example:443/a/1?utm_source=rss&utm_medium=feed#top",
            "https://news.example/a/1",
        ),
        ("http://news.example/a/1?b=2&a=1", "http://news.example/a/1?a=1&b=2"),
        ("https://news.example", "https://news.example/"),
        # credentials in a link are never kept (the key is stored and browsable)
        ("https://reader:s3cret@news.example/a/1", "https://news.example/a/1"),
        ("https://reader@News.Example:8443/a/1", "https://news.example:8443/a/1"),
        ("mailto:someone@news.example", None),
        ("not a url", None),
        ("", None),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_same_site_ignores_www():
    assert same_site("https://www.news.example/a", "https://news.example/b")
    assert not same_site("https://news.example/a", "https://other.example/a")


def test_fingerprint_ignores_spacing_and_case():
    assert fingerprint("Hello   World\n") == fingerprint("hello world")
    assert fingerprint("hello world") != fingerprint("hello there")


def test_extract_text_and_metadata():
    article = extract(ENGLISH, "https://news.example/culture/film?utm_campaign=x")
    assert isinstance(article, Article)
    assert article.url == "https://news.example/culture/film"
    assert article.title == "A film travels"
    assert PARAGRAPH[:60] in article.text
    assert "All rights reserved" not in article.text
    assert "Culture" not in article.text.splitlines()[0]
    assert article.author == "Jane Doe"
    assert article.published_at and article.published_at.startswith("2025-03-0")
    assert article.language == "en"
    assert article.word_count > 150


def test_rel_canonical_on_the_same_site_is_honoured():
    html = page(
        "".join(f"<p>{PARAGRAPH}</p>" for _ in range(3)),
        head='<link rel="canonical" href="/culture/film-travels">',
    )
    assert (
        extract(html, "https://news.example/amp/1").url
        == "https://news.example/culture/film-travels"
    )


@pytest.mark.parametrize(
    "href", ["https://elsewhere.example/stolen", "https://news.example/", "javascript:alert(1)"]
)
def test_rel_canonical_elsewhere_or_home_is_ignored(href):
    html = page(f"<p>{PARAGRAPH}</p>" * 3, head=f'<link rel="canonical" href="{href}">')
    assert extract(html, "https://news.example/a/1").url == "https://news.example/a/1"


def test_chinese_page_language_from_script_even_if_declared_wrong():
    body = "".join(
        "<p>这部动画电影在海外上映后，吸引了许多从未听说过哪吒故事的观众，发行商纷纷要求增加场次。"
        "评论界认为它的制作水准可以与同类作品中的佼佼者相比，并讨论这种成功能否复制。</p>"
        for _ in range(4)
    )
    article = extract(page(body, lang="en", title="哪吒走向世界"), "https://news.example/zh/1")
    assert article.language == "zh"
    assert "哪吒" in article.text


def test_a_short_chinese_page_is_its_paragraphs_not_the_whole_article_on_one_line():
    paragraphs = [
        "以传承创新互鉴为主题的文化论坛日前开幕，来自四十多个国家和地区的学者和艺术家参加了开幕式。",
        "与会嘉宾围绕文明交流互鉴和文化遗产保护等议题展开讨论，希望更深入地了解彼此的文化。",
        "主办方介绍，论坛期间还将举办展览、演出和青年对话活动，增进各国人民的相互理解。",
    ]
    body = '<p class="byline">记者 李静怡</p>' + "".join(f"<p>{p}</p>" for p in paragraphs)
    html = page(body, lang="zh", title="文化论坛开幕 中外嘉宾共话文明交流互鉴").replace(
        '<meta name="author" content="Jane Doe">', '<meta name="author" content="李静怡">'
    )
    article = extract(html, "https://news.example/zh/forum")
    assert article is not None
    assert article.authors == ["李静怡"]
    assert article.text.split("\n") == paragraphs


@pytest.fixture(scope="module")
def demo_chinese_articles():
    """The demo site's Chinese article pages (both scripts) and what the data says of them."""
    from crawler.demo.site import build_site

    site = build_site("http://127.0.0.1:8000")
    found = [a for a in site.article_pages if a.lang.startswith("zh")]
    assert {a.lang for a in found} == {"zh-Hans", "zh-Hant"}
    return [(a, extract(site.pages[a.path].body, a.url)) for a in found]


def test_the_demo_s_chinese_articles_name_their_authors_bare(demo_chinese_articles):
    for page_of, article in demo_chinese_articles:
        assert article is not None
        assert article.authors == [page_of.data["author"]], page_of.url
        assert not any(role in article.author for role in ("记者", "記者"))


def test_the_demo_s_chinese_articles_begin_with_their_first_paragraph(demo_chinese_articles):
    for page_of, article in demo_chinese_articles:
        assert article.title == page_of.title
        first = article.text.split("\n")[0]
        assert first == page_of.data["paras"][0], page_of.url
        assert len(article.text.split("\n")) == len(page_of.data["paras"])


@pytest.mark.parametrize(
    "html",
    [
        "",
        b"",
        b"\x00\x01\x02\xff\xfe" * 1000,
        "<html><body></body></html>",
        "<html><body><nav>Home</nav></body></html>",
        "<?xml version='1.0' encoding='utf-8'?><rss><channel></channel></rss>",
    ],
)
def test_nothing_to_extract_gives_none(html):
    assert extract(html, "https://news.example/x") is None


@pytest.mark.slow
def test_huge_page_does_not_crash():
    html = page("<p>" + ("word " * 2_000_000) + "</p>")
    article = extract(html, "https://news.example/huge")
    assert article is None or len(article.text) > 1000


def test_hints_fill_what_the_page_lacks():
    article = Article(url="https://news.example/a", text="t", published_at="2025-03-04")
    merged = merge_hints(
        article,
        {
            "title": "From the feed",
            "published_at": "2025-03-04T06:30:00+00:00",
            "keywords": ["film"],
            "author": None,
        },
    )
    assert merged.title == "From the feed"
    assert merged.published_at == "2025-03-04T06:30:00+00:00"
    assert merged.keywords == ["film"]
    kept = merge_hints(
        Article(url="u", text="t", title="Page title", published_at="2025-03-01"),
        {"title": "Feed title", "published_at": "2025-03-04T06:30:00+00:00"},
    )
    assert (kept.title, kept.published_at) == ("Page title", "2025-03-01")


def test_dates_become_utc():
    assert to_utc_iso("2025-03-04T08:00:00+08:00") == "2025-03-04T00:00:00+00:00"
    assert to_utc_iso("2025-03-04") == "2025-03-04"
    assert to_utc_iso("yesterday") is None


def test_detect_language_short_and_declared():
    assert detect_language("ok", None) is None
    assert detect_language("Bonjour à tous, ceci est un petit texte.", "fr-FR") == "fr"
    assert detect_language("これは日本語の文章です。ゲームの話。", None) == "ja"


UNDECLARED = {
    "en": "The museum opened a new exhibition of porcelain and silk this week, and the curators "
    "said that visitors from many countries had already booked their tickets for the summer.",
    "fr": "Le musée a ouvert cette semaine une nouvelle exposition de porcelaine et de soie, et "
    "les conservateurs ont dit que des visiteurs de nombreux pays avaient déjà réservé.",
    "es": "El museo abrió esta semana una nueva exposición de porcelana y seda, y los curadores "
    "dijeron que visitantes de muchos países ya habían reservado sus entradas para el verano.",
    "de": "Das Museum hat diese Woche eine neue Ausstellung mit Porzellan und Seide eröffnet, und "
    "die Kuratoren sagten, dass Besucher aus vielen Ländern ihre Karten schon gebucht haben.",
    "ru": "На этой неделе музей открыл новую выставку фарфора и шёлка, и кураторы сказали, что "
    "посетители из многих стран уже забронировали билеты на лето.",
}


@pytest.mark.parametrize("code", sorted(UNDECLARED))
def test_detect_language_guesses_what_nobody_declares(code: str) -> None:
    assert detect_language(UNDECLARED[code], None) == code


def test_the_large_model_loads_only_when_cld2_is_unsure() -> None:
    """CLD2 settles a clear text without py3langid (~80 MiB); a text CLD2 cannot read (a
    lone surrogate is not UTF-8) still gets py3langid's guess."""
    script = (
        "from py3langid import langid\n"
        "from pipelines.extraction.extract import detect_language\n"
        f"assert detect_language({UNDECLARED['de']!r}) == 'de'\n"
        "print(langid.IDENTIFIER is not None)\n"
        f"assert detect_language({UNDECLARED['fr']!r} + '\\ud800') == 'fr'\n"
        "print(langid.IDENTIFIER is not None)\n"
    )
    out = run_python(script).stdout.split()
    assert out == ["False", "True"]
