"""Retention (``retention_days``, ``culturewatch archive prune``): old non-relevant articles lose
their text, search entry and raw capture; their row, score, themes and story stay; nothing
else changes."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browse_helpers import crawl_fixture_archive
from click.testing import CliRunner
from support.configs import write_settings
from test_captures import copy_archive, rows

from crawler.cli import cli
from storage.archive import Archive
from storage.retention import prune
from storage.web.article_page import article_page

KEPT = (
    "id, url, title, source, source_group, published_at, fetched_at, language, relevance, "
    "relevant, themes, evidence, story_id, author, description"
)
DROPPED = "text, warc_filename, warc_record_offset, warc_record_length"
OTHER_TABLES = ("article_themes", "stories", "pages", "labels", "sources", "story_signatures")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crawl_fixture_archive(tmp_path_factory.mktemp("retention"))


def snapshot(db: Path) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(db)) as conn:
        out = {t: sorted(conn.execute(f"select * from [{t}]").fetchall()) for t in OTHER_TABLES}
        out["kept"] = conn.execute(f"select {KEPT} from articles order by id").fetchall()
        out["dropped"] = conn.execute(f"select id, {DROPPED} from articles order by id").fetchall()
        # the articles the index holds (its own table of them: reading articles_search
        # itself needs the functions its content is read through, storage.search)
        out["search"] = conn.execute("select id from articles_search_docsize order by 1").fetchall()
    return out


def test_prune_drops_old_unlabelled_non_relevant_texts_and_keeps_everything_else(
    crawled: Path, tmp_path: Path
) -> None:
    db = copy_archive(crawled, tmp_path / "copy")
    config = tmp_path / "config"
    write_settings(config, retention_days=30)
    ids = [r[0] for r in rows(db, "select id from articles order by id")]
    relevant = [r[0] for r in rows(db, "select id from articles where relevant = 1")]
    others = [i for i in ids if i not in relevant]
    assert relevant and len(others) >= 3, "the fixture crawl has both kinds"
    old, labelled, recent = others[0], others[1], others[2]
    long_ago = (datetime.now(UTC) - timedelta(days=90)).isoformat(timespec="seconds")
    with closing(sqlite3.connect(db)) as conn, conn:  # every article but `recent` is old
        conn.execute("update articles set fetched_at = ? where id != ?", [long_ago, recent])
        conn.execute(
            "insert into labels (article_id, label, labelled_by, labelled_at) values (?, 1, 'ana', ?)",
            [labelled, long_ago],
        )
    word = rows(db, "select text from articles where id = ?", old)[0][0].split()[0]
    before = snapshot(db)

    result = CliRunner().invoke(cli, ["archive", "prune", "--config", str(config), "--db", str(db)])
    assert result.exit_code == 0, result.output
    pruned = set(others) - {labelled, recent}
    assert f"pruned {len(pruned):,} articles" in result.output, result.output
    assert "0 WARC files deleted" in result.output  # their file is this month's: kept whole

    after = snapshot(db)
    for table in (*OTHER_TABLES, "kept"):
        assert after[table] == before[table], table  # rows, scores, themes, stories, labels
    dropped_before = {r[0]: r[1:] for r in before["dropped"]}
    for row in after["dropped"]:
        if row[0] in pruned:
            assert row[1:] == (None, None, None, None), row
            assert dropped_before[row[0]][0] and dropped_before[row[0]][1]  # they had both
        else:  # relevant, labelled, recent: untouched
            assert row[1:] == dropped_before[row[0]], row
    assert {r[0] for r in after["search"]} == set(ids) - pruned
    with closing(sqlite3.connect(db)) as conn:
        hits = {r[0] for r in conn.execute(
            "select rowid from articles_search where articles_search match ?", [f'"{word}"']
        )}  # fmt: skip
        assert old not in hits
        page = article_page(conn, old, {})  # its page still opens: URL, title, scores
        assert page is not None

    # a rescore leaves the pruned articles' scores as they were; a second prune does nothing
    rescored = CliRunner().invoke(cli, ["rescore", "--config", str(config), "--db", str(db)])
    assert rescored.exit_code == 0, rescored.output
    keep_scores = "select id, relevance, relevant, themes from articles where text is null"
    assert rows(db, keep_scores) == [r[:1] + r[8:11] for r in before["kept"] if r[0] in pruned]
    again = CliRunner().invoke(cli, ["archive", "prune", "--config", str(config), "--db", str(db)])
    assert "pruned 0 articles" in again.output, again.output


def test_prune_is_off_by_default_and_the_setting_is_bounded(crawled: Path, tmp_path: Path) -> None:
    db = copy_archive(crawled, tmp_path / "copy")
    before = snapshot(db)
    config = tmp_path / "config"
    write_settings(config)
    result = CliRunner().invoke(cli, ["archive", "prune", "--config", str(config), "--db", str(db)])
    assert result.exit_code == 0 and "retention is off" in result.output, result.output
    assert snapshot(db) == before
    write_settings(config, retention_days=-5)
    bad = CliRunner().invoke(cli, ["archive", "prune", "--config", str(config), "--db", str(db)])
    assert bad.exit_code != 0
    assert "retention_days" in bad.output and len(bad.output.strip().splitlines()) == 1, bad.output
    assert snapshot(db) == before


def test_a_warc_file_goes_only_when_no_article_points_into_it(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    long_ago = "2020-01-01T00:00:00+00:00"
    with Archive(db) as archive:
        for n, relevant in enumerate((0, 0, 1)):
            url = f"https://news.example/{n}"
            article_id, _ = archive.upsert_article(
                {"url": url, "title": f"t{n}", "text": f"text {n}", "relevant": relevant}
            )
            archive.raw_pages.save(article_id, url, f"<html><p>page {n}</p></html>".encode())
        archive.raw_pages.sync()
        archive.db.execute("update articles set fetched_at = ?", [long_ago])
        archive.db.conn.commit()
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) == 1
    later = datetime.now(UTC) + timedelta(days=62)  # the file's month is over
    with Archive(db) as archive:
        done = prune(archive.db, days=30, base=tmp_path, warc_dir=tmp_path / "warc", now=later)
        assert done.articles == 2 and done.warc_files == []  # the relevant one still in it
        assert files[0].exists()
        assert archive.raw_html("https://news.example/2") is not None
        archive.db.execute("update articles set relevant = 0")
        archive.db.conn.commit()
        done = prune(archive.db, days=30, base=tmp_path, warc_dir=tmp_path / "warc", now=later)
        assert done.articles == 1 and done.warc_files == files and done.warc_bytes > 0
    assert not files[0].exists()
    assert rows(db, "select count(*), count(text), count(warc_filename) from articles") == [
        (3, 0, 0)
    ]
