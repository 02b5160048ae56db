"""`culturewatch score` and `culturewatch rescore`, through the click command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from storage.archive import Archive

REPO = Path(__file__).resolve().parent.parent

ON_TOPIC_TITLE = "Ne Zha 2 animated film breaks records abroad"
ON_TOPIC = (
    "The Chinese animated film Ne Zha 2 keeps filling cinemas in North America and Australia. "
    "Its distributor says Chinese animation has found an audience abroad, and commentators in "
    "Beijing call it proof of cultural confidence and growing soft power."
)
OFF_TOPIC = "The county cup final ended in a draw after extra time; the replay is on Sunday."


@pytest.fixture
def config(tmp_path):
    directory = tmp_path / "config"
    directory.mkdir()
    shutil.copy(REPO / "config" / "themes.toml", directory / "themes.toml")
    return directory


def test_score_txt_and_html_files(tmp_path, config):
    txt = tmp_path / "a.txt"
    txt.write_text(f"{ON_TOPIC_TITLE}\n{ON_TOPIC}\n", encoding="utf-8")
    off = tmp_path / "b.txt"
    off.write_text(f"Sport\n{OFF_TOPIC}\n", encoding="utf-8")
    page = tmp_path / "c.html"
    paragraphs = "".join(f"<p>{ON_TOPIC}</p>" for _ in range(3))
    page.write_text(
        f"<html lang='en'><head><title>{ON_TOPIC_TITLE}</title></head>"
        f"<body><article><h1>{ON_TOPIC_TITLE}</h1>{paragraphs}</article></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["score", str(txt), str(off), str(page), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["path"] for line in lines] == [str(txt), str(off), str(page)]
    assert lines[0]["relevant"] is True and "films_games" in lines[0]["themes"]
    assert lines[0]["title"] == ON_TOPIC_TITLE
    assert lines[1]["relevant"] is False and lines[1]["relevance"] == 0
    assert lines[2]["relevant"] is True
    for line in lines:
        assert {"path", "relevance", "relevant", "themes"} <= set(line)


def test_score_unsupported_file_is_one_line_and_exit_1(tmp_path, config):
    other = tmp_path / "x.pdf"
    other.write_bytes(b"%PDF-1.4")
    result = CliRunner().invoke(cli, ["score", str(other), "--config", str(config)])
    assert result.exit_code == 1
    assert "unsupported file type '.pdf'" in result.output


def test_score_with_a_broken_themes_file_exits_2(tmp_path, config):
    (config / "themes.toml").write_text("[films_games\n", encoding="utf-8")
    txt = tmp_path / "a.txt"
    txt.write_text("t\nb\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", str(txt), "--config", str(config)])
    assert result.exit_code == 2
    assert "themes.toml" in result.output and len(result.output.strip().splitlines()) == 1


def test_rescore_fills_and_revises_the_archive(tmp_path, config):
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        for n, (title, text) in enumerate([(ON_TOPIC_TITLE, ON_TOPIC), ("Sport", OFF_TOPIC)] * 3):
            archive.upsert_article(
                {"url": f"https://news.example/{n}", "title": title, "text": text}
            )
    runner = CliRunner()
    result = runner.invoke(
        cli, ["rescore", "--db", str(db), "--config", str(config), "--batch-size", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "rescored 6 articles: 3 relevant" in result.output
    with Archive(db) as archive:
        rows = list(
            archive.db.query("select url, relevant, themes, evidence from articles order by id")
        )
        assert [r["relevant"] for r in rows] == [1, 0] * 3
        assert "films_games" in json.loads(rows[0]["themes"])
        assert json.loads(rows[0]["evidence"])["films_games"]
        assert archive.db["article_themes"].count >= 3
    # a stricter threshold demotes them all: the verdicts change, no row is added
    (config / "settings.toml").write_text("[relevance]\nthreshold = 0.9999\n", encoding="utf-8")
    result = runner.invoke(cli, ["rescore", "--db", str(db), "--config", str(config)])
    assert "0 relevant, 3 changed" in result.output
    with Archive(db) as archive:
        assert archive.count() == 6


def test_rescore_without_an_archive_is_one_line_and_exit_1(tmp_path, config):
    result = CliRunner().invoke(
        cli, ["rescore", "--db", str(tmp_path / "none.db"), "--config", str(config)]
    )
    assert result.exit_code == 1
    assert "no archive at" in result.output


def test_rescore_reextract_rebuilds_text_from_the_stored_html(tmp_path, config):
    db = tmp_path / "a.db"
    paragraphs = "".join(f"<p>{ON_TOPIC}</p>" for _ in range(3))
    html = (
        f"<html lang='en'><head><title>{ON_TOPIC_TITLE}</title></head>"
        f"<body><article><h1>{ON_TOPIC_TITLE}</h1>{paragraphs}</article></body></html>"
    ).encode()
    url = "https://news.example/film"
    with Archive(db) as archive:
        article_id, _ = archive.upsert_article({"url": url, "title": "damaged", "text": "damaged"})
        archive.raw_pages.save(article_id, url, html, headers=[("Content-Type", "text/html")])
    result = CliRunner().invoke(
        cli, ["rescore", "--reextract", "--db", str(db), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert "re-extracted 1 of 1 articles" in result.output
    with Archive(db) as archive:
        row = next(archive.db.query("select url, title, text, relevant from articles"))
    assert row["url"] == url and row["title"] == ON_TOPIC_TITLE
    assert ON_TOPIC[:50] in row["text"] and row["relevant"] == 1


def test_rescore_waits_for_no_crawl(tmp_path, config):
    from crawler.lock import crawl_lock

    db = tmp_path / "a.db"
    Archive(db).close()
    with crawl_lock(db):
        result = CliRunner().invoke(cli, ["rescore", "--db", str(db), "--config", str(config)])
    assert result.exit_code == 75
    assert "another crawl is running" in result.output
