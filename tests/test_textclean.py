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
