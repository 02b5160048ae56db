"""``culturewatch schedule``: crawls and digests on the cron schedule of ``settings.toml``.

An APScheduler 3.x :class:`BlockingScheduler` runs the jobs of :mod:`crawler.schedule.jobs` (a crawl
in a fresh process, then the ``after_crawl`` alerts as a job of their own; the day's digest;
the daily and weekly alerts of ``alerts.toml`` when there are any). The jobs coalesce missed
runs into one, never run twice at once (``max_instances=1``) and still run when late by less
than their grace time. Every run is a row in the ``jobs`` table and two log lines, and so is
every run APScheduler skips (the previous one still running, or its time missed by more
than the grace time): a ``skipped`` row with the reason.

SIGINT or SIGTERM stops the scheduler cleanly: a running crawl is sent SIGTERM once
(Scrapy then finishes the requests in flight and records the run as interrupted), running
alerts abandon the delivery under way at once (within :data:`~crawler.outputs.deadlines.SLICE`
seconds) and start no other, the scheduler waits for them and exits with status 0. A second
signal is passed on too, which makes Scrapy stop at once.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from crawler.config.cron import cron_trigger
from crawler.schedule.jobs import POLL, STOP_TIMEOUT, Jobs
from crawler.schedule.plan import SchedulePlan

__all__ = ["Scheduler", "cron_trigger", "list_jobs"]

log = logging.getLogger("culturewatch.schedule")

CRAWL_GRACE = 10 * 60  # seconds: a crawl late by more than this waits for its next time
DIGEST_GRACE = 12 * 3600  # a digest is still worth writing hours late (e.g. after a suspend)
AFTER_CRAWL = "alerts-after_crawl"  # the id of the job of the after_crawl alerts


def list_jobs(plan: SchedulePlan, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each job with its cron expression, next run time and what it does."""
    now = (now or datetime.now(plan.tz)).astimezone(plan.tz)
    which = "today's digest so far" if plan.digest_day == "today" else "the previous day's digest"
    after = len(plan.alerts.config.of("after_crawl")) if plan.alerts else 0
    return [
        {
            "job": "crawl",
            "cron": plan.crawl_cron,
            "next_run": plan.crawl_trigger.get_next_fire_time(None, now),
            "does": f"crawl every enabled source into {plan.db}"
            + (f", then {after} after_crawl alert{'s' if after > 1 else ''}" if after else ""),
        },
        {
            "job": "digest",
            "cron": plan.digest_cron,
            "next_run": plan.digest_trigger.get_next_fire_time(None, now),
            "does": f"write {which} into {plan.out}",
        },
        *(
            {
                "job": f"alerts-{frequency}",
                "cron": getattr(plan.alerts.config, frequency) if plan.alerts else "",
                "next_run": trigger.get_next_fire_time(None, now),
                "does": f"run the {frequency} alerts"
                + ("" if plan.alerts and plan.alerts.config.of(frequency) else " (none yet)"),
            }
            for frequency, trigger in plan.alert_triggers.items()
        ),
    ]


# --------------------------------------------------------------------------- running
class _Stop(Exception):
    """Raised in the main thread by the first SIGINT/SIGTERM to leave the scheduler loop."""


class Scheduler(Jobs):
    """Runs the plan until SIGINT or SIGTERM; :meth:`run` returns the exit status."""

    def __init__(self, plan: SchedulePlan):
        super().__init__(plan)
        self._scheduler: Any = None
        self._active = 0
        self._idle = threading.Condition()

    # ------------------------------------------------------------------ life cycle
    def run(self, *, run_now: bool = False) -> int:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
        from apscheduler.schedulers.blocking import BlockingScheduler

        from storage.archive import Archive

        Archive(self.plan.db).close()  # create / migrate once, before any crawl process
        self._scheduler = BlockingScheduler(timezone=self.plan.tz)
        self._scheduler.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
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
        for frequency, trigger in self.plan.alert_triggers.items():
            alerts = self.daily_alerts_job if frequency == "daily" else self.weekly_alerts_job
            self._scheduler.add_job(
                self._tracked(alerts, trigger, DIGEST_GRACE),
                trigger=trigger,
                id=f"alerts-{frequency}",
                name=f"alerts-{frequency}",
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

    # ------------------------------------------------------------------ jobs of their own
    def after_crawl(self) -> None:
        """The after_crawl alerts as a job of their own, right now: the crawl job ends, so the
        next crawl is never skipped because alerts are still being delivered. While the
        previous after_crawl alerts still run, this run is skipped (and recorded so); their
        stories go with the next one."""
        if self._stop.is_set() or self._scheduler is None:
            return
        self._scheduler.add_job(
            self._tracked(self.after_crawl_alerts_job),
            trigger="date",
            id=AFTER_CRAWL,
            name=AFTER_CRAWL,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def after_crawl_alerts_job(self) -> None:
        self.alerts_job("after_crawl")

    def _on_skipped(self, event: Any) -> None:
        """APScheduler skipped a run (EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED): recorded in
        ``jobs`` as skipped with the reason, from a thread of its own (this listener runs in
        the scheduler's loop, which a busy archive must not hold)."""
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES

        job = _JOBS.get(event.job_id.partition("-")[0], event.job_id)
        what = "after_crawl alerts" if event.job_id == AFTER_CRAWL else job
        if event.code == EVENT_JOB_MAX_INSTANCES:
            times = list(event.scheduled_run_times or [])
            due = times[-1] if times else None
            reason = f"the previous {what} run was still running"
        else:
            due = event.scheduled_run_time
            late = (datetime.now(self.plan.tz) - due).total_seconds() if due else 0
            grace = _GRACE.get(job, CRAWL_GRACE)
            reason = f"missed by {late:.0f}s, more than its grace time ({grace}s)"
        if event.job_id == AFTER_CRAWL:
            reason += "; their stories go with the next run"
        with self._idle:
            self._active += 1

        def record() -> None:
            try:
                self.record_skipped(job, due, reason)
            finally:
                with self._idle:
                    self._active -= 1
                    self._idle.notify_all()

        threading.Thread(target=record, name=f"skipped-{job}", daemon=True).start()

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


_JOBS = {"crawl": "crawl", "digest": "digest", "alerts": "alerts", "startup": "crawl"}
_GRACE = {"crawl": CRAWL_GRACE, "digest": DIGEST_GRACE, "alerts": DIGEST_GRACE}


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
