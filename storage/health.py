"""Sources that need attention: failed N crawls in a row, or nothing new for N days.

One rule (:class:`FlagRule`, from the ``[flags]`` settings) read in three places: the crawl
stores each source's flag in ``sources.flag`` at its end (the canned query
``sources_needing_attention`` reads it), and ``culturewatch sources`` and the digest's
footer evaluate it on the archive as it is (:func:`flagged_sources`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from storage.connection import Reader, reading
from storage.formats import parse_iso, utcnow

__all__ = [
    "FlagRule",
    "SourceFlag",
    "flag_reason",
    "flagged_sources",
    "flags_in",
    "update_flag",
]


@dataclass(frozen=True)
class FlagRule:
    """When a source is flagged: after ``failed_crawls`` failed crawls in a row, or when it
    brought no new article for ``quiet_days`` days (counted from its first crawl)."""

    failed_crawls: int = 3
    quiet_days: int = 7


@dataclass(frozen=True)
class SourceFlag:
    name: str
    reason: str  # "failed 3 crawls in a row: HTTP 404" | "nothing new for 9 days"


def flag_reason(
    rule: FlagRule,
    *,
    failures_in_row: int | None,
    last_error: str | None,
    last_new_at: str | None,
    first_attempt_at: str | None,
    now: datetime | None = None,
) -> str | None:
    """Why a source with these facts is flagged under *rule*, or None."""
    failures = failures_in_row or 0
    if failures >= rule.failed_crawls:
        error = " ".join((last_error or "").split())
        error = error if len(error) <= 120 else error[:119] + "…"
        crawls = "crawl" if failures == 1 else "crawls"
        return f"failed {failures} {crawls} in a row" + (f": {error}" if error else "")
    since = parse_iso(last_new_at) or parse_iso(first_attempt_at)
    if since is None:
        return None
    now = now or datetime.now(UTC)
    days = (now - since).total_seconds() / 86400
    if days >= rule.quiet_days:
        what = "nothing new" if last_new_at else "no article yet"
        return f"{what} for {int(days)} day{'' if int(days) == 1 else 's'}"
    return None


_FACTS = (
    "select s.name, s.failures_in_row, s.last_error, s.first_attempt_at, "
    "(select max(a.fetched_at) from articles a where a.source = s.name) as last_new_at "
    "from sources s"
)


def update_flag(db: sqlite_utils.Database, name: str, rule: FlagRule) -> None:
    """After a crawl recorded *name*'s result: its first crawl's time and its flag."""
    now = utcnow()
    db.execute(
        "update sources set first_attempt_at = coalesce(first_attempt_at, last_attempt_at, ?) "
        "where name = ?",
        [now, name],
    )
    row = db.execute(f"{_FACTS} where s.name = ?", [name]).fetchone()
    if row is None:
        return
    reason = flag_reason(
        rule,
        failures_in_row=row[1],
        last_error=row[2],
        first_attempt_at=row[3],
        last_new_at=row[4],
    )
    db.execute(
        "update sources set flagged_at = case when ? is null then null "
        "else coalesce(flagged_at, ?) end, flag = ? where name = ?",
        [reason, now, reason, name],
    )


def flags_in(db: Reader, rule: FlagRule, names: Iterable[str] | None = None) -> list[SourceFlag]:
    """The sources flagged under *rule* now, by name, in an open archive *db*: those in *names* (the configured
    ones) or else every enabled source. None before a crawl of this release wrote it."""
    columns = {row[1] for row in db.execute("pragma table_info(sources)").fetchall()}
    if "first_attempt_at" not in columns:
        return []
    wanted = None if names is None else set(names)
    flags = []
    for name, failures, error, first, last_new in db.execute(
        f"{_FACTS} where coalesce(s.enabled, 1) = 1 order by s.name"
    ).fetchall():
        if wanted is not None and name not in wanted:
            continue
        reason = flag_reason(
            rule,
            failures_in_row=failures,
            last_error=error,
            first_attempt_at=first,
            last_new_at=last_new,
        )
        if reason:
            flags.append(SourceFlag(name, reason))
    return flags


def flagged_sources(
    path: str | os.PathLike[str], rule: FlagRule, names: Iterable[str] | None = None
) -> list[SourceFlag]:
    """:func:`flags_in` the archive at *path* (none when it is missing)."""
    if not Path(path).exists():
        return []
    with reading(path) as db:
        return flags_in(db, rule, names)
