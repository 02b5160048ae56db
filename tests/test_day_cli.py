"""The analyst's day, round two (issue 29): the printed URL, failures as news, one first
carrier, and the smaller mends of the command line.

Every command runs in its own process (``culturewatch ...``), on a real demo archive built
once by ``culturewatch demo --no-browse`` (the demo's own site on 127.0.0.1).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browse_helpers import CULTUREWATCH, free_port, get
from support import write_settings, write_sources
from support.mailbox import Mailbox, WebhookReceiver
from test_alerts import smtp_table
from test_schedule import _no_scheduler_left_behind, make_config, start_scheduler, stop, wait_for
from test_schedule import rows as sched_rows

from storage.formats import parse_iso, readable_time

pytestmark = pytest.mark.slow
__all__ = ["_no_scheduler_left_behind"]  # test_schedule's fixture: no scheduler left running

# an alert on the demo's amplified story (its copies say "animation" in English)
ANIMATION = """
[delivery]
backoff = 0.01

[[alerts]]
name = "animation"
query = "animation"
frequency = "after_crawl"
min_relevance = 0.3
"""


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREWATCH_")}
    return subprocess.run(
        [CULTUREWATCH, *args], env={**clean, **(env or {})}, cwd=cwd,
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("day-demo") / "demo.db"
    result = run("demo", "--no-browse", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return db


@contextmanager
def serving(*args: str, log: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run ``culturewatch ARGS`` (browse or demo) until it prints its "Serving ..." line;
    yields the URL that line gives and the process."""
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [CULTUREWATCH, *args], stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            found = re.search(r"^Serving .* at (\S+) \(Ctrl-C", log.read_text(), re.M)
            if found:
                break
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        url = found.group(1)
        for _ in range(300):  # the line comes just before uvicorn listens
            try:
                get(url + "-/versions.json")
                break
            except OSError:
                time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# --------------------------------------------------------------------------- 1. the door
@pytest.mark.parametrize("command", ["browse", "demo"])
def test_the_printed_url_is_the_front_page(command: str, demo_db: Path, tmp_path: Path) -> None:
    port = free_port()
    with serving(command, "--db", str(demo_db), "--port", str(port), log=tmp_path / "log") as (
        url,
        _,
    ):
        assert url == f"http://127.0.0.1:{port}/"
        status, page = get(url)
        assert status == 200 and "cw-front" in page  # the front page, not the SQL box
        assert 'href="/culturewatch"' in page  # the database page one click away


# --------------------------------------------------------------------------- 2. failures are news
def _offline(*args: str) -> subprocess.CompletedProcess[str]:
    """``culturewatch ARGS`` in a network namespace of its own: no network at all."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREWATCH_")}
    return subprocess.run(
        ["unshare", "-rn", CULTUREWATCH, *args], env=clean,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def offline_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:  # fmt: skip
    """The demo archive, then an offline crawl of the default sources into it."""
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("no user and network namespaces here (unshare -rn)")
    db = tmp_path_factory.mktemp("day-offline") / "offline.db"
    shutil.copyfile(demo_db, db)
    return db, _offline("crawl", "--db", str(db))


def test_an_offline_crawl_of_the_defaults_exits_69_with_one_line(
    offline_db: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, result = offline_db
    assert result.returncode == 69, result.stderr  # EXIT_UNREACHABLE, not 0
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("culturewatch: crawl reached no source: all ")
    assert re.search(r"all (\d+) sources failed", line)


def test_the_front_page_says_every_source_failed(
    offline_db: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    db, _ = offline_db
    port = free_port()
    with serving("browse", "--db", str(db), "--port", str(port), log=tmp_path / "log") as (url, _):
        status, page = get(url)
        assert status == 200
        banner = re.search(r'<p class="cw-failing cw-failing-all"[^>]*>(.*?)</p>', page, re.S)
        assert banner, page[:3000]
        text = re.sub(r"<[^>]+>", "", banner.group(1))
        assert "Every source is failing." in text
        assert re.search(
            r"Every source failed the last crawl \((\d+) of \1\), failing since ", text
        )
        assert 'href="/culturewatch/source_health"' in banner.group(1)
        assert get(url + "culturewatch/source_health")[0] == 200


def test_the_front_page_is_quiet_when_no_source_failed(demo_db: Path, tmp_path: Path) -> None:
    port = free_port()
    with serving("browse", "--db", str(demo_db), "--port", str(port), log=tmp_path / "log") as (
        url,
        _,
    ):
        assert "cw-failing" not in get(url)[1]


def test_the_digest_header_and_an_alert_email_say_every_source_failed(
    offline_db: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    db, _ = offline_db
    config = tmp_path / "config"
    with Mailbox() as box:
        write_settings(config, digest={"browse_url": "http://127.0.0.1:8123"})
        (config / "alerts.toml").write_text(
            smtp_table(box) + ANIMATION + 'email = ["a@example.org"]\n', encoding="utf-8"
        )
        result = run(
            "digest", "--config", str(config), "--db", str(db), "--out", str(tmp_path / "d")
        )
        assert result.returncode == 0, result.stderr
        sent = run("alerts", "run", "--config", str(config), "--db", str(db))
        assert sent.returncode == 0, sent.stderr + sent.stdout
        (message,) = box.messages
    health = "http://127.0.0.1:8123/culturewatch/source_health"
    (md,) = (tmp_path / "d").glob("*.md")
    header = md.read_text(encoding="utf-8").split("## Themes")[0]
    assert "Every source failed the last crawl" in header and f"(<{health}>)" in header
    html = md.with_suffix(".html").read_text(encoding="utf-8")
    assert "Every source failed the last crawl" in html and f'href="{health}"' in html
    data = json.loads(md.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["failing_sources"]["every"] is True
    assert data["failing_sources"]["source_health"] == health
    text = message.get_body(("plain",)).get_content()
    body = message.get_body(("html",)).get_content()
    assert "Every source failed the last crawl" in text.split("1. ")[0] and health in text
    assert "Every source failed the last crawl" in body and f'href="{health}"' in body


# --------------------------------------------------------------------------- 3. one first carrier
def test_one_first_carrier_and_spread_everywhere(demo_db: Path, tmp_path: Path) -> None:
    """The demo's amplified story: its copies were published hours apart and archived within
    seconds; every output names the first publisher and the same spread."""
    db = tmp_path / "demo.db"
    shutil.copyfile(demo_db, db)
    with closing(sqlite3.connect(db)) as conn:
        story_id, first, first_seen, spread = conn.execute(
            "select id, first_source, first_seen, spread_hours from stories "
            "order by source_count desc limit 1"
        ).fetchone()
        copies = conn.execute(
            "select source, published_at, fetched_at from articles where story_id = ? "
            "order by published_at",
            [story_id],
        ).fetchall()
    # the stories table (story page, amplified_stories): publication time
    assert len(copies) == 4 and (first, first_seen) == copies[0][:2]
    hours = (parse_iso(copies[-1][1]) - parse_iso(copies[0][1])).total_seconds() / 3600
    assert spread == round(hours, 1) and spread >= 6  # not the seconds between archive times
    shown = f"first carried by {first} (published {first_seen[:16].replace('T', ' ')} UTC)"
    day = first_archived = min(c[2] for c in copies)[:10]

    listed = run("stories", "--db", str(db), "--limit", "1")  # the stories command
    assert listed.returncode == 0, listed.stderr
    flat = " ".join(listed.stdout.split())
    cell = " ".join(  # the "first source" column, its wrapped lines joined (no blank)
        part
        for line in listed.stdout.splitlines()
        if line.count("│") > 2 and (part := line.split("│")[2].strip())
    )
    assert cell == f"{first} (published {readable_time(first_seen)})", listed.stdout
    assert f" {spread:.1f} " in flat and first_seen not in flat  # read as people read times

    config = tmp_path / "config"
    write_settings(config, schedule={"timezone": "UTC"})
    digest = run("digest", "--config", str(config), "--db", str(db), "--date", day,
                 "--out", str(tmp_path / "d"))  # fmt: skip
    assert digest.returncode == 0, digest.stderr
    data = json.loads((tmp_path / "d" / f"{first_archived}.json").read_text(encoding="utf-8"))
    (told,) = [s for s in data["stories"] if s["id"] == story_id]
    assert (told["first_source"], told["first_seen"], told["first_basis"]) == (
        first, first_seen, "published",
    )  # fmt: skip
    assert told["spread_hours"] == spread
    md = (tmp_path / "d" / f"{first_archived}.md").read_text(encoding="utf-8")
    assert f"4 outlets over {spread:.1f} hours, {shown}" in md.replace("\\", "")

    with Mailbox() as box, WebhookReceiver([]) as hook:
        (config / "alerts.toml").write_text(
            smtp_table(box) + ANIMATION + 'email = ["a@example.org"]\n'
            f'webhook = "{hook.url}"\nwebhook_format = "json"\n',
            encoding="utf-8",
        )
        sent = run("alerts", "run", "--config", str(config), "--db", str(db))
        assert sent.returncode == 0, sent.stderr + sent.stdout
        (message,) = box.messages
        (body,) = hook.accepted
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Spread: 4 outlets over {spread:.1f} hours, {shown}" in text
    assert f"Spread: 4 outlets over {spread:.1f} hours, {shown}" in html
    (hooked,) = [s for s in body["stories"] if s["id"] == story_id]
    assert (hooked["first_source"], hooked["first_seen"], hooked["spread_hours"]) == (
        first, first_seen, spread,
    )  # fmt: skip
    assert hooked["outlets"][0]["source"] == first


# --------------------------------------------------------------------------- 7. the smaller mends
def test_sources_of_a_named_archive_are_its_outlets(demo_db: Path, tmp_path: Path) -> None:
    result = run("sources", "--db", str(demo_db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = re.findall(r"│ (demo-\w+)", result.stdout)
    assert len(set(names)) == 6
    assert "xinhua" not in result.stdout  # not the configured defaults
    assert re.search(r"^6 sources: .* 0 never crawled", result.stdout, re.M)

    missing = run("sources", "--db", str(tmp_path / "nothere.db"), cwd=tmp_path)
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr == f"culturewatch: no archive at {tmp_path / 'nothere.db'}\n"


def test_browse_on_a_busy_port_says_so_in_one_line(demo_db: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("browse", "--db", str(demo_db), "--port", str(port), timeout=60)
    assert result.returncode == 1 and result.stdout == ""  # no "Serving..." first
    assert result.stderr == (
        f"culturewatch: browse failed: cannot serve on 127.0.0.1:{port}: Address already in use\n"
    )


def test_an_archive_that_is_a_directory_or_not_a_database_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    result = run("stories", env={"CULTUREWATCH_DB": str(folder)}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"culturewatch: config error: CULTUREWATCH_DB: {folder} is a directory, "
        "not an archive file\n"
    )
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite at all " * 100, encoding="utf-8")
    for args, env in ((("--db", str(junk)), None), ((), {"CULTUREWATCH_DB": str(junk)})):
        result = run("stories", *args, env=env, cwd=tmp_path)
        assert result.returncode == 1
        # refused before anything is written (storage.schema.refuse_foreign), the file named
        assert result.stderr == (
            f"culturewatch: {junk} is not a culturewatch archive: file is not a database\n"
        )


def test_one_missed_article_suggests_no_theme_terms(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    shutil.copyfile(demo_db, db)
    with closing(sqlite3.connect(db)) as conn:
        missed = [
            r[0] for r in conn.execute("select id from articles where relevant = 0 order by id")
        ]
    config = tmp_path / "config"
    write_settings(config)
    common = ("--config", str(config), "--db", str(db))
    assert run("label", str(missed[0]), "--relevant", *common).returncode == 0
    one = json.loads(run("evaluate", "--json", *common).stdout)
    assert one["fn"] == 1 and one["suggestions"]["terms"] == []  # README: two articles at least
    for article in missed[1:]:
        assert run("label", str(article), "--relevant", *common).returncode == 0
    more = json.loads(run("evaluate", "--json", *common).stdout)
    assert more["fn"] == len(missed) >= 2
    for term in more["suggestions"]["terms"]:
        found = re.search(r"in (\d+) of (\d+) missed relevant articles", term["reason"])
        assert found and int(found.group(1)) >= 2, term


def test_the_label_links_reach_browse_on_its_configured_port(demo_db: Path, tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "config"
    write_settings(config, schedule={"timezone": "UTC"},
                   digest={"browse_url": f"http://127.0.0.1:{port}"})  # fmt: skip
    with closing(sqlite3.connect(demo_db)) as conn:
        day = conn.execute("select min(fetched_at) from articles").fetchone()[0][:10]
    out = tmp_path / "d"
    result = run("digest", "--config", str(config), "--db", str(demo_db), "--date", day,
                 "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    links = re.findall(r'href="([^"]+)#label"', (out / f"{day}.html").read_text(encoding="utf-8"))
    assert links and all(
        link.startswith(f"http://127.0.0.1:{port}/culturewatch/articles/") for link in links
    )
    # browse without --port listens where the digest links
    with serving("browse", "--config", str(config), "--db", str(demo_db), log=tmp_path / "log") as (
        url,
        _,
    ):
        assert url == f"http://127.0.0.1:{port}/"
        status, page = get(links[0])
        assert status == 200 and 'id="label"' in page


def test_search_csv_snippets_carry_no_marker_characters(demo_db: Path, tmp_path: Path) -> None:
    port = free_port()
    with serving("browse", "--db", str(demo_db), "--port", str(port), log=tmp_path / "log") as (
        url,
        _,
    ):
        url = f"http://127.0.0.1:{port}/"
        marked = get(url + "culturewatch/search.json?q=animation&_shape=array")[1]
        assert "\\ue000" in marked  # the JSON keeps them, as documented
        status, csv_text = get(url + "culturewatch/search.csv?q=animation")
        assert status == 200 and "animation" in csv_text.lower()
        assert "\ue000" not in csv_text and "\ue001" not in csv_text
        rows = list(csv.DictReader(io.StringIO(csv_text)))
        assert rows and any("animation" in r["snippet"].lower() for r in rows)


def test_schedule_list_aligns_its_columns_and_refuses_run_now(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write_settings(config, schedule={"timezone": "UTC"})
    write_sources(
        config / "sources.toml", [{"name": "s", "url": "http://127.0.0.1:9/", "kind": "feed"}]
    )
    (config / "alerts.toml").write_text(
        '[schedule]\ndaily = "0 8 * * *"\n\n[[alerts]]\nname = "a"\nquery = "animation"\n'
        'frequency = "daily"\nfeed = true\n',
        encoding="utf-8",
    )
    listed = run("schedule", "--list", "--config", str(config), "--db", str(tmp_path / "a.db"))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        "crawl",
        "digest",
        "alerts-daily",
        "alerts-weekly",
    ]
    assert len({line.index("next run") for line in lines}) == 1  # one column
    crons = {
        line.index(cron) for line, cron in zip(lines, ("*/30", "0 7", "0 8", "0 7"), strict=True)
    }
    assert len(crons) == 1
    both = run("schedule", "--list", "--run-now", "--config", str(config))
    assert both.returncode == 2 and both.stdout == ""
    assert len(both.stderr.splitlines()) == 1 and "--run-now" in both.stderr


def test_the_scheduler_logs_progress_lines_during_a_crawl(news_server, tmp_path: Path) -> None:
    srv, site = news_server
    # a slow feed, then slow article pages (fetched side by side): the crawl lasts past its
    # first 10 s whatever the machine's speed (8 s each, under the 10 s timeout)
    for url in [site.feeds["rss2"], *site.articles]:
        srv.routes[urlsplit(url).path].delay = 8
    config = make_config(tmp_path, [site.feeds["rss2"]], digest="0 7 * * *")
    db = tmp_path / "archive.db"
    proc = start_scheduler(config, db, "--run-now")
    wait_for(lambda: "crawl progress: sources " in proc.log(), proc, timeout=90)
    assert sched_rows(db, "select 1 from runs where status = 'running'")  # during the crawl
    line = next(ln for ln in proc.log().splitlines() if "crawl progress: " in ln)
    assert re.search(r"crawl progress: sources \d+/1 done, pages \d+ fetched of \d+ queued", line)
    code, log = stop(proc)
    assert code == 0, log
