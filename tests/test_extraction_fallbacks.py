"""Before a page is called empty: a page served with the wrong charset (GBK bytes labelled
UTF-8) is decoded with the detected one, and a page nested deeper than lxml's limit is
parsed again; an honestly empty page stays empty."""

from __future__ import annotations

import pytest
from support import FixtureServer, Route
from test_faults import crawl, feed_xml, rows, setup

from pipelines.extraction.extract import decode, extract
from pipelines.extraction.fallbacks import too_many_replacements

# our own sentences (a spring music festival in a park)
_ZH = [
    "我们的城市在春天举办了一场传统音乐节，很多年轻人穿着汉服来到公园。",
    "乐手们在湖边演奏古琴和琵琶，观众安静地坐在草地上听了一个下午。",
    "主办方说，今年来自外地的游客比去年多了一倍，附近的小店也很热闹。",
    "一位老师带着学生来写生，她认为这样的活动让孩子更了解自己的文化。",
]
_ZH_TITLE = "春天的传统音乐节在公园举行"
_EN = [
    "The city held a festival of traditional music in a park this spring, its organisers said.",
    "Musicians played the guqin and the pipa by the lake while the audience sat on the grass.",
    "Visitors from other towns doubled on last year, and the small shops nearby were busy.",
    "A teacher brought her pupils to draw the players, saying it taught them their own culture.",
]


def _gbk_page(n: int = 0) -> bytes:
    """A Chinese article whose bytes are GBK while its page says UTF-8."""
    paragraphs = "".join(f"<p>{s}（第{n}篇，第{i}段）</p>" for i in range(3) for s in _ZH)
    html = (
        f'<html lang="zh"><head><meta charset="utf-8"><title>{_ZH_TITLE}</title></head>'
        f"<body><article><h1>{_ZH_TITLE}</h1>{paragraphs}</article></body></html>"
    )
    return html.encode("gbk")


def _deep_page(depth: int) -> str:
    """An English article inside *depth* nested ``div`` elements."""
    paragraphs = "".join(f"<p>{s} (part {i})</p>" for i in range(3) for s in _EN)
    return (
        "<html lang='en'><head><title>A spring festival of music</title></head><body>"
        + "<div class='wrap'>" * depth
        + f"<article><h1>A spring festival of music</h1>{paragraphs}</article>"
        + "</div>" * depth
        + "</body></html>"
    )


_EMPTY_PAGE = (
    "<html lang='en'><head><title>Subscribe</title></head><body><nav><a href='/'>Home</a></nav>"
    + "<div class='wrap'>" * 300
    + "<p>Sign in to read on.</p>"
    + "</div>" * 300
    + "</body></html>"
)


def test_a_page_in_gbk_served_as_utf8_is_decoded_as_gb18030() -> None:
    body = _gbk_page()
    assert too_many_replacements(body.decode("utf-8", "replace"))  # what the label gives
    text = decode(body, "utf-8")
    assert "\ufffd" not in text and _ZH[0] in text
    article = extract(text, "http://127.0.0.1/news/zh.html")
    assert article is not None and _ZH[1] in article.text and article.language == "zh"


def test_a_few_broken_bytes_keep_the_declared_charset() -> None:
    html = _deep_page(1).replace("guqin", "gu\udcffqin").encode("utf-8", "surrogateescape")
    text = decode(html, "utf-8")
    assert text.count("\ufffd") == 3 and "Musicians played the gu\ufffdqin" in text


@pytest.mark.parametrize("depth", [300, 1500, 5000])
def test_a_page_nested_deeper_than_lxml_allows_keeps_its_text(depth: int) -> None:
    article = extract(_deep_page(depth), "http://127.0.0.1/news/deep.html")
    assert article is not None, depth
    assert _EN[1] in article.text and "(part 2)" in article.text
    assert article.title == "A spring festival of music"


def test_an_empty_page_is_still_empty() -> None:
    assert extract(_EMPTY_PAGE, "http://127.0.0.1/news/empty.html") is None
    assert extract(_EMPTY_PAGE.encode(), "http://127.0.0.1/news/empty.html") is None


@pytest.mark.slow  # an end-to-end crawl
def test_the_crawl_archives_the_mislabelled_and_the_deep_page(tmp_path) -> None:
    with FixtureServer() as srv:
        srv.routes["/news/zh.html"] = Route(_gbk_page(), content_type="text/html; charset=utf-8")
        srv.routes["/news/deep.html"] = Route(_deep_page(3000))
        srv.routes["/news/empty.html"] = Route(_EMPTY_PAGE)
        urls = [srv.url(f"/news/{name}.html") for name in ("zh", "deep", "empty")]
        srv.routes["/feed.xml"] = Route(feed_xml(urls), content_type="application/rss+xml")
        config, sources, db = setup(tmp_path, srv, **{"crawl.extract_workers": 1})
        result = crawl(config, sources, db)
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = dict(rows(db, "select url, outcome from pages"))
    assert outcomes[urls[2]] == "empty", outcomes
    texts = dict(rows(db, "select url, text from articles"))
    assert set(texts) == set(urls[:2]), outcomes
    assert _ZH[2] in texts[urls[0]] and "\ufffd" not in texts[urls[0]]
    assert _EN[3] in texts[urls[1]]
