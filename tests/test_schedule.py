"""The scheduler in a real process against the local fixture site, and the crawl lock.

``culturewatch schedule --run-now`` runs one crawl and then the digest right after start,
and then follows its one-minute cron, so a test need not wait for a minute boundary.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from support import write_settings, write_sources

from crawler.cli import EXIT_BUSY, cli
from crawler.config import ConfigError
from crawler.lock import ArchiveBusy, crawl_lock, is_locked, lock_path
from crawler.schedule.plan import SchedulePlan
from crawler.schedule.scheduler import Scheduler, cron_trigger
from storage.archive import Archive

REPO = Path(__file__).resolve().parents[1]
EVERY_MINUTE = "* * * * *"


# --------------------------------------------------------------------------- helpers
def make_config(root: Path, feeds: list[str], **schedule: str) -> Path:
    config = root / "config"
    write_settings(
        config,
        allow_private_networks=True,
        schedule={"timezone": "UTC", "crawl": EVERY_MINUTE, "digest": EVERY_MINUTE, **schedule},
        # the fixture site's articles are from 2025: let them into today's digest
        digest={"out": str(root / "digests"), "max_age_days": 36500, "day": "today"},
    )
    shutil.copy(REPO / "config" / "themes.toml", config / "themes.toml")
    write_sources(
        config / "sources.toml",
        [{"name": f"feed-{n}", "url": url, "kind": "feed"} for n, url in enumerate(feeds)],
    )
    return config


class SchedulerProcess(subprocess.Popen):
    err_path: Path

    def log(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")


_STARTED: list[SchedulerProcess] = []


@pytest.fixture(autouse=True)
def _no_scheduler_left_behind():
    """A test that fails half-way leaves no scheduler (nor its crawl) running."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_scheduler(config: Path, db: Path, *extra: str) -> SchedulerProcess:
    """The scheduler in its own process; its stdout and stderr go to files beside *config*
    (a pipe nobody reads until the end could fill up and block a chatty scheduler)."""
    logs = config.parent
    with (
        open(logs / "scheduler.out", "wb") as out,
        open(logs / "scheduler.err", "wb") as err,
    ):
        proc = SchedulerProcess(
            [
                sys.executable,
                "-m",
                "crawler",
                "schedule",
                "--config",
                str(config),
                "--db",
                str(db),
                *extra,
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=logs,
        )
    proc.err_path = logs / "scheduler.err"
    _STARTED.append(proc)
    return proc


def rows(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]
    except sqlite3.Error:  # not created yet
        return []
    finally:
        conn.close()


def wait_for(predicate, proc: SchedulerProcess, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"scheduler exited early ({proc.returncode}): {proc.log()[-2000:]}")
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail(f"timed out; scheduler log: {proc.log()[-3000:]}")


def stop(proc: SchedulerProcess, timeout: float = 60) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"scheduler did not stop after SIGTERM: {proc.log()[-2000:]}")
    return proc.returncode, proc.log()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# --------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_scheduler_crawls_writes_digest_and_stops_on_sigterm(news_server, tmp_path: Path) -> None:
    _srv, site = news_server
    config = make_config(tmp_path, [site.feeds["rss2"], site.feeds["atom"], site.feeds["rss1"]])
    db = tmp_path / "archive.db"
    proc = start_scheduler(config, db, "--run-now")
    wait_for(lambda: rows(db, "select 1 from jobs where job = 'digest' and status = 'ok'"), proc)
    code, log = stop(proc)
    assert code == 0, log
    assert "Traceback" not in log

    jobs = rows(db, "select * from jobs order by id")
    crawl = next(j for j in jobs if j["job"] == "crawl" and j["status"] == "ok")
    assert crawl["exit_code"] == 0 and crawl["ended_at"] and "crawl finished" in crawl["detail"]
    (run,) = rows(db, "select * from runs where id = ?", (crawl["run_id"],))
    assert run["status"] == "finished" and run["new"] > 0
    assert not alive(run["pid"])
    assert all(j["status"] != "running" for j in jobs)
    # after the crawl, the due revisits (none yet: the first is an hour after archiving)
    revisit = next(j for j in jobs if j["job"] == "revisit")
    assert revisit["id"] > crawl["id"] and revisit["status"] == "ok", revisit
    assert revisit["detail"].startswith("revisits: 0 due"), revisit

    articles = rows(db, "select url, fetched_at, relevant from articles")
    assert len(articles) >= 6
    digest_job = next(j for j in jobs if j["job"] == "digest" and j["status"] == "ok")
    day = digest_job["detail"].split(":")[0]
    out = tmp_path / "digests"
    assert {f"{day}.md", f"{day}.html", f"{day}.json", f"{day}.png", "feed.xml"} <= {
        p.name for p in out.iterdir()
    }
    data = json.loads((out / f"{day}.json").read_text(encoding="utf-8"))
    expected = {
        a["url"] for a in articles if a["relevant"] == 1 and a["fetched_at"].startswith(day)
    }
    assert {a["url"] for a in data["articles"]} == expected
    if all(a["fetched_at"].startswith(day) for a in articles):  # not a crawl across midnight
        relevant_on_site = {a.url for a in site.relevant}
        assert expected and expected <= relevant_on_site
    page = (out / f"{day}.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page


@pytest.mark.slow
def test_the_cron_itself_fires_a_crawl_and_a_digest(news_server, tmp_path: Path) -> None:
    # no --run-now: both jobs come from the one-minute cron (at most ~70 s of waiting)
    _srv, site = news_server
    config = make_config(tmp_path, [site.feeds["rss2"]])
    db = tmp_path / "archive.db"
    proc = start_scheduler(config, db)
    ok = "select 1 from jobs where job = ? and status = 'ok' and scheduled_for is not null"
    wait_for(lambda: rows(db, ok, ("crawl",)) and rows(db, ok, ("digest",)), proc, timeout=150)
    code, log = stop(proc)
    assert code == 0, log
    (crawl,) = rows(db, "select * from jobs where job = 'crawl' and status = 'ok' limit 1")
    assert crawl["scheduled_for"].endswith(":00+00:00")  # on a minute boundary
    assert rows(db, "select count(*) as n from articles")[0]["n"] > 0
    assert any(p.suffix == ".html" for p in (tmp_path / "digests").iterdir())


@pytest.mark.slow
def test_sigterm_ends_a_running_crawl_cleanly(news_server, tmp_path: Path) -> None:
    srv, site = news_server
    for url in site.articles:  # slow article pages: the crawl is still running at SIGTERM
        srv.routes[urlsplit(url).path].delay = 4
    config = make_config(tmp_path, [site.feeds["rss2"]], digest="0 7 * * *")
    db = tmp_path / "archive.db"
    proc = start_scheduler(config, db, "--run-now")
    # the crawl is under way: its run is recorded and Scrapy's engine has fetched the feed
    # (so its signal handlers are in place); the article pages are slow to answer
    wait_for(
        lambda: (
            rows(db, "select 1 from runs where status = 'running'")
            and srv.hits(site.feeds["rss2"]) > 0
        ),
        proc,
    )
    started = time.monotonic()
    code, log = stop(proc)
    assert code == 0, log
    assert time.monotonic() - started < 30
    (run,) = rows(db, "select * from runs")
    assert run["status"] == "interrupted" and run["ended_at"]
    assert not alive(run["pid"])
    (job,) = [j for j in rows(db, "select * from jobs where job = 'crawl'") if j["run_id"]]
    assert job["status"] == "interrupted" and job["exit_code"] == 0
    assert not is_locked(db)


@pytest.mark.slow
def test_failing_crawl_is_recorded_and_the_scheduler_goes_on(news_server, tmp_path: Path) -> None:
    _srv, site = news_server
    config = make_config(tmp_path, [site.feeds["rss2"]], crawl=EVERY_MINUTE)
    db = tmp_path / "archive.db"
    lock_path(db).mkdir(parents=True)  # the crawl process cannot open its lock file
    proc = start_scheduler(config, db, "--run-now")
    wait_for(lambda: rows(db, "select 1 from jobs where job = 'digest' and status = 'ok'"), proc)
    assert proc.poll() is None  # still scheduling
    code, log = stop(proc)
    assert code == 0, log
    (crawl,) = rows(db, "select * from jobs where job = 'crawl' and status = 'failed'")
    assert crawl["exit_code"] == 1 and "cannot open the crawl lock" in crawl["detail"]
    assert rows(db, "select * from runs") == []


@pytest.mark.slow
def test_scheduler_skips_a_crawl_while_another_holds_the_lock(news_server, tmp_path: Path) -> None:
    srv, site = news_server
    config = make_config(tmp_path, [site.feeds["rss2"]], digest="0 7 * * *")
    db = tmp_path / "archive.db"
    with crawl_lock(db):
        proc = start_scheduler(config, db, "--run-now")
        wait_for(lambda: rows(db, "select 1 from jobs where job = 'crawl' and ended_at"), proc)
        code, log = stop(proc)
    assert code == 0, log
    (job,) = rows(db, "select * from jobs where job = 'crawl'")
    assert job["status"] == "skipped" and "lock" in job["detail"]
    assert rows(db, "select * from runs") == []
    assert srv.hits() == 0


def test_a_crawl_that_loses_the_lock_race_is_skipped(news_server, tmp_path: Path) -> None:
    """Another crawl takes the lock between the scheduler's decision and its child's start:
    the child exits with EXIT_BUSY, and the job is skipped, not failed."""
    srv, site = news_server
    config = make_config(tmp_path, [site.feeds["rss2"]])
    db = tmp_path / "archive.db"
    plan = SchedulePlan.from_config(config_dir=config, db=db)
    Archive(db).close()
    scheduler = Scheduler(plan)
    job_id = scheduler._record_start("crawl", None)
    with crawl_lock(db):  # taken by "a manual crawl" just before the child starts
        scheduler._run_crawl_process(job_id)
    (job,) = rows(db, "select * from jobs")
    assert job["status"] == "skipped" and job["exit_code"] == EXIT_BUSY == 75
    assert job["ended_at"] and "lock" in job["detail"] and f"pid {os.getpid()}" in job["detail"]
    assert rows(db, "select * from runs") == []
    assert srv.hits() == 0


# --------------------------------------------------------------------------- the lock
def test_crawl_refuses_while_another_crawl_holds_the_lock(news_server, tmp_path: Path) -> None:
    srv, site = news_server
    config = make_config(tmp_path, [site.feeds["rss2"]])
    db = tmp_path / "archive.db"
    with crawl_lock(db) as path:
        assert path == tmp_path / "archive.db.lock"
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", str(db)],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 75  # EX_TEMPFAIL: try again later
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "another crawl is running" in lines[0], result.stderr
    assert f"pid {os.getpid()}" in lines[0]
    assert not db.exists()  # nothing was written
    assert srv.hits() == 0


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "a.db"
    assert not is_locked(db)
    with crawl_lock(db):
        assert is_locked(db)
        with pytest.raises(ArchiveBusy), crawl_lock(db):
            pass
    assert not is_locked(db)
    with crawl_lock(db):  # free again
        pass


# --------------------------------------------------------------------------- --list, config
def test_list_prints_both_jobs_with_next_run_times(tmp_path: Path) -> None:
    config = make_config(tmp_path, ["http://127.0.0.1:9/feed.xml"], digest="0 7 * * *")
    before = datetime.now(UTC)
    result = CliRunner().invoke(
        cli, ["schedule", "--list", "--config", str(config), "--db", str(tmp_path / "a.db")]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    jobs = [line.split()[0] for line in lines]
    assert jobs == ["crawl", "digest", "alerts-daily", "alerts-weekly"]
    assert all(line.endswith("alerts (none yet)") for line in lines[2:])  # saved ones count
    crawl_next = datetime.fromisoformat(lines[0].split("next run ")[1].split()[0])
    digest_next = datetime.fromisoformat(lines[1].split("next run ")[1].split()[0])
    assert before < crawl_next <= before + timedelta(seconds=61) and crawl_next.second == 0
    assert (digest_next.hour, digest_next.minute) == (7, 0)
    assert before < digest_next <= before + timedelta(days=1)
    assert not (tmp_path / "a.db").exists()  # --list touches nothing


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"schedule": {"crawl": "*/30 * * *"}}, "schedule.crawl"),
        ({"schedule": {"digest": "0 25 * * *"}}, "schedule.digest"),
        ({"schedule": {"timezone": "Europe/Atlantis"}}, "schedule.timezone"),
        ({"digest": {"day": "tomorrow"}}, "digest.day"),
        # crontab ORs a restricted day of month and day of week, APScheduler would AND them
        ({"schedule": {"crawl": "0 7 1 * 1"}}, "schedule.crawl"),
        ({"schedule": {"digest": "0 7 1-7 * mon"}}, "schedule.digest"),
    ],
)
def test_bad_schedule_settings_stop_with_one_line(tmp_path: Path, settings, key) -> None:
    config = tmp_path / "config"
    write_settings(config, **settings)
    write_sources(
        config / "sources.toml", [{"name": "a", "url": "https://a.example/f", "kind": "feed"}]
    )
    result = CliRunner().invoke(cli, ["schedule", "--list", "--config", str(config)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "settings.toml" in lines[0] and f"'{key}'" in lines[0]


def test_weekday_numbers_follow_crontab() -> None:
    tz = ZoneInfo("UTC")
    saturday = datetime(2026, 11, 28, 8, 0, tzinfo=tz)

    def next_run(expression: str) -> datetime:
        return cron_trigger(expression, tz, key="k", where="w").get_next_fire_time(None, saturday)

    assert next_run("0 7 * * 1-5") == datetime(2026, 11, 30, 7, 0, tzinfo=tz)  # Monday
    assert next_run("0 7 * * 0") == datetime(2026, 11, 29, 7, 0, tzinfo=tz)  # Sunday
    assert next_run("0 7 * * 7") == datetime(2026, 11, 29, 7, 0, tzinfo=tz)
    assert next_run("0 7 * * 6") == datetime(2026, 12, 5, 7, 0, tzinfo=tz)  # next Saturday
    assert next_run("0 7 * * mon") == datetime(2026, 11, 30, 7, 0, tzinfo=tz)
    assert next_run("0 9 * * 1,3/2") == datetime(2026, 11, 30, 9, 0, tzinfo=tz)
    with pytest.raises(ConfigError):
        next_run("0 7 * * 8")
    # a day of month and a day of week: refused (crontab: either; APScheduler: both) ...
    with pytest.raises(ConfigError, match="both the day of month and the day of week"):
        next_run("0 7 1 * 1")
    # ... unless one of them starts with "*", which crontab also reads as "both"
    assert next_run("0 7 1 * *") == datetime(2026, 12, 1, 7, 0, tzinfo=tz)
    assert next_run("0 7 */2 * 1") == datetime(2026, 12, 7, 7, 0, tzinfo=tz)  # Monday the 7th


def test_a_late_run_is_recorded_for_its_scheduled_time() -> None:
    from crawler.schedule.scheduler import _due

    tz = ZoneInfo("Asia/Shanghai")
    trigger = cron_trigger("0 7 * * *", tz, key="k", where="w")
    late = datetime(2026, 3, 5, 9, 30, tzinfo=tz)  # e.g. after the machine slept
    assert _due(trigger, late, 12 * 3600) == datetime(2026, 3, 5, 7, 0, tzinfo=tz)
    assert _due(trigger, late, 600) is None  # beyond the grace time
    minutely = cron_trigger(EVERY_MINUTE, tz, key="k", where="w")
    assert _due(minutely, late.replace(second=40), 600) == late  # coalesced into the last one


# --------------------------------------------------------------------------- stuck deliveries
# The scheduler in a process of its own, its crawl every second (an interval trigger; cron
# has minutes) and the crawl itself a stub that records an ok run at once: what is under
# test is what the after_crawl alerts, stuck on servers that drip their answers, do to it.
_DRIVER = """
import dataclasses, sys
from pathlib import Path
from apscheduler.triggers.interval import IntervalTrigger
from crawler.schedule import jobs
from crawler.schedule.plan import SchedulePlan
from crawler.schedule.scheduler import Scheduler, configure_logging

plan = SchedulePlan.from_config(config_dir=Path(sys.argv[1]), db=Path(sys.argv[2]))
every = IntervalTrigger(seconds=float(sys.argv[3]), timezone=plan.tz)
plan = dataclasses.replace(plan, crawl_trigger=every)

def stub_crawl(self, job_id, *, action="crawl", extra=None):
    self._record_end(job_id, status="ok", detail=f"stub {action}")
    return "ok"

jobs.Jobs._run_crawl_process = stub_crawl
configure_logging()
sys.exit(Scheduler(plan).run())
"""


def start_stub_scheduler(config: Path, db: Path, every: float) -> SchedulerProcess:
    driver = config.parent / "driver.py"
    driver.write_text(_DRIVER, encoding="utf-8")
    logs = config.parent
    with open(logs / "scheduler.err", "wb") as err:
        proc = SchedulerProcess(
            [sys.executable, str(driver), str(config), str(db), str(every)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            cwd=logs,
        )
    proc.err_path = logs / "scheduler.err"
    _STARTED.append(proc)
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("target", ["email", "webhook"])
def test_stuck_alert_deliveries_never_hold_the_crawls_and_sigterm_ends_them(
    tmp_path: Path, target: str
) -> None:
    """An after_crawl alert mails a server that drips ``250-`` lines, or calls a webhook that
    drips its status line, with a 30 s deadline. The crawls still run every second, the
    after_crawl alerts that cannot start while the stuck one runs are recorded as skipped
    with the reason, and SIGTERM ends it all within a few seconds."""
    from support.mailbox import Dripping

    config = make_config(tmp_path, ["http://127.0.0.1:9/feed.xml"], digest="0 7 * * *")
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.upsert_article(
            {
                "url": "https://x.example/ne-zha",
                "title": "Ne Zha 2 tops the box office abroad",
                "text": "The animated film Ne Zha 2 drew crowds.",
                "source": "x",
                "language": "en",
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "relevance": 0.9,
                "relevant": 1,
                "themes": ["films_games"],
            }
        )
    with Dripping("smtp" if target == "email" else "http", interval=1, limit=60) as server:
        where = 'email = ["a@example.org"]' if target == "email" else f'webhook = "{server.url}"'
        (config / "alerts.toml").write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nfrom = "cw@example.org"\n'
            'security = "none"\ntimeout = 30\n\n[delivery]\ntimeout = 30\nretries = 0\n\n'
            '[[alerts]]\nname = "nezha"\nquery = "Nezha"\nfrequency = "after_crawl"\n'
            f"{where}\nfeed = false\n",
            encoding="utf-8",
        )
        proc = start_stub_scheduler(config, db, every=1)
        crawls = "select * from jobs where job = 'crawl' and status = 'ok' order by id"
        wait_for(lambda: len(rows(db, crawls)) >= 5, proc, timeout=20)
        wait_for(lambda: rows(db, "select 1 from jobs where status = 'skipped'"), proc, timeout=10)
        assert server.connections == 1  # still stuck on the first delivery
        started = time.monotonic()
        code, log = stop(proc, timeout=20)
        stopped_in = time.monotonic() - started
    assert code == 0, log
    assert stopped_in < 5, f"SIGTERM took {stopped_in:.1f}s"
    assert "Traceback" not in log
    done = rows(db, crawls)
    due = [datetime.fromisoformat(j["scheduled_for"]) for j in done]
    # every second, or two when a busy machine made one late and it was coalesced
    assert all(
        timedelta(seconds=1) <= later - earlier <= timedelta(seconds=2)
        for earlier, later in zip(due, due[1:], strict=False)
    ), due
    for job in done:  # each crawl started on time
        started_at = datetime.fromisoformat(job["started_at"])
        assert started_at - datetime.fromisoformat(job["scheduled_for"]) < timedelta(seconds=2)
    skipped = rows(db, "select * from jobs where status = 'skipped'")
    assert {j["job"] for j in skipped} == {"alerts"}
    assert all(
        "the previous after_crawl alerts run was still running" in j["detail"] for j in skipped
    )
    (alerts,) = rows(db, "select * from jobs where job = 'alerts' and status != 'skipped'")
    assert alerts["status"] == "interrupted" and alerts["ended_at"], alerts
    assert "stopped: the scheduler is stopping" in alerts["detail"]
    (send,) = rows(db, "select * from alert_sends")
    assert send["status"] == "failed" and send["target"].startswith(target)
    assert all(j["status"] != "running" for j in rows(db, "select * from jobs"))


def test_a_missed_run_is_recorded_as_skipped_with_its_reason(tmp_path: Path) -> None:
    from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent

    config = make_config(tmp_path, ["http://127.0.0.1:9/feed.xml"])
    db = tmp_path / "archive.db"
    Archive(db).close()
    scheduler = Scheduler(SchedulePlan.from_config(config_dir=config, db=db))
    due = datetime.now(UTC) - timedelta(minutes=15)
    scheduler._on_skipped(JobExecutionEvent(EVENT_JOB_MISSED, "crawl", "default", due))
    assert scheduler._wait_for_jobs() == 0  # the row is written by a thread of its own
    (job,) = rows(db, "select * from jobs")
    assert job["job"] == "crawl" and job["status"] == "skipped" and job["ended_at"]
    assert datetime.fromisoformat(job["scheduled_for"]) == due
    assert "missed by 900s, more than its grace time (600s)" in job["detail"]
