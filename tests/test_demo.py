"""``culturewatch demo``: the synthetic site, the demo crawl into its own archive, a rebuild.

The crawl runs ``culturewatch demo --no-browse`` in its own process (Twisted's reactor runs
once per process); the demo talks only to the site it serves on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.config import Source
from crawler.demo.site import build_site, load_data
from storage.archive import Archive


def _demo(db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--no-browse", "--db", str(db)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


def _table_counts(db: Path) -> dict[str, int]:
    return {
        t: _rows(db, f"select count(*) from {t}")[0][0]
        for t in ("articles", "article_themes", "stories", "sources")
    }


def test_the_site_lists_every_article_dated_this_week_in_both_scripts() -> None:
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    site = build_site("http://127.0.0.1:9", now=now)
    data = load_data()
    articles = {p: page for p, page in site.pages.items() if p.endswith(".html")}
    assert (
        site.articles
        == len(articles)
        == len(data["articles"]) + 1 + len(data["syndicated"]["copies"])
    )
    listings = [site.pages[urlsplit(s.url).path].body.decode() for s in site.sources]
    for path in articles:  # every page is listed by its outlet's feed or sitemap
        assert sum(f"http://127.0.0.1:9{path}" in text for text in listings) == 1, path
    assert {s.kind for s in site.sources} == {"feed", "sitemap"}
    assert any("<feed" in t for t in listings) and any("<rss" in t for t in listings)
    langs = {page.body.decode().split('lang="')[1].split('"')[0] for page in articles.values()}
    assert langs == {"en", "zh-Hans", "zh-Hant"}
    dates = [
        datetime.fromisoformat(page.body.decode().split('published_time" content="')[1][:25])
        for page in articles.values()
    ]
    assert all(now - timedelta(days=7) < d <= now for d in dates)
    assert sum(d.date() == now.date() for d in dates) >= 3  # a front page of today has some
    # the wire story: one text, each copy with its own headline and furniture
    wire = data["syndicated"]["paras"][1]
    copies = [p.body.decode() for p in articles.values() if wire in p.body.decode()]
    assert len(copies) == 1 + len(data["syndicated"]["copies"]) >= 4
    assert len({c.split("<h1>")[1].split("</h1>")[0] for c in copies}) == len(copies)


def test_the_demo_refuses_an_archive_of_real_sources(tmp_path: Path) -> None:
    db = tmp_path / "culturewatch.db"
    with Archive(db) as archive:
        archive.sync_sources([Source("diplomat", "https://thediplomat.com/feed/", "feed")])
    before = db.read_bytes()
    result = CliRunner().invoke(cli, ["demo", "--no-browse", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and "not a demo archive" in result.output
    assert "diplomat" in result.output
    assert db.read_bytes() == before  # nothing crawled into it


def test_a_port_in_use_is_one_line_before_anything_is_built(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["demo", "--db", str(db), "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"culturewatch: demo failed: cannot serve on 127.0.0.1:{port}: Address already in use\n"
    )
    assert not db.exists()


@pytest.mark.slow
def test_demo_builds_an_archive_offline_and_a_rebuild_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "somewhere" / "demo.db"
    first = _demo(db, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert not (tmp_path / "config").exists()  # the user's configuration is left alone

    # relevant articles in several themes and both languages
    themes = _rows(
        db,
        "select distinct t.value from articles a, json_each(a.themes) t where a.relevant = 1",
    )
    assert len(themes) >= 3, themes
    assert {r[0] for r in _rows(db, "select language from articles where relevant = 1")} >= {
        "en",
        "zh",
    }
    assert _rows(db, "select count(*) from articles where relevant = 0")[0][0] >= 1
    # the wire story, carried by at least three outlets
    assert _rows(db, "select max(source_count) from stories")[0][0] >= 3
    # nothing but the loopback site was asked for
    hosts = {
        urlsplit(u).hostname
        for (u,) in _rows(db, "select url from pages union select url from sources")
    }
    assert hosts == {"127.0.0.1"}
    counts = _table_counts(db)
    assert counts["articles"] == _rows(db, "select count(*) from pages")[0][0] > 20
    for word in ("articles", "relevant", "themes:", "most amplified story", "en ", "zh "):
        assert word in first.stdout, first.stdout

    # a rebuild, on the same port: every article is known
    second = _demo(db, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "new 0" in second.stdout and f"skipped as known {counts['articles']}" in second.stdout
    assert _table_counts(db) == counts

    # a rebuild when that port is taken: the same texts are duplicates, none is added
    (url,) = _rows(db, "select url from sources limit 1")[0]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", urlsplit(url).port or 0))
        taken.listen()
        third = _demo(db, tmp_path)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "new 0" in third.stdout and f"duplicates {counts['articles']}" in third.stdout
    assert _table_counts(db) == counts
