"""The text trimming after trafilatura: a headline repeated atop the text goes."""

from __future__ import annotations

from pipelines.extraction.extract import extract
from pipelines.extraction.textclean import trim_text


def test_a_first_line_that_is_the_headline_goes() -> None:
    text = "The Lantern Festival Returns!\nCrowds filled the square.\nMore came later."
    assert trim_text(text, "the lantern festival returns") == (
        "Crowds filled the square.\nMore came later."
    )


def test_other_lines_and_a_different_first_line_stay() -> None:
    text = "Crowds filled the square.\nThe Lantern Festival Returns\nMore came later."
    assert trim_text(text, "The Lantern Festival Returns") == text
    assert trim_text(text, None) == text


def test_extract_drops_the_heading_but_keeps_the_title() -> None:
    words = " ".join(f"word{i}" for i in range(60))
    html = (
        "<html><head><title>Silk Road Opera Tours Europe</title></head><body><article>"
        "<h1>Silk Road Opera Tours Europe</h1>"
        f"<p>The troupe opened in Vienna on Friday. {words}.</p>"
        f"<p>Its second stop is Prague, where tickets sold out. {words}.</p>"
        "</article></body></html>"
    )
    article = extract(html, "https://news.example/opera")
    assert article is not None
    assert article.title == "Silk Road Opera Tours Europe"
    assert not article.text.startswith("Silk Road Opera")
    assert "The troupe opened in Vienna" in article.text


def test_the_headline_less_or_with_its_kicker_goes() -> None:
    body = "Crowds filled the square on the first night."
    title = "Lantern festival: crowds return to the old town"
    assert trim_text(f"Crowds return to the old town\n{body}", title) == body
    assert trim_text(f"Spring events {title}\n{body}", title) == body


def test_a_short_part_of_the_title_or_a_long_line_around_it_stays() -> None:
    title = "Lantern festival: crowds return to the old town"
    short = "Crowds return\nThey came back."
    assert trim_text(short, title) == short
    long = f"{title} as the mayor said on Friday before the first concert began\nMore."
    assert trim_text(long, title) == long


def test_a_byline_line_atop_the_text_goes() -> None:
    text = "Jane Doe/John Roe\nCrowds filled the square.\nMore came later."
    assert trim_text(text, None, ["Jane Doe", "John Roe"]) == (
        "Crowds filled the square.\nMore came later."
    )
    chinese = "记者 李静怡\n以传承为主题的论坛日前在京开幕。"
    assert trim_text(chinese, None, ["李静怡"]) == "以传承为主题的论坛日前在京开幕。"


def test_a_name_in_the_text_that_is_no_byline_stays() -> None:
    text = "Jane Doe said the square was full.\nMore came later."
    assert trim_text(text, None, ["Jane Doe"]) == text
    deeper = "One.\nTwo.\nThree.\nJane Doe\nFour."  # past the first lines: not the byline
    assert trim_text(deeper, None, ["Jane Doe"]) == deeper


def test_a_headline_and_a_byline_glued_to_the_first_paragraph_go() -> None:
    title = "北京文化论坛开幕 中外嘉宾共话文明交流互鉴"
    glued = f"{title} 记者 李静怡 以“传承、创新、互鉴”为主题的北京文化论坛日前在京开幕。"
    assert (
        trim_text(glued, title, ["李静怡"])
        == "以“传承、创新、互鉴”为主题的北京文化论坛日前在京开幕。"
    )
    english = "Lantern Festival Returns To The Old Town By Jane Doe Crowds filled the square."
    assert trim_text(english, "Lantern Festival Returns To The Old Town", ["Jane Doe"]) == (
        "Crowds filled the square."
    )


def test_a_first_paragraph_opening_with_the_headline_s_words_stays() -> None:
    title = "Crowds return to the old town"
    text = (
        "Crowds return to the old town after two years of closed squares, shuttered shops "
        "and cancelled festivals.\nMore came later."
    )
    assert trim_text(text, title, ["Jane Doe"]) == text


def test_a_dateline_atop_the_text_goes() -> None:
    for dateline in (
        "28.04.2023, 14:26 Uhr",
        "Published 12:43, 20 Apr 2026",
        "2025年1月14日 01時28分",
    ):
        assert trim_text(f"{dateline}\nCrowds filled the square.") == "Crowds filled the square."
    dated = "On 28.04.2023 crowds filled the square for the first time in years."
    assert trim_text(dated) == dated
