"""The scheduler's plan: what runs when, read from the configuration and checked at start.

:class:`SchedulePlan` reads ``settings.toml``, the sources, the themes and ``alerts.toml``
once, when ``culturewatch schedule`` starts: a broken file, a bad cron expression or time
zone stops the scheduler then (:class:`crawler.config.ConfigError`), not at the first crawl.
It holds the cron triggers of the crawl, the digest and the daily and weekly alerts, and
which day a digest is of (:meth:`SchedulePlan.digest_date`). The jobs that run on it are
:mod:`crawler.schedule.jobs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.config import Settings
from crawler.config.cron import cron_trigger

__all__ = ["SchedulePlan"]


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
    alerts: Any = None  # an AlertsPlan (crawler.outputs.alerts_plan), read at start
    alert_triggers: dict[str, Any] = field(default_factory=dict)  # daily/weekly -> trigger

    @classmethod
    def from_config(cls, *, config_dir: Path | None = None, db: Path | None = None) -> SchedulePlan:
        from crawler.outputs.alerts_plan import AlertsPlan
        from crawler.outputs.digests import digest_timezone
        from crawler.runner import CrawlOptions

        # settings, sources and themes: a broken file stops us now, not at the first crawl
        options = CrawlOptions.from_config(config_dir=config_dir, db=db)
        settings = options.settings
        where = settings.path or "settings.toml"
        tz = digest_timezone(settings)
        alerts = AlertsPlan.from_config(config_dir_path=options.config_dir, db=options.db)
        alerts_where = alerts.config.path or "alerts.toml"
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
            alerts=alerts,
            alert_triggers={
                frequency: cron_trigger(
                    getattr(alerts.config, frequency),
                    tz,
                    key=f"schedule.{frequency}",
                    where=alerts_where,
                )
                for frequency in ("daily", "weekly")  # both, even with none of one now: the
            },  # job reads alerts.toml and the saved alerts again, so one saved later runs
        )

    def digest_date(self, now: datetime | None = None) -> date:
        today = (now or datetime.now(self.tz)).astimezone(self.tz).date()
        return today if self.digest_day == "today" else today - timedelta(days=1)
