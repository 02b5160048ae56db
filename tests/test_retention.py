"""Retention (``retention_days``, ``culturewatch archive prune``): old non-relevant articles lose
their text, search entry and raw capture, and their versions (revisits) their texts, diffs and
captures; their row, score, themes and story, and the version rows, stay; nothing else
changes."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browse_helpers import browse_server, crawl_fixture_archive, get
from click.testing import CliRunner
from support.configs import write_settings
from test_captures import copy_archive, rows

from crawler.cli import cli
from storage.archive import Archive
from storage.retention import prune
from storage.web.article_page import article_page
from storage.web.history import article_history

KEPT = (
    "id, url, title, source, source_group, published_at, fetched_at, language, relevance, "
    "relevant, themes, evidence, story_id, author, description"
)
DROPPED = "text, warc_filename, warc_record_offset, warc_record_length"
OTHER_TABLES = ("article_themes", "stories", "pages", "labels", "sources", "story_signatures")
VERSION_KEPT = (
    "id, article_id, version, fetched_at, http_status, url, title, author, authors, "
    "published_at, changes, diff_summary, share_changed, words_added, words_removed"
)
VERSION_DROPPED = "text, diff, warc_filename, warc_record_offset, warc_record_length"


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


def add_versions(conn: sqlite3.Connection, article_id: int, fetched_at: str) -> None:
    """Three versions of the article, as revisits write them: 1 as first archived (its text
    and capture), 2 a body edit (text, word diff, a capture), 3 a removal (no text)."""
    conn.execute(
        "insert into article_versions (article_id, version, fetched_at, http_status, url, "
        "title, text, author, authors, published_at, changes, diff_summary, warc_filename, "
        "warc_record_offset, warc_record_length) select id, 1, fetched_at, 200, url, title, "
        "text, author, authors, published_at, '[]', 'as first archived', warc_filename, "
        "warc_record_offset, warc_record_length from articles where id = ?",
        [article_id],
    )
    conn.execute(
        "insert into article_versions (article_id, version, fetched_at, http_status, url, "
        "title, text, changes, diff_summary, diff, share_changed, words_added, words_removed, "
        "warc_filename, warc_record_offset, warc_record_length) select id, 2, ?, 200, url, "
        "title, text || ' Correction appended later.', '[\"body\"]', "
        '\'body edited (1% of words: +3 −1)\', \'[["=", "kept words"], ["-", "oldword"], '
        '["+", "Correction appended later."]]\', 0.01, 3, 1, warc_filename, '
        "warc_record_offset, warc_record_length from articles where id = ?",
        [fetched_at, article_id],
    )
    conn.execute(
        "insert into article_versions (article_id, version, fetched_at, http_status, url, "
        "changes, diff_summary) select id, 3, ?, 404, url, '[\"removed\"]', 'HTTP 404' "
        "from articles where id = ?",
        [fetched_at, article_id],
    )


def versions(db: Path, columns: str, article_id: int) -> list[tuple]:
    return rows(
        db, f"select {columns} from article_versions where article_id = ? order by version",
        article_id,
    )  # fmt: skip


def test_prune_empties_the_versions_of_pruned_articles_and_keeps_their_rows(
    crawled: Path, tmp_path: Path
) -> None:
    db = copy_archive(crawled, tmp_path / "copy")
    relevant = [r[0] for r in rows(db, "select id from articles where relevant = 1 order by id")]
    others = [r[0] for r in rows(db, "select id from articles where relevant = 0 order by id")]
    old, labelled, kept = others[0], others[1], relevant[0]
    long_ago = (datetime.now(UTC) - timedelta(days=90)).isoformat(timespec="seconds")
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("update articles set fetched_at = ?", [long_ago])
        conn.execute(
            "insert into labels (article_id, label, labelled_by, labelled_at) "
            "values (?, 1, 'ana', ?)",
            [labelled, long_ago],
        )
        for article in (old, labelled, kept):
            add_versions(conn, article, long_ago)
    before = {
        a: (versions(db, VERSION_KEPT, a), versions(db, VERSION_DROPPED, a))
        for a in (old, labelled, kept)
    }
    assert all(v[0] and v[4] for v in before[old][1][:2]), "versions 1, 2 hold text, capture"
    counts = rows(db, "select * from daily_counts order by 1, 2, 3, 4")
    searched = rows(db, "select id from articles_search_docsize order by 1")

    result = CliRunner().invoke(cli, ["archive", "prune", "--days", "30", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "the text of 2 of their versions" in result.output, result.output

    assert versions(db, VERSION_KEPT, old) == before[old][0]  # rows, dates, kinds, summaries
    assert versions(db, VERSION_DROPPED, old) == [(None,) * 5] * 3  # texts, diffs, captures
    for untouched in (labelled, kept):  # a labelled and a relevant article: as they were
        now = (versions(db, VERSION_KEPT, untouched), versions(db, VERSION_DROPPED, untouched))
        assert now == before[untouched], untouched
    # the versions are in neither the search index nor the daily counts: they stay as they
    # were but for the pruned articles leaving the index
    assert rows(db, "select * from daily_counts order by 1, 2, 3, 4") == counts
    indexed = {r[0] for r in rows(db, "select id from articles_search_docsize")}
    assert old not in indexed and {labelled, kept} <= indexed
    assert {r[0] for r in searched} - indexed <= set(others)  # only non-relevant ones left it

    again = CliRunner().invoke(cli, ["archive", "prune", "--days", "30", "--db", str(db)])
    assert "pruned 0 articles" in again.output and "text of 0 of" in again.output, again.output
    # a version an earlier release left holding its text is emptied by the next prune
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "update article_versions set text = 'left by an older release' "
            "where article_id = ? and version = 2",
            [old],
        )
    third = CliRunner().invoke(cli, ["archive", "prune", "--days", "30", "--db", str(db)])
    assert "pruned 0 articles" in third.output and "text of 1 of" in third.output, third.output
    assert versions(db, VERSION_DROPPED, old) == [(None,) * 5] * 3


@pytest.mark.slow  # a Datasette server
def test_a_pruned_articles_history_says_its_versions_texts_were_dropped(
    crawled: Path, tmp_path: Path
) -> None:
    db = copy_archive(crawled, tmp_path / "copy")
    old = rows(db, "select id from articles where relevant = 0 order by id")[0][0]
    kept = rows(db, "select id from articles where relevant = 1 order by id")[0][0]
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("update articles set fetched_at = '2020-01-01T00:00:00+00:00'")
        for article in (old, kept):
            add_versions(conn, article, "2020-02-01T00:00:00+00:00")
    with closing(sqlite3.connect(db)) as conn:
        history = article_history(conn, old)
        assert history is not None and not history.pruned
        assert "<ins>" in history.versions[1].diff_html
    result = CliRunner().invoke(cli, ["archive", "prune", "--days", "30", "--db", str(db)])
    assert result.exit_code == 0, result.output

    with closing(sqlite3.connect(db)) as conn:
        history = article_history(conn, old)
        assert history is not None and history.pruned
        assert [v.number for v in history.versions] == [3, 2, 1]  # every version still listed
        assert [v.diff_pruned for v in history.versions] == [False, True, False]
        assert all(v.diff_html == "" for v in history.versions)
        assert history.versions[1].summary == "body edited (1% of words: +3 −1)"
    with browse_server(db) as server:
        status, page = get(f"{server}/culturewatch/articles/{old}")
        assert status == 200
        section = page.split('<section class="cw-history">')[1].split("</section>")[0]
        assert "texts of its versions were dropped by retention" in section
        assert "Word diff dropped by retention." in section
        assert "Version 2" in section and "body edited (1% of words" in section
        assert "Correction appended later" not in page
        status, page = get(f"{server}/culturewatch/articles/{kept}")  # a relevant one: whole
        section = page.split('<section class="cw-history">')[1].split("</section>")[0]
        assert status == 200 and "<ins>Correction appended later.</ins>" in section
        assert "dropped by retention" not in section
        status, table = get(f"{server}/culturewatch/article_versions?article_id={old}")
        assert status == 200 and "body edited (1% of words" in table
        # versions 1 and 2 had texts, version 2 a diff; the removal (3) had neither
        assert table.count('<span class="cw-pruned">dropped by retention</span>') == 3
        status, table = get(f"{server}/culturewatch/article_versions?article_id={kept}")
        assert status == 200 and "dropped by retention" not in table
        assert "Correction appended later." in table
        status, table = get(f"{server}/culturewatch/articles?id={old}")
        assert status == 200 and "dropped by retention" in table


def test_a_warc_file_a_kept_version_points_into_stays(tmp_path: Path) -> None:
    """A revisit's capture of a kept article keeps its WARC file, though every article row
    pointing into it was pruned; once that article's versions are pruned too, it goes."""
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        for n, relevant in enumerate((0, 1)):
            url = f"https://news.example/{n}"
            article_id, _ = archive.upsert_article(
                {"url": url, "title": f"t{n}", "text": f"text {n}", "relevant": relevant}
            )
            archive.raw_pages.save(article_id, url, f"<html><p>page {n}</p></html>".encode())
        archive.raw_pages.sync()
        add_versions(archive.db.conn, 2, "2020-02-01T00:00:00+00:00")
        # its own first capture in a file of an older release: only its versions point here
        archive.db.execute("update articles set warc_filename = 'elsewhere.warc.gz' where id = 2")
        archive.db.execute("update articles set fetched_at = '2020-01-01T00:00:00+00:00'")
        archive.db.conn.commit()
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) == 1
    later = datetime.now(UTC) + timedelta(days=62)  # the file's month is over
    with Archive(db) as archive:
        done = prune(archive.db, days=30, base=tmp_path, warc_dir=tmp_path / "warc", now=later)
        assert (done.articles, done.versions, done.warc_files) == (1, 0, [])
        assert files[0].exists()
        archive.db.execute("update articles set relevant = 0")
        archive.db.conn.commit()
        done = prune(archive.db, days=30, base=tmp_path, warc_dir=tmp_path / "warc", now=later)
        assert (done.articles, done.versions, done.warc_files) == (1, 2, files)
    assert not files[0].exists()
    assert rows(db, "select count(*), count(text), count(warc_filename) from article_versions") == [
        (3, 0, 0)
    ]
