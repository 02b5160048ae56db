"""Cron expressions of ``settings.toml`` (``schedule.crawl``, ``schedule.digest``).

Read with their crontab meaning and turned into APScheduler triggers. The settings loader
(:mod:`crawler.config`) checks them for every command, the scheduler builds its jobs from
them; a bad expression is a one-line :class:`~crawler.config.files.ConfigError`.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from crawler.config.files import ConfigError

__all__ = ["cron_trigger"]

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(expression: str, tz: ZoneInfo, *, key: str, where: Any) -> Any:
    """A CronTrigger for a five-field crontab *expression*, or a one-line ConfigError.

    Day-of-week numbers keep their crontab meaning (0 or 7 = Sunday, 1 = Monday), which
    APScheduler 3.x's ``from_crontab`` does not (it takes 0 as Monday).

    An expression restricting both the day of month and the day of week is refused: crontab
    runs when *either* matches (``0 7 1 * 1``: the 1st and every Monday), APScheduler only when
    both do, so it would silently run far less often than its author expects.
    """
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split() if isinstance(expression, str) else []
    problem = None
    if len(fields) != 5:
        problem = f"has {len(fields)} fields, not five (minute hour day month weekday)"
    elif not fields[2].startswith("*") and not fields[4].startswith("*"):
        problem = (
            "restricts both the day of month and the day of week, which crontab reads as "
            "either one and this scheduler as both: restrict only one of them (use * in the other)"
        )
    else:
        minute, hour, day, month, weekday = fields
        try:
            return CronTrigger(
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=_crontab_weekdays(weekday),
                timezone=tz,
            )
        except ValueError as exc:
            problem = f"is not a valid cron expression: {exc}"
    raise ConfigError(f"{where}: '{key}' {expression!r} {problem}")


def _crontab_weekdays(field: str) -> str:
    """Translate crontab weekday numbers (0-7, Sunday = 0 or 7) into names APScheduler reads."""
    parts = []
    for part in field.split(","):
        if part == "*" or any(c.isalpha() for c in part):
            parts.append(part)
            continue
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"invalid weekday step in {part!r}")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, _, high = base.partition("-")
            if not (low.isdigit() and high.isdigit()):
                raise ValueError(f"invalid weekday range {part!r}")
            first, last = int(low), int(high)
        elif base.isdigit():
            first = int(base)
            last = 6 if step else first
        else:
            raise ValueError(f"invalid weekday {part!r}")
        if not (0 <= first <= 7 and 0 <= last <= 7 and first <= last):
            raise ValueError(f"weekday {part!r} is out of range 0-7")
        parts += [_CRON_DAYS[n % 7] for n in range(first, last + 1, step or 1)]
    return ",".join(dict.fromkeys(parts))
