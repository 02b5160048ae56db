"""The scheduler's jobs and their records: a crawl in a child process, the day's digest.

crawl
    ``python -m crawler crawl --config DIR --db PATH`` in a fresh process each time (Twisted's
    reactor cannot be restarted in one process). The child takes the archive's crawl lock
    (:mod:`crawler.lock`), so a scheduled crawl never overlaps another one, scheduled or
    started by hand; when the lock is taken the child exits with ``EXIT_BUSY`` (75) and the run
    is recorded as skipped. A failing crawl is logged and recorded, and the scheduler goes on.
digest
    writes the digest of the day that just ended (``digest.day = "previous"``) or of today
    (``"today"``) into ``digest.out``, in this process.
alerts
    the ``after_crawl`` alerts of ``alerts.toml`` after every crawl that was not skipped (a job
    of their own, so the next crawl never waits for them), the ``daily`` and ``weekly`` ones on
    their cron (:mod:`crawler.outputs.alert_runs`), in this process; ``alerts.toml`` is read
    again each time. A failing alert never stops a crawl. Each run has a deadline
    (:data:`ALERTS_DEADLINE`, besides each delivery attempt's own): no delivery starts after
    it, and none after a stop request, which also abandons the one under way (the run is
    recorded ``interrupted``; what it did not deliver goes with the next run).

Every run is a row in the ``jobs`` table and two log lines (start, end and what it did); a
run the scheduler skipped (the previous one still running, or its time missed by more than
its grace time) is a ``skipped`` row with the reason (:meth:`Jobs.record_skipped`).
:class:`Jobs` holds the state the jobs share with the scheduler loop
(:class:`crawler.schedule.scheduler.Scheduler`): the plan (:mod:`crawler.schedule.plan`), the
stop request and the signal count.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from typing import Any

from crawler.config import ConfigError
from crawler.exits import EXIT_BUSY
from crawler.schedule.plan import SchedulePlan

__all__ = ["Jobs"]

log = logging.getLogger("culturewatch.schedule")

DIGEST_WAITS_FOR_CRAWL = 30 * 60  # a "today" digest waits this long for a running crawl
STOP_TIMEOUT = 120  # seconds to wait for a crawl to end after SIGTERM before killing it
ALERTS_DEADLINE = 10 * 60  # seconds: no alert delivery starts later in a run of the alerts
POLL = 0.2


# --------------------------------------------------------------------------- the jobs
class Jobs:
    """The crawl and digest jobs of *plan*; the scheduler loop sets ``_stop`` and counts
    the signals it received in ``_signals`` (a running crawl is passed each one)."""

    def __init__(self, plan: SchedulePlan):
        self.plan = plan
        self._crawl_mutex = threading.Lock()  # one crawl child at a time from this process
        self._stop = threading.Event()
        self._signals = 0

    # ------------------------------------------------------------------ job records
    def _record_start(self, job: str, due: datetime | None) -> int | None:
        from storage.archive import Archive
        from storage.runs import start_job

        try:
            with Archive(self.plan.db) as archive:
                return start_job(archive, job, scheduled_for=due.isoformat() if due else None)
        except Exception as exc:  # noqa: BLE001 - logging the job matters more than its row
            log.warning("could not record the %s job in %s: %s", job, self.plan.db, exc)
            return None

    def _record_end(self, job_id: int | None, **values: Any) -> None:
        from storage.archive import Archive
        from storage.runs import finish_job

        if job_id is None:
            return
        try:
            with Archive(self.plan.db) as archive:
                finish_job(archive, job_id, **values)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not record the end of job %s in %s: %s", job_id, self.plan.db, exc)

    def record_skipped(self, job: str, due: datetime | None, reason: str) -> None:
        """A run of *job* (``crawl``, ``digest``, ``alerts``) that did not happen: a
        ``skipped`` row with *reason*, and a log line."""
        log.warning("%s skipped: %s", job, reason)
        self._record_end(self._record_start(job, due), status="skipped", detail=reason[:2000])

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
            status = self._run_crawl_process(self._record_start("crawl", due))
        finally:
            self._crawl_mutex.release()
        if status != "skipped":
            self.revisit_job()
            self.after_crawl()

    def revisit_job(self) -> None:
        """The due revisits, after the crawl and at most ``revisit.max_per_crawl`` of them
        (so that they never take the place of new articles), in a child process too."""
        budget = int(self.plan.settings["revisit.max_per_crawl"])
        if self._stop.is_set() or not budget or not self.plan.settings["revisit.after"]:
            return
        self._run_crawl_process(
            self._record_start("revisit", None), action="revisit", extra=["--limit", str(budget)]
        )

    def after_crawl(self) -> None:
        """The ``after_crawl`` alerts, here (the scheduler runs them as a job of their own)."""
        self.alerts_job("after_crawl")

    def _run_crawl_process(
        self, job_id: int | None, *, action: str = "crawl", extra: list[str] | None = None
    ) -> str:
        """One crawl process (or *action*: revisit); returns how it ended (ok, interrupted,
        skipped, failed)."""
        from storage.formats import utcnow

        command = [
            sys.executable,
            "-m",
            "crawler",
            action,
            "--config",
            str(self.plan.config_dir),
            "--db",
            str(self.plan.db),
            *(extra or []),
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
            shown = 0  # bytes of the child's stderr already logged
            while child.poll() is None:
                shown = _log_progress(err.fileno(), shown)
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
            _log_progress(err.fileno(), shown)
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
        elif code == EXIT_BUSY:  # the archive's lock is taken (a crawl, a rescore): next time
            status = "skipped"
            # the lock's own line names the holder: "a rescore is running on ... (pid N); ..."
            holder = problem.removeprefix("culturewatch: ") or "the archive is busy"
            detail = f"skipped, the archive is locked: {holder}"
            log.warning("crawl %s", detail)
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
        return status

    def _run_row(self, pid: int, since: str) -> dict[str, Any] | None:
        """The ``runs`` row the crawl process wrote (its pid, started since *since*), if any."""
        from storage.queries import latest_run

        try:
            return latest_run(self.plan.db, pid=pid, since=since)
        except sqlite3.Error:
            return None

    def digest_job(self, due: datetime | None = None) -> None:
        """The digest of the day that ended before *due* (or of that day, ``digest.day = today``)."""
        from crawler.outputs.digests import article_pages, flag_rule, health_page, theme_labels
        from storage.outputs import DigestError, write_digest

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
                article_pages=article_pages(self.plan.settings),
                flags=flag_rule(self.plan.settings),
                health_page=health_page(self.plan.settings),
            )
        except (DigestError, ConfigError) as exc:
            log.error("digest failed: %s", exc)
            self._record_end(job_id, status="failed", detail=str(exc)[:2000])
            return
        except Exception as exc:
            log.exception("digest failed")
            self._record_end(job_id, status="failed", detail=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        detail = (
            f"{digest.name}: {len(digest.entries)} relevant articles in "
            f"{len(digest.stories)} stories; "
        ) + ", ".join(p.name for p in paths)
        log.info("digest ended in %.1fs: %s", time.monotonic() - started, detail)
        self._record_end(job_id, status="ok", detail=detail)

    def daily_alerts_job(self, due: datetime | None = None) -> None:
        self.alerts_job("daily", due)

    def weekly_alerts_job(self, due: datetime | None = None) -> None:
        self.alerts_job("weekly", due)

    def alerts_job(self, frequency: str, due: datetime | None = None) -> None:
        """The alerts of *frequency*, ``alerts.toml`` read again; never raises."""
        from crawler.outputs.alert_runs import run_alerts
        from crawler.outputs.alerts_plan import AlertsPlan

        if self._stop.is_set() or self.plan.alerts is None:
            return
        try:  # read again: an alert edited or added since the start counts
            plan = AlertsPlan.from_config(config_dir_path=self.plan.config_dir, db=self.plan.db)
            for warning in plan.warnings:  # saved alerts left out (alerts.toml wins a name)
                log.warning("%s", warning)
            if not plan.config.of(frequency):
                return
            job_id = self._record_start("alerts", due)
        except Exception as exc:  # noqa: BLE001 - a broken alerts.toml never stops a crawl
            log.error("%s alerts not run: %s", frequency, exc)
            self._record_end(
                self._record_start("alerts", due), status="failed", detail=f"{frequency}: {exc}"
            )
            return
        try:
            outcomes = run_alerts(
                plan,
                frequency=frequency,
                stop=self._stop,
                until=time.monotonic() + ALERTS_DEADLINE,
            )
        except Exception as exc:  # noqa: BLE001 - e.g. the archive cannot be opened
            log.error("%s alerts failed: %s", frequency, exc)
            self._record_end(job_id, status="failed", detail=f"{frequency}: {exc}"[:2000])
            return
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        failed = [o for o in outcomes if o.status == "failed"]
        detail = f"{frequency}: " + (
            ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no alerts"
        )
        if failed:
            detail += "; " + "; ".join(f"{o.alert} -> {o.target}: {o.detail}" for o in failed)
        status = "interrupted" if self._stop.is_set() else "failed" if failed else "ok"
        log.log(logging.INFO if status == "ok" else logging.WARNING, "alerts ended: %s", detail)
        self._record_end(job_id, status=status, detail=detail[:2000])


def _log_progress(fd: int, shown: int) -> int:
    """Log the lines the crawl wrote to its stderr (*fd*) after byte *shown*: its plain
    progress line every 10 s (``progress: sources 3/61 done, ...``), as README says; returns
    the bytes logged so far. ``os.pread`` leaves the file's offset, which the child writes
    at, alone."""
    data = os.pread(fd, 1 << 16, shown)
    end = data.rfind(b"\n") + 1  # whole lines only; the rest waits for its end
    for line in data[:end].decode("utf-8", "replace").splitlines():
        if line.startswith("progress: "):
            log.info("crawl %s", line.strip())
    return shown + end
