"""``culturewatch schedule``: crawls and digests on the cron schedule of ``settings.toml``.

An APScheduler 3.x :class:`BlockingScheduler` runs two jobs:

crawl
    ``python -m crawler crawl --config DIR --db PATH`` in a fresh process each time (Twisted's
    reactor cannot be restarted in one process). The child takes the archive's crawl lock
    (:mod:`crawler.lock`), so a scheduled crawl never overlaps another one, scheduled or
    started by hand; when the lock is taken the child exits with ``EXIT_BUSY`` (75) and the run
    is recorded as skipped. A failing crawl is logged and recorded, and the scheduler goes on.
digest
    writes the digest of the day that just ended (``digest.day = "previous"``) or of today
    (``"today"``) into ``digest.out``, in this process.

Both jobs coalesce missed runs into one, never run twice at once (``max_instances=1``) and
still run when late by less than their grace time. Every run is a row in the ``jobs`` table
and two log lines (start, end and what it did).

SIGINT or SIGTERM stops the scheduler cleanly: a running crawl is sent SIGTERM once
(Scrapy then finishes the requests in flight and records the run as interrupted), the
scheduler waits for it and exits with status 0. A second signal is passed on too, which
makes Scrapy stop at once.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.cli import EXIT_BUSY
from crawler.config import ConfigError, Settings
from crawler.cron import cron_trigger

__all__ = ["SchedulePlan", "Scheduler", "cron_trigger", "list_jobs"]

log = logging.getLogger("culturewatch.schedule")

CRAWL_GRACE = 10 * 60  # seconds: a crawl late by more than this waits for its next time
DIGEST_GRACE = 12 * 3600  # a digest is still worth writing hours late (e.g. after a suspend)
DIGEST_WAITS_FOR_CRAWL = 30 * 60  # a "today" digest waits this long for a running crawl
STOP_TIMEOUT = 120  # seconds to wait for a crawl to end after SIGTERM before killing it
POLL = 0.2


# --------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class SchedulePlan:
    """Everything the scheduler needs, validated at start (raises ConfigError)."""

    settings: Settings
    config_dir: Path
    db: Path
    out: Path
    tz: ZoneInfo
    crawl_cron: str
    digest_cron: str
    crawl_trigger: Any
    digest_trigger: Any
    digest_day: str  # previous | today
    max_age_days: int

    @classmethod
    def from_config(cls, *, config_dir: Path | None = None, db: Path | None = None) -> SchedulePlan:
        from crawler.digests import digest_timezone
        from crawler.runner import CrawlOptions

        # settings, sources and themes: a broken file stops us now, not at the first crawl
        options = CrawlOptions.from_config(config_dir=config_dir, db=db)
        settings = options.settings
        where = settings.path or "settings.toml"
        tz = digest_timezone(settings)
        return cls(
            settings=settings,
            config_dir=options.config_dir.resolve(),
            db=options.db.resolve(),
            out=Path(settings["digest.out"]).resolve(),
            tz=tz,
            crawl_cron=settings["schedule.crawl"],
            digest_cron=settings["schedule.digest"],
            crawl_trigger=cron_trigger(
                settings["schedule.crawl"], tz, key="schedule.crawl", where=where
            ),
            digest_trigger=cron_trigger(
                settings["schedule.digest"], tz, key="schedule.digest", where=where
            ),
            digest_day=settings["digest.day"],
            max_age_days=settings["digest.max_age_days"],
        )

    def digest_date(self, now: datetime | None = None) -> date:
        today = (now or datetime.now(self.tz)).astimezone(self.tz).date()
        return today if self.digest_day == "today" else today - timedelta(days=1)


def list_jobs(plan: SchedulePlan, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each job with its cron expression, next run time and what it does."""
    now = (now or datetime.now(plan.tz)).astimezone(plan.tz)
    which = "today's digest so far" if plan.digest_day == "today" else "the previous day's digest"
    return [
        {
            "job": "crawl",
            "cron": plan.crawl_cron,
            "next_run": plan.crawl_trigger.get_next_fire_time(None, now),
            "does": f"crawl every enabled source into {plan.db}",
        },
        {
            "job": "digest",
            "cron": plan.digest_cron,
            "next_run": plan.digest_trigger.get_next_fire_time(None, now),
            "does": f"write {which} into {plan.out}",
        },
    ]


# --------------------------------------------------------------------------- running
class _Stop(Exception):
    """Raised in the main thread by the first SIGINT/SIGTERM to leave the scheduler loop."""


class Scheduler:
    """Runs the plan until SIGINT or SIGTERM; :meth:`run` returns the exit status."""

    def __init__(self, plan: SchedulePlan):
        self.plan = plan
        self._scheduler: Any = None
        self._crawl_mutex = threading.Lock()  # one crawl child at a time from this process
        self._stop = threading.Event()
        self._signals = 0
        self._active = 0
        self._idle = threading.Condition()

    # ------------------------------------------------------------------ life cycle
    def run(self, *, run_now: bool = False) -> int:
        from apscheduler.schedulers.blocking import BlockingScheduler

        from storage.archive import Archive

        Archive(self.plan.db).close()  # create / migrate once, before any crawl process
        self._scheduler = BlockingScheduler(timezone=self.plan.tz)
        common = {"coalesce": True, "max_instances": 1, "replace_existing": True}
        self._scheduler.add_job(
            self._tracked(self.crawl_job, self.plan.crawl_trigger, CRAWL_GRACE),
            trigger=self.plan.crawl_trigger,
            id="crawl",
            name="crawl",
            misfire_grace_time=CRAWL_GRACE,
            **common,
        )
        self._scheduler.add_job(
            self._tracked(self.digest_job, self.plan.digest_trigger, DIGEST_GRACE),
            trigger=self.plan.digest_trigger,
            id="digest",
            name="digest",
            misfire_grace_time=DIGEST_GRACE,
            **common,
        )
        if run_now:
            self._scheduler.add_job(
                self._tracked(self.startup_job),
                trigger="date",
                id="startup",
                name="startup",
                misfire_grace_time=None,
                **common,
            )
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            try:
                for job in list_jobs(self.plan):
                    log.info(
                        "job %s (%s) next runs at %s: %s",
                        job["job"],
                        job["cron"],
                        job["next_run"].isoformat(),
                        job["does"],
                    )
                log.info("scheduler started (pid %d); SIGINT or SIGTERM stops it", os.getpid())
                self._scheduler.start()
            except _Stop:
                pass
            if self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            return self._wait_for_jobs()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._signals += 1
        name = signal.Signals(signum).name
        if self._signals == 1:
            log.info("%s received: stopping (a running crawl is asked to finish)", name)
            self._stop.set()
            raise _Stop
        log.warning("%s received again: a running crawl is stopped at once", name)

    def _wait_for_jobs(self) -> int:
        deadline = time.monotonic() + STOP_TIMEOUT + 30
        with self._idle:
            while self._active and time.monotonic() < deadline:
                self._idle.wait(POLL)
            if self._active:
                log.error("jobs still running after %ds; exiting anyway", STOP_TIMEOUT + 30)
                return 1
        log.info("scheduler stopped")
        return 0

    def _tracked(
        self, job: Callable[..., None], trigger: Any = None, grace: int = 0
    ) -> Callable[[], None]:
        def run() -> None:
            with self._idle:
                self._active += 1
            try:
                job(due=_due(trigger, datetime.now(self.plan.tz), grace)) if trigger else job()
            except Exception:
                log.exception("job %s failed unexpectedly", job.__name__)
            finally:
                with self._idle:
                    self._active -= 1
                    self._idle.notify_all()

        run.__name__ = job.__name__
        return run

    # ------------------------------------------------------------------ job records
    def _record_start(self, job: str, due: datetime | None) -> int | None:
        from storage.archive import Archive

        try:
            with Archive(self.plan.db) as archive:
                return archive.start_job(job, scheduled_for=due.isoformat() if due else None)
        except Exception as exc:  # noqa: BLE001 - logging the job matters more than its row
            log.warning("could not record the %s job in %s: %s", job, self.plan.db, exc)
            return None

    def _record_end(self, job_id: int | None, **values: Any) -> None:
        from storage.archive import Archive

        if job_id is None:
            return
        try:
            with Archive(self.plan.db) as archive:
                archive.finish_job(job_id, **values)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not record the end of job %s in %s: %s", job_id, self.plan.db, exc)

    # ------------------------------------------------------------------ jobs
    def startup_job(self) -> None:
        """``--run-now``: one crawl, then the digest, right after start."""
        self.crawl_job()
        if not self._stop.is_set():
            self.digest_job()

    def crawl_job(self, due: datetime | None = None) -> None:
        """One crawl in a child process; *due* is the scheduled time (None: at start)."""
        if self._stop.is_set():
            return
        if not self._crawl_mutex.acquire(blocking=False):
            log.warning("crawl skipped: the previous crawl is still running")
            self._record_end(
                self._record_start("crawl", due),
                status="skipped",
                detail="the previous crawl is still running",
            )
            return
        try:
            # No is_locked() check first: another crawl may take the lock right after it. The
            # child takes the lock itself and exits with EXIT_BUSY when it is held.
            self._run_crawl_process(self._record_start("crawl", due))
        finally:
            self._crawl_mutex.release()

    def _run_crawl_process(self, job_id: int | None) -> None:
        from storage.archive import utcnow

        command = [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--config",
            str(self.plan.config_dir),
            "--db",
            str(self.plan.db),
        ]
        log.info("crawl started: %s", " ".join(command[1:]))
        since = utcnow()
        started = time.monotonic()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            # A session of its own: a Ctrl-C in the terminal reaches the scheduler only, which
            # passes it on exactly once.
            child = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            forwarded, asked_at = 0, 0.0
            while child.poll() is None:
                wanted = self._signals if self._stop.is_set() else 0
                if wanted > forwarded:
                    child.send_signal(signal.SIGTERM)
                    forwarded += 1
                    asked_at = asked_at or time.monotonic()
                    log.info("crawl (pid %d) asked to stop (SIGTERM %d)", child.pid, forwarded)
                if forwarded and time.monotonic() - asked_at > STOP_TIMEOUT:
                    log.error("crawl (pid %d) did not stop in %ds: killed", child.pid, STOP_TIMEOUT)
                    child.kill()
                    asked_at = float("inf")
                try:
                    child.wait(POLL)
                except subprocess.TimeoutExpired:
                    pass
            seconds = time.monotonic() - started
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
        code = child.returncode
        run = self._run_row(child.pid, since)
        summary = " ".join(line.strip() for line in stdout.splitlines()[:2] if line.strip())
        problem = next((ln.strip() for ln in reversed(stderr.splitlines()) if ln.strip()), "")
        detail = summary if code == 0 else problem or summary
        if code == 0:
            status = "interrupted" if run and run.get("status") == "interrupted" else "ok"
            log.info("crawl ended (%s) in %.1fs: %s", status, seconds, summary or "no summary")
        elif code == EXIT_BUSY:  # another crawl took the archive's lock first: try next time
            status = "skipped"
            holder = problem.removeprefix("culturewatch: ")
            detail = f"another crawl holds the archive's lock: {holder}"
            log.warning("crawl skipped: %s", detail)
        else:
            status = "failed"
            log.error(
                "crawl failed (exit status %s) in %.1fs: %s",
                code,
                seconds,
                problem or summary or "no message",
            )
            for line in stdout.splitlines()[2:]:
                if line.strip():
                    log.error("  %s", line.strip())
        self._record_end(
            job_id,
            status=status,
            exit_code=code,
            run_id=run.get("id") if run else None,
            detail=detail[:2000] or None,
        )

    def _run_row(self, pid: int, since: str) -> dict[str, Any] | None:
        """The ``runs`` row the crawl process wrote (its pid, started since *since*), if any."""
        import sqlite3

        try:
            conn = sqlite3.connect(f"file:{self.plan.db}?mode=ro", uri=True)
            try:
                conn.row_factory = sqlite3.Row
                row = conn.execute(
                    "select * from runs where pid = ? and started_at >= ? order by id desc limit 1",
                    [pid, since],
                ).fetchone()
                return dict(row) if row else None
            finally:
                conn.close()
        except sqlite3.Error:
            return None

    def digest_job(self, due: datetime | None = None) -> None:
        """The digest of the day that ended before *due* (or of that day, ``digest.day = today``)."""
        from crawler.digests import theme_labels
        from storage.digest import DigestError, write_digest

        if self._stop.is_set():
            return
        day = self.plan.digest_date(due)
        if self.plan.digest_day == "today" and self._crawl_mutex.locked():
            log.info("digest waits for the running crawl to finish")
            if self._crawl_mutex.acquire(timeout=DIGEST_WAITS_FOR_CRAWL):
                self._crawl_mutex.release()
        job_id = self._record_start("digest", due)
        log.info("digest started: %s into %s", day.isoformat(), self.plan.out)
        started = time.monotonic()
        try:
            digest, paths = write_digest(
                self.plan.db,
                day,
                self.plan.out,
                tz=self.plan.tz,
                max_age_days=self.plan.max_age_days,
                labels=theme_labels(self.plan.config_dir),
            )
        except (DigestError, ConfigError) as exc:
            log.error("digest failed: %s", exc)
            self._record_end(job_id, status="failed", detail=str(exc)[:2000])
            return
        except Exception as exc:
            log.exception("digest failed")
            self._record_end(job_id, status="failed", detail=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        detail = f"{digest.name}: {len(digest.entries)} relevant articles; " + ", ".join(
            p.name for p in paths
        )
        log.info("digest ended in %.1fs: %s", time.monotonic() - started, detail)
        self._record_end(job_id, status="ok", detail=detail)


def _due(trigger: Any, now: datetime, grace: int) -> datetime | None:
    """The scheduled time of the run starting now: the trigger's latest fire time up to *now*
    (missed runs are coalesced into the last one), looking back at most *grace* seconds."""
    due = None
    moment = trigger.get_next_fire_time(None, now - timedelta(seconds=grace))
    while moment is not None and moment <= now:
        due = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return due


def configure_logging(verbose: bool = False) -> None:
    """Timestamped lines on stderr (journald and cron mail keep them as they are)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S%z")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.WARNING)
