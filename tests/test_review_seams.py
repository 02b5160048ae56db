"""Where the features merged on one day meet: mutes and revisits' changes, retention and the
article page and rescore, saved alerts and who may see them, times as people read them.

A real demo archive (``culturewatch demo --no-browse``), a real ``culturewatch browse``, a
real ``archive prune`` and ``rescore`` through the CLI.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browse_helpers import browse_server, get
from click.testing import CliRunner
from test_day_web import demo_archive, rows

from crawler.cli import cli
from storage.outputs.changes import changes_of_day
from storage.revisits import changes_since
from storage.saved_alerts import add_mute, save_alert

pytestmark = pytest.mark.slow  # the demo crawl and Datasette

DB = "/culturewatch"
REMOTE = {"X-Forwarded-For": "203.0.113.9"}  # through a proxy: not the person at the machine


def get_as(url: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_archive(tmp_path_factory.mktemp("seams"))


@pytest.fixture(scope="module")
def archive(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo archive with a saved alert, a headline edit seen by a revisit today (of
    demo-huawen's article), and demo-huawen muted; its non-relevant articles first archived
    long ago and pruned (retention)."""
    db = tmp_path_factory.mktemp("seams-db") / "demo.db"
    shutil.copy(built, db)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with closing(sqlite3.connect(db)) as conn, conn:
        save_alert(
            conn, "nezha", "哪吒", "daily", email="analyst-secret@example.org",
            webhook="https://hooks.example/SECRET-PATH", by="local",
        )  # fmt: skip
        article, title = conn.execute(
            "select id, title from articles where source = 'demo-huawen' and relevant = 1 "
            "order by id limit 1"
        ).fetchone()
        for version, headline in ((1, title), (2, title + " (edited)")):
            conn.execute(
                "insert into article_versions (article_id, version, fetched_at, http_status, "
                "title, text, changes, diff_summary) values (?, ?, ?, 200, ?, 'text', ?, ?)",
                [article, version, now, headline, '["headline"]' if version > 1 else "[]",
                 "headline changed" if version > 1 else ""],
            )  # fmt: skip
        add_mute(conn, "source", "demo-huawen", by="local")
        conn.execute(
            "insert into alert_sends (id, alert, target, status, created_at, sent_at, attempts, "
            "stories, articles) values ('s1', 'nezha', 'email:analyst-secret@example.org', "
            "'sent', ?, ?, 1, 1, 1)",
            [now, now],
        )
        conn.execute(
            "update articles set fetched_at = '2026-01-05T00:00:00+00:00' where relevant = 0"
        )
    result = CliRunner().invoke(cli, ["archive", "prune", "--days", "30", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert rows(db, "select count(*) from articles where text is null")[0][0] > 0
    return db


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[str]:
    with browse_server(archive) as base:
        yield base


def test_saved_alert_targets_stay_off_the_mutes_page_for_anonymous_visitors(
    server: str,
) -> None:
    status, page = get_as(f"{server}/-/culturewatch/mutes", REMOTE)
    assert status == 200
    assert "analyst-secret@example.org" not in page and "SECRET-PATH" not in page
    assert "nezha" not in page  # not even that an alert exists
    status, page = get(f"{server}/-/culturewatch/mutes")  # the person at the machine
    assert status == 200 and "analyst-secret@example.org" in page


def test_a_muted_source_stays_out_of_the_changes_on_the_front_page_and_digest(
    archive: Path, server: str
) -> None:
    with closing(sqlite3.connect(archive)) as conn:
        assert changes_since(conn, "2000-01-01T00:00:00+00:00") == []
        today = datetime.now(UTC).date()
        assert changes_of_day(conn, today, tz=ZoneInfo("UTC")) == ()
        conn.execute("delete from mutes")
        assert len(changes_since(conn, "2000-01-01T00:00:00+00:00")) == 1  # the rule bites
        conn.rollback()
    status, page = get(f"{server}/")
    assert status == 200
    assert "(edited)" not in page and "Changed or removed since yesterday" not in page


def test_a_pruned_articles_page_says_its_text_was_dropped_by_retention(
    archive: Path, server: str
) -> None:
    pruned = rows(archive, "select id from articles where text is null order by id")[0][0]
    status, page = get(f"{server}{DB}/articles/{pruned}")
    assert status == 200
    text = page.split('<section class="cw-text">')[1].split("</section>")[0]
    assert "dropped by retention" in text and "0 matched words marked" not in text
    kept = rows(archive, "select id from articles where text is not null order by id")[0][0]
    assert "dropped by retention" not in get(f"{server}{DB}/articles/{kept}")[1]


def test_rescore_and_reextract_count_the_pruned_articles_they_skip(
    archive: Path, tmp_path: Path
) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(archive, db)
    pruned = rows(db, "select count(*) from articles where text is null")[0][0]
    result = CliRunner().invoke(cli, ["rescore", "--reextract", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert result.output.count(f"{pruned} skipped: text dropped by retention") == 2, result.output
    assert rows(db, "select count(*) from articles where text is null")[0][0] == pruned


def test_the_health_and_revisit_queries_read_times_as_people_do(server: str) -> None:
    status, page = get(f"{server}{DB}/source_health")
    assert status == 200
    cell = page.split('<td class="col-last_success_at')[1].split("</td>")[0]
    assert "UTC" in cell and "+00:00</span>" not in cell


@pytest.mark.parametrize(
    "path",
    [
        f"{DB}/alert_sends", f"{DB}/alert_sends.json", f"{DB}/alert_sends.csv",
        f"{DB}/alert_sends/s1", f"{DB}/alert_deliveries", f"{DB}/alert_deliveries.json",
        f"{DB}/alert_deliveries.csv", f"{DB}/saved_alerts.csv", f"{DB}/saved_alerts/1.json",
        f"{DB}/alert_items.json", f"{DB}.json", "/",
    ],
)  # fmt: skip
def test_what_the_alerts_sent_to_whom_is_not_for_anonymous_visitors(server: str, path: str) -> None:
    status, page = get_as(f"{server}{path}", REMOTE)
    assert status in (200, 403), (status, page[:300])
    assert "analyst-secret@example.org" not in page and "SECRET-PATH" not in page
    if path == "/":
        assert "alert_deliveries" not in page and "Alert deliveries" not in page
        assert "removed_articles" in page  # the other queries stay listed
        # the dashboard's charts fetch their data with ?sql=, refused here: no link to it
        assert get_as(f"{server}/-/dashboards/attention", REMOTE)[0] == 403
        assert "/-/dashboards/attention" not in page


def test_the_person_at_the_machine_sees_the_alerts_deliveries(server: str) -> None:
    status, page = get(f"{server}{DB}/alert_deliveries")
    assert status == 200 and "analyst-secret@example.org" in page
    assert f"{DB}/alert_deliveries" in get(f"{server}/")[1]
    assert 'href="/-/dashboards/attention"' in get(f"{server}/")[1]


def test_archive_stats_counts_the_pruned_articles(archive: Path) -> None:
    pruned = rows(archive, "select count(*) from articles where text is null")[0][0]
    result = CliRunner().invoke(cli, ["archive", "stats", "--db", str(archive)])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.endswith(f"articles ({pruned} with their text dropped by retention)"), first
    for table in ("article_versions", "article_revisits", "saved_alerts", "mutes"):
        assert f"  {table} " in result.output  # the new tables have their sizes
    assert "retention" in CliRunner().invoke(cli, ["archive", "--help"]).output


def test_a_revisit_of_a_site_that_is_down_records_failures_and_says_none_is_removed(
    archive: Path, tmp_path: Path
) -> None:
    db = tmp_path / "revisit.db"
    shutil.copy(archive, db)  # the demo's site is gone: every revisit is refused
    env = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREWATCH_")}
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "revisit", "--db", str(db), "--all", "--limit", "1",
         "--allow-private-networks"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    assert line.startswith("revisits: 1 due") and "failed 1" in line, line
    assert "never called removed" in line, line
    assert rows(db, "select count(*) from article_revisits where state = 'removed'") == [(0,)]
    assert rows(db, "select last_outcome from article_revisits") == [("failed",)]


def test_sources_of_another_programs_file_is_refused_in_one_line(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    with closing(sqlite3.connect(foreign)) as conn, conn:
        conn.execute("create table notes (body text)")
    before = foreign.read_bytes()
    result = CliRunner().invoke(cli, ["sources", "--db", str(foreign)])
    assert result.exit_code == 1, result.output
    assert "is not a culturewatch archive" in result.output
    assert foreign.read_bytes() == before


def test_a_saved_alert_with_a_webhook_keeps_it_without_smtp(archive: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(Path(__file__).parents[1] / "config", config)
    (config / "alerts.toml").write_text("", encoding="utf-8")  # no alerts, no [smtp]
    args = ["alerts", "run", "--dry-run", "--config", str(config), "--db", str(archive)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "nezha -> webhook:" in result.output, result.output
    assert "posts to its webhook only: there is no [smtp]" in result.output
    assert "nezha -> email:" not in result.output


def test_the_searchs_alert_form_is_for_those_who_may_save_it(server: str) -> None:
    path = f"{server}{DB}/search?q=animation"
    status, page = get_as(path, REMOTE)
    assert status == 200
    assert 'class="cw-alert-form"' not in page and 'class="cw-mute-form"' not in page
    assert "needs a signed-in analyst here" in page
    status, page = get(path)  # the person at the machine
    assert 'class="cw-alert-form"' in page and "needs a signed-in analyst" not in page
