"""Faults a crawl must survive without losing or duplicating an article.

Real faults, not mocks: a second process holding SQLite's write lock, a full disk (a
small tmpfs in a private mount namespace), a hostile local site (long Retry-After,
redirect loops, oversized pages, a gzip bomb, a sitemap index listing itself), signals
and ``kill -9`` at random moments.
"""

from __future__ import annotations

import gzip
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support import FixtureServer, Route, crawl_cli, loopback_alias, write_settings, write_sources

from storage.archive import Archive

pytestmark = pytest.mark.slow  # every test here is an end-to-end crawl under a fault

WORDS = (
    "festival opera museum lantern silk pottery film studio animation heritage temple "
    "garden calligraphy poetry tea porcelain dragon dance theatre orchestra painting"
).split()


def article_html(n: int) -> str:
    """A page of its own text (no two alike), long enough to be extracted."""
    rng = random.Random(n)
    sentences = [
        f"Report {n}, part {i}: the {' '.join(rng.sample(WORDS, 6))} drew visitors "
        f"from {n * 7 + i} towns, organisers said on day {i} of the season."
        for i in range(14)
    ]
    body = "".join(f"<p>{s}</p>" for s in sentences)
    return (
        f"<html lang='en'><head><title>Story number {n}</title></head>"
        f"<body><article><h1>Story number {n}</h1>{body}</article></body></html>"
    )


def feed_xml(links: list[str]) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>{link}</link>"
        f"<pubDate>Tue, 04 Mar 2025 {i % 24:02d}:00:00 GMT</pubDate></item>"
        for i, link in enumerate(links)
    )
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
    )


def news_site(srv: FixtureServer, n: int, *, etag: str | None = "v1") -> list[str]:
    """*n* article pages and an RSS feed (with an ETag) listing them; returns their URLs."""
    paths = [f"/news/{i}.html" for i in range(n)]
    for i, path in enumerate(paths):
        srv.routes[path] = Route(article_html(i))
    srv.routes["/feed.xml"] = Route(
        feed_xml([srv.url(p) for p in paths]), content_type="application/rss+xml", etag=etag
    )
    return [srv.url(p) for p in paths]


def setup(tmp_path: Path, srv: FixtureServer, **settings) -> tuple[Path, Path, Path]:
    config = tmp_path / "config"
    write_settings(config, **settings)
    sources = write_sources(
        tmp_path / "sources.toml", [{"name": "s", "url": srv.url("/feed.xml"), "kind": "feed"}]
    )
    return config, sources, tmp_path / "archive.db"


def crawl(
    config: Path, sources: Path, db: Path, timeout: float = 120
) -> subprocess.CompletedProcess:
    result = crawl_cli(config, sources, db, "--allow-private-networks", timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def error_lines(stderr: str) -> list[str]:
    """stderr without the progress lines a crawl of more than 10 s writes there."""
    return [line for line in stderr.strip().splitlines() if not line.startswith("progress: ")]


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def archived_once(db: Path, urls: list[str]) -> None:
    """Every URL archived, each exactly once, and the archive intact."""
    assert rows(db, "pragma integrity_check") == [("ok",)]
    got = [u for (u,) in rows(db, "select url from articles")]
    assert sorted(got) == sorted(urls)
    assert rows(db, "select count(*) from articles where warc_record_length > 0") == [(len(urls),)]
    with Archive(db, readonly=True) as archive:  # every capture there, where its row says
        assert all(archive.raw_html(url) for url in urls)
    # indexed: the rows of the index (articles_search itself reads through our functions)
    assert rows(db, "select count(*) from articles_search_docsize") == [(len(urls),)]


def hold_write_lock(db: Path, seconds: float, when: threading.Event) -> threading.Thread:
    """From another process, hold SQLite's write lock on *db* for *seconds* once *when* is set."""

    def run() -> None:
        when.wait(60)
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys, time\n"
                "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                "c.execute('begin immediate')\n"
                "print('held', flush=True)\n"
                "time.sleep(float(sys.argv[2]))\n"
                "c.execute('commit')\n",
                str(db),
                str(seconds),
            ],
            check=True,
            timeout=seconds + 30,
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def when_fetched(srv: FixtureServer, count: int) -> threading.Event:
    """An event set once the server has answered *count* article requests."""
    event = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len([h for h in list(srv.log) if h.path.startswith("/news/")]) >= count:
                event.set()
                return
            time.sleep(0.01)

    threading.Thread(target=watch, daemon=True).start()
    return event


def _start(config: Path, sources: Path, db: Path, *, capture: bool = False) -> subprocess.Popen:
    """``culturewatch crawl`` started in the background (its output kept when *capture*)."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--sources"]
        + [str(sources), "--db", str(db), "--allow-private-networks"],
        stdout=out,
        stderr=out,
        text=True,
    )


# ---------------------------------------------------------------------------- write failures
def test_a_lock_held_mid_crawl_is_waited_for(tmp_path):
    with FixtureServer() as srv:
        urls = news_site(srv, 12)
        config, sources, db = setup(
            tmp_path, srv, politeness={"download_delay": 0.05}, **{"crawl.write_retry_seconds": 30}
        )
        holder = hold_write_lock(db, 4, when_fetched(srv, 3))
        started = time.monotonic()
        result = crawl(config, sources, db)
        holder.join()
        assert result.returncode == 0, result.stdout + result.stderr
        assert time.monotonic() - started >= 3.5  # it waited for the lock instead of dropping
        archived_once(db, urls)
        assert rows(db, "select status, new from runs") == [("finished", 12)]


def test_a_lock_held_past_the_retry_time_stops_the_crawl_and_loses_nothing(tmp_path):
    with FixtureServer() as srv:
        urls = news_site(srv, 12)
        config, sources, db = setup(
            tmp_path, srv, politeness={"download_delay": 0.1}, **{"crawl.write_retry_seconds": 1}
        )
        holder = hold_write_lock(db, 6, when_fetched(srv, 3))
        first = crawl(config, sources, db)
        holder.join()
        assert first.returncode == 1
        lines = error_lines(first.stderr)
        assert len(lines) == 1 and "archive write failed" in lines[0], first.stderr
        assert "database is locked" in lines[0]
        status, errors = rows(db, "select status, errors from runs")[0]
        assert status == "failed" and "archive write failed" in errors
        # the feed's ETag was not kept: the next crawl reads the feed and gets the rest
        assert rows(db, "select count(*) from http_validators") == [(0,)]
        assert len(rows(db, "select url from articles")) < len(urls)
        second = crawl(config, sources, db)
        assert second.returncode == 0, second.stdout + second.stderr
        archived_once(db, urls)
        assert rows(db, "select count(*) from http_validators") == [(1,)]


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        [
            "unshare",
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || mount -t tmpfs -o size=64k tmpfs /tmp",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


def test_a_full_disk_mid_crawl_then_freed_loses_nothing(tmp_path):
    """The archive on a small tmpfs (a private mount namespace): a filler file leaves room
    for a few articles, the crawl fills the disk, the filler is removed, a second crawl."""
    if not _can_mount_tmpfs():
        pytest.skip("cannot mount a tmpfs in a user namespace here (unshare)")
    with FixtureServer() as srv:
        urls = news_site(srv, 30)
        config, sources, _ = setup(
            tmp_path, srv, politeness={"download_delay": 0.02}, **{"crawl.write_retry_seconds": 1}
        )
        disk = tmp_path / "disk"
        disk.mkdir()
        out = tmp_path / "out"
        out.mkdir()
        script = f"""
set -u
mount -t tmpfs -o size=16m tmpfs {disk}
db={disk}/a.db
run() {{ {sys.executable} -m crawler crawl --config {config} --sources {sources} --db $db \\
        --allow-private-networks > {out}/$1.out 2> {out}/$1.err; echo $? > {out}/$1.rc; }}
{sys.executable} -c "from storage.archive import Archive; Archive('$db').close()"
free=$(df --output=avail -B1 {disk} | tail -1)
head -c $((free - 90000)) /dev/zero > {disk}/filler 2>/dev/null
run first
rm {disk}/filler
run second
{sys.executable} -c "import sqlite3; c = sqlite3.connect('$db'); c.execute('pragma wal_checkpoint(truncate)')"
cp $db {out}/a.db
cp -r {disk}/warc {out}/warc
"""
        subprocess.run(
            ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
            check=True,
            timeout=240,
        )
        first_rc = int((out / "first.rc").read_text())
        first_err = (out / "first.err").read_text()
        assert "Traceback" not in first_err, first_err
        assert first_rc == 1, (out / "first.out").read_text() + first_err
        assert len(error_lines(first_err)) == 1
        assert "disk is full" in first_err or "disk" in first_err.lower(), first_err
        second_err = (out / "second.err").read_text()
        assert int((out / "second.rc").read_text()) == 0, second_err
        db = out / "a.db"
        archived_once(db, urls)
        statuses = [s for (s,) in rows(db, "select status from runs order by id")]
        assert statuses[-1] == "finished" and statuses[0] in ("failed", "crashed")


# ---------------------------------------------------------------------------- waits and give-up
def test_a_long_retry_after_defers_the_url_not_the_host(tmp_path):
    with FixtureServer() as srv:
        news_site(srv, 21)
        slow = "/news/7.html"
        srv.routes[slow] = Route("wait", status=429, headers={"Retry-After": "3600"})
        config, sources, db = setup(tmp_path, srv, politeness={"download_delay": 0.2})
        started = time.monotonic()
        result = crawl(config, sources, db)
        took = time.monotonic() - started
        assert result.returncode == 0, result.stdout + result.stderr
        assert took < 30, took  # 21 requests at 0.2 s, not a host slowed for an hour
        assert len(srv.requests(slow)) == 1  # not retried in this crawl
        assert len(rows(db, "select url from articles")) == 20
        outcome, status, retry_at, error = rows(
            db,
            "select outcome, http_status, retry_at, error from pages where url = ?",
            srv.url(slow),
        )[0]
        assert (outcome, status) == ("deferred", 429) and "Retry-After" in error
        assert retry_at > time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 3500))
        assert "deferred 1" in result.stdout
        # not due yet: the next crawl leaves it alone (the feed is not modified anyway)
        srv.routes["/feed.xml"].etag = "v2"
        crawl(config, sources, db)
        assert len(srv.requests(slow)) == 1


@pytest.mark.slow
def test_a_long_retry_after_at_default_politeness_finishes_within_a_minute(tmp_path):
    with FixtureServer() as srv:
        urls = news_site(srv, 21)
        srv.routes["/news/3.html"] = Route("wait", status=429, headers={"Retry-After": "3600"})
        config = tmp_path / "config"
        config.mkdir()
        shutil.copy(Path(__file__).parents[1] / "config" / "themes.toml", config)
        sources = write_sources(
            tmp_path / "sources.toml", [{"name": "s", "url": srv.url("/feed.xml"), "kind": "feed"}]
        )
        db = tmp_path / "archive.db"
        started = time.monotonic()
        result = crawl(config, sources, db)
        assert result.returncode == 0, result.stdout + result.stderr
        assert time.monotonic() - started < 60
        archived = {u for (u,) in rows(db, "select url from articles")}
        assert archived == set(urls) - {srv.url("/news/3.html")}


def test_sigterm_ends_a_crawl_within_10_seconds(tmp_path):
    with FixtureServer() as srv:
        news_site(srv, 6)
        srv.routes["/news/1.html"] = Route("hangs", delay=60)  # answers after the timeout
        srv.routes["/news/2.html"] = Route("busy", status=503, headers={"Retry-After": "100"})
        config, sources, db = setup(
            tmp_path, srv, politeness={"timeout": 60, "retry_backoff_max": 120, "retry_times": 3}
        )
        proc = _start(config, sources, db, capture=True)
        deadline = time.monotonic() + 30
        while len(srv.requests("/news/2.html")) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert time.monotonic() - sent < 10
        assert "Traceback" not in err, err
        assert rows(db, "select status from runs") == [("interrupted",)]
        assert "crawl interrupted" in out
        # what was not fetched or not finished is not counted as an attempt
        assert rows(db, "select count(*) from pages where url like '%/news/1.html'") == [(0,)]


def test_failed_pages_are_retried_with_spacing_then_given_up(tmp_path):
    with FixtureServer() as srv:
        urls = news_site(srv, 3)
        srv.routes["/news/0.html"] = Route("broken", status=500)
        config, sources, db = setup(
            tmp_path, srv, **{"crawl.page_attempts": 3, "crawl.page_retry_spacing": 0}
        )
        srv.routes["/feed.xml"].etag = None  # read the feed every time
        for expected in (("failed", 1), ("failed", 2), ("given_up", 3)):
            crawl(config, sources, db)
            assert rows(db, "select outcome, attempts from pages where url = ?", urls[0]) == [
                expected
            ]
        assert (
            "given up after 3 attempts: HTTP 500"
            in rows(db, "select error from pages where url = ?", urls[0])[0][0]
        )
        result = crawl(config, sources, db)
        assert len(srv.requests("/news/0.html")) == 3 * 2  # (1 + retry_times) per attempt
        assert "given up" not in result.stdout  # nothing given up in this crawl
        # with spacing, a failed page waits for a later crawl
        config2, sources2, db2 = setup(
            tmp_path / "b", srv, **{"crawl.page_attempts": 3, "crawl.page_retry_spacing": 3600}
        )
        srv.clear_log()
        crawl(config2, sources2, db2)
        crawl(config2, sources2, db2)
        assert len(srv.requests("/news/0.html")) == 2  # one crawl's fetch and its retry
        (retry_at,) = rows(db2, "select retry_at from pages where url = ?", urls[0])[0]
        assert retry_at > time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 3500))


def test_oversized_pages_and_gzip_bombs_are_not_downloaded_again(tmp_path):
    with FixtureServer() as srv:
        news_site(srv, 3)
        srv.routes["/feed.xml"].etag = None
        srv.routes["/news/0.html"] = Route("<p>" + "x" * 200_000 + "</p>")
        bomb = gzip.compress(b"<html><body>" + b"a" * 5_000_000 + b"</body></html>")
        srv.routes["/news/1.html"] = Route(bomb, headers={"Content-Encoding": "gzip"})
        config, sources, db = setup(tmp_path, srv, politeness={"max_response_size": 100_000})
        crawl(config, sources, db)
        crawl(config, sources, db)
        outcomes = dict(rows(db, "select url, outcome from pages"))
        assert outcomes[srv.url("/news/0.html")] == "too_large"
        assert outcomes[srv.url("/news/1.html")] == "too_large"
        assert len(srv.requests("/news/0.html")) == 1
        assert len(srv.requests("/news/1.html")) == 1


# ---------------------------------------------------------------------------- hostile listings
def test_a_sitemap_index_listing_itself_is_read_once(tmp_path):
    with FixtureServer() as srv:
        urls = news_site(srv, 2)
        index = srv.url("/sitemap.xml")
        entries = "".join(f"<sitemap><loc>{index}</loc></sitemap>" for _ in range(20))
        entries += f"<sitemap><loc>{srv.url('/child.xml')}</loc></sitemap>" * 3
        srv.routes["/sitemap.xml"] = Route(
            f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"{entries}</sitemapindex>",
            content_type="application/xml",
        )
        urlset = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
        srv.routes["/child.xml"] = Route(
            f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"{urlset}</urlset>",
            content_type="application/xml",
        )
        config = tmp_path / "config"
        write_settings(config)
        sources = write_sources(
            tmp_path / "s.toml", [{"name": "s", "url": index, "kind": "sitemap"}]
        )
        db = tmp_path / "a.db"
        result = crawl(config, sources, db)
        assert result.returncode == 0, result.stderr
        assert len(srv.requests("/sitemap.xml")) == 1
        assert len(srv.requests("/child.xml")) == 1
        archived_once(db, urls)


def test_redirect_loops_are_recorded_as_failures(tmp_path):
    with FixtureServer() as srv:
        news_site(srv, 3)
        srv.routes["/news/0.html"] = Route(status=301, location=srv.url("/news/0.html"))
        srv.routes["/news/1.html"] = Route(status=302, location=srv.url("/loop/b.html"))
        srv.routes["/loop/b.html"] = Route(status=302, location=srv.url("/news/1.html"))
        config, sources, db = setup(tmp_path, srv)
        result = crawl(config, sources, db)
        assert result.returncode == 0
        pages = {u: (o, e) for u, o, e in rows(db, "select url, outcome, error from pages")}
        for path in ("/news/0.html", "/news/1.html"):
            outcome, error = pages[srv.url(path)]
            assert outcome == "failed" and "redirect loop" in error
        assert len(srv.requests("/news/0.html")) == 1
        assert len(srv.requests("/loop/b.html")) == 1
        assert "failed pages 2" in result.stdout


def test_meta_refreshes_are_followed_on_small_and_large_pages(tmp_path):
    """A meta refresh in the head is followed whether the page is short or long (the
    crawl reads only the head of a long one for it)."""
    with FixtureServer() as srv:
        news_site(srv, 3)
        for n, padding in ((0, 0), (1, 40_000)):
            srv.routes[f"/news/{n}.html"] = Route(
                f"<html><head><meta http-equiv='refresh' content='0;url=/moved/{n}.html'>"
                f"<title>moved</title></head><body>{'<!-- pad -->' * (padding // 12)}"
                "<p>This page has moved.</p></body></html>"
            )
            srv.routes[f"/moved/{n}.html"] = Route(article_html(n))
        config, sources, db = setup(tmp_path, srv)
        result = crawl(config, sources, db)
        assert result.returncode == 0, result.stderr
        for n in (0, 1):
            assert len(srv.requests(f"/moved/{n}.html")) == 1
        titles = {t for (t,) in rows(db, "select title from articles")}
        assert {"Story number 0", "Story number 1", "Story number 2"} <= titles


# ---------------------------------------------------------------------------- crashes
def test_a_crashed_run_gets_its_counts_and_end_time(tmp_path):
    with FixtureServer() as srv:
        news_site(srv, 12)
        config, sources, db = setup(tmp_path, srv, politeness={"download_delay": 0.2})
        proc = _start(config, sources, db)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (
                db.exists()
                and rows(db, "select count(*) from sqlite_master where name='articles'")[0][0]
            ):
                if rows(db, "select count(*) from articles")[0][0] >= 3:
                    break
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        crawl(config, sources, db)
        first = rows(db, "select status, ended_at, new, fetched from runs order by id")[0]
        assert first[0] == "crashed"
        assert first[1] is not None and first[2] >= 3 and first[3] >= first[2]


@pytest.mark.slow
def test_chaos_kill_9_at_random_moments_then_a_clean_crawl(tmp_path):
    """Several crawls killed outright at random moments, then one left to finish: the
    archive is intact and every article is in it exactly once."""
    rng = random.Random(20261202)
    with FixtureServer() as srv:
        urls = news_site(srv, 40)
        srv.routes["/feed.xml"].etag = None
        config, sources, db = setup(tmp_path, srv, politeness={"download_delay": 0.05})
        for _ in range(6):
            proc = _start(config, sources, db)
            time.sleep(rng.uniform(1.0, 4.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert rows(db, "pragma integrity_check") == [("ok",)]
        result = crawl(config, sources, db)
        assert result.returncode == 0, result.stderr
        archived_once(db, urls)
        assert rows(db, "select count(*) from runs where status = 'running'") == [(0,)]
        assert rows(
            db,
            "select count(*) from pages where url in (select url from articles) "
            "and outcome != 'archived'",
        ) == [(0,)]


def test_retries_waiting_for_their_time_do_not_hold_up_other_hosts(tmp_path):
    """Twelve pages of one host answer 503 with Retry-After 4, more than the four requests
    allowed in flight: the other host's pages are fetched at once, not after the waits."""
    with FixtureServer() as busy, FixtureServer(host=loopback_alias()) as calm:
        news_site(busy, 12)
        for i in range(12):
            busy.routes[f"/news/{i}.html"] = Route("busy", status=503, headers={"Retry-After": "4"})
        calm_urls = news_site(calm, 3)
        config = tmp_path / "config"
        write_settings(config, politeness={"concurrent_requests": 4, "retry_times": 1})
        sources = write_sources(
            tmp_path / "s.toml",
            [
                {"name": "busy", "url": busy.url("/feed.xml"), "kind": "feed"},
                {"name": "calm", "url": calm.url("/feed.xml"), "kind": "feed"},
            ],
        )
        db = tmp_path / "a.db"
        result = crawl(config, sources, db)
        assert result.returncode == 0, result.stdout + result.stderr
        first_503 = min(h.time for h in busy.log if h.status == 503)
        calm_pages = [h.time for h in calm.log if h.path.startswith("/news/")]
        assert len(calm_pages) == 3
        assert max(calm_pages) - first_503 < 3.0  # not behind the 4 s waits
        retries = [h for h in busy.log if h.status == 503]
        assert len(retries) == 24  # each page once and once again after its wait
        assert {u for (u,) in rows(db, "select url from articles")} == set(calm_urls)
