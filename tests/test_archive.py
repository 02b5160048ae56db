"""The archive: schema by migrations, upserts on the canonical URL, state that survives runs."""

from __future__ import annotations

import json

import pytest

from crawler.config import Source
from storage.archive import Archive
from storage.runs import finish_run, start_run
from storage.search_query import fts_query


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "data" / "a.db") as archive:
        yield archive


def record(url="https://news.example/a/1", **extra):
    return {"url": url, "title": "T", "text": "Body text " * 20, "source": "s", **extra}


def test_new_archive_has_the_contract_columns_and_wal(archive):
    columns = set(archive.db["articles"].columns_dict)
    assert {
        "url",
        "title",
        "text",
        "source",
        "published_at",
        "fetched_at",
        "language",
        "relevance",
        "relevant",
        "themes",
    } <= columns
    assert archive.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert archive.db["articles_search"].exists()
    assert {"pages", "sources", "runs", "http_validators", "article_themes"} <= set(
        archive.db.table_names()
    )


def test_migrations_are_idempotent(tmp_path):
    path = tmp_path / "a.db"
    Archive(path).close()
    with Archive(path) as again:
        again.migrate()
        names = [r["name"] for r in again.db["_sqlite_migrations"].rows]
    assert names == sorted(set(names), key=names.index)  # each applied once


def test_upsert_on_url_keeps_one_row_and_first_fetch_time(archive):
    first_id, inserted = archive.upsert_article(record(fetched_at="2025-01-01T00:00:00+00:00"))
    again_id, inserted_again = archive.upsert_article(record(title="New title", author=""))
    assert (inserted, inserted_again) == (True, False)
    assert first_id == again_id
    row = archive.db["articles"].get(first_id)
    assert row["title"] == "New title"
    assert row["fetched_at"] == "2025-01-01T00:00:00+00:00"
    assert archive.count() == 1


def test_scores_stay_null_until_scored_then_are_queryable(archive):
    article_id, _ = archive.upsert_article(record(tags=["a", "b"]))
    row = archive.db["articles"].get(article_id)
    assert (row["relevance"], row["relevant"], row["themes"]) == (None, None, None)
    assert json.loads(row["tags"]) == ["a", "b"]
    archive.set_relevance(
        article_id,
        relevance=0.8,
        relevant=True,
        themes=["films_games"],
        theme_scores={"films_games": 0.8, "heritage_unesco": 0.0},
        evidence={"films_games": [{"term": "Ne Zha", "where": "title"}]},
    )
    row = archive.db["articles"].get(article_id)
    assert (row["relevance"], row["relevant"], json.loads(row["themes"])) == (
        0.8,
        1,
        ["films_games"],
    )
    assert list(archive.db.query("select theme, score from article_themes")) == [
        {"theme": "films_games", "score": 0.8}
    ]


def test_known_urls_are_archived_or_final_pages(archive):
    archive.upsert_article(record("https://news.example/a/1"))
    archive.record_page("https://news.example/gone", source="s", outcome="gone", http_status=404)
    archive.record_page("https://news.example/later", source="s", outcome="failed", http_status=503)
    archive.record_page("https://news.example/pdf", source="s", outcome="not_html")
    known = archive.known(
        [
            "https://news.example/a/1",
            "https://news.example/gone",
            "https://news.example/later",
            "https://news.example/pdf",
            "https://news.example/new",
        ]
    )
    assert known == {
        "https://news.example/a/1",
        "https://news.example/gone",
        "https://news.example/pdf",
    }


def test_raw_html_is_compressed_and_round_trips(archive):
    body = ("<html>" + "<p>same words</p>" * 2000 + "</html>").encode()
    url = "https://news.example/a/1"
    article_id, _ = archive.upsert_article({"url": url, "title": "t", "text": "x"})
    archive.raw_pages.save(article_id, url, body, headers=[("Content-Type", "text/html")])
    stored = archive.db.execute("select warc_record_length from articles").fetchone()[0]
    assert stored < len(body) / 10
    assert archive.raw_html(url) == body


def test_full_text_search_follows_upserts(archive):
    archive.upsert_article(
        record(title="Hanfu weekend", text="Crowds in hanfu filled the old town.")
    )
    hits = archive.db.execute(
        "select title from articles where id in "
        "(select rowid from articles_search where articles_search match ?)",
        [fts_query("hanfu")],
    ).fetchall()
    assert hits == [("Hanfu weekend",)]


def test_source_health_counts_failures_in_a_row(archive):
    archive.sync_sources([Source(name="s", url="https://news.example/rss", kind="feed")])
    archive.record_source_result("s", ok=False, status="failed", error="HTTP 500", new=0)
    archive.record_source_result("s", ok=False, status="failed", error="HTTP 502", new=0)
    row = archive.db["sources"].get("s")
    assert (row["failures_in_row"], row["last_error"], row["last_success_at"]) == (
        2,
        "HTTP 502",
        None,
    )
    archive.record_source_result("s", ok=True, status="ok", error=None, new=3)
    row = archive.db["sources"].get("s")
    assert (row["failures_in_row"], row["last_error"], row["last_new"]) == (0, None, 3)
    assert row["last_success_at"]


def test_runs_record_counts_and_errors(archive):
    run_id = start_run(archive)
    finish_run(
        archive,
        run_id,
        status="finished",
        counts={"new": 3, "fetched": 4},
        errors={"s": "HTTP 500"},
    )
    row = archive.db["runs"].get(run_id)
    assert (row["status"], row["new"], json.loads(row["errors"])) == (
        "finished",
        3,
        {"s": "HTTP 500"},
    )
    assert row["ended_at"] >= row["started_at"]


def test_a_write_waits_for_another_writer_instead_of_failing(tmp_path):
    import sqlite3
    import threading
    import time

    path = tmp_path / "a.db"
    Archive(path).close()
    holding = threading.Event()

    def other_writer():
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "insert into pages (url, source, outcome) values ('https://o.example/', 's', 'gone')"
        )
        holding.set()
        time.sleep(0.5)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    holding.wait(5)
    with Archive(path) as archive:
        # read, then write, in one transaction while the other connection holds the lock
        with archive.transaction():
            assert not archive.has_article("https://news.example/a/1")
            archive.upsert_article(record())
        thread.join()
        assert archive.count() == 1 and archive.count("pages") == 1


def test_a_run_left_running_by_a_dead_crawl_is_closed_as_crashed(archive):
    stale = start_run(archive)  # the process died without finishing it
    current = start_run(archive)
    assert archive.db["runs"].get(stale)["status"] == "crashed"
    assert archive.db["runs"].get(current)["status"] == "running"


def test_an_archive_of_an_older_release_is_brought_up_to_date_by_read_commands(tmp_path):
    """An archive migrated only up to m005 (the previous release): `digest` and `stories`
    apply the pending migrations first, and every article then has a story."""
    import sqlite3

    import sqlite_utils
    from click.testing import CliRunner

    from crawler.cli import cli
    from storage.schema import migrations

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m006_stories")
    for i in range(3):
        old["articles"].insert(
            {
                "url": f"https://news.example/{i}",
                "title": f"Story {i}",
                "text": "text " * 50,
                "source": "s",
                "language": "en-GB",
                "fetched_at": "2026-03-04T10:00:00+00:00",
                "published_at": f"2026-03-0{i + 1}T08:00:00+00:00",
            }
        )
    old.close()
    runner = CliRunner()
    result = runner.invoke(
        cli, ["digest", "--db", str(path), "--date", "2026-03-04", "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["stories", "--db", str(path)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(path) as conn:
        assert conn.execute("select count(*) from articles where story_id is null").fetchone() == (
            0,
        )
        assert conn.execute("select first_seen, languages from stories order by id").fetchall()[
            0
        ] == (
            "2026-03-01T08:00:00+00:00",
            '["en"]',
        )
