"""Failures are news: how many enabled sources failed their last crawl, since when, and
whether every one of them did (issue 29).

A source is *failing* when its last crawl failed (``sources.failures_in_row`` >= 1). It has
been failing since its last success (``last_success_at``), or, never reached, since its
first crawl (``first_attempt_at``, else ``last_attempt_at``); the archive's figure is the
oldest of those. *Every* source failed when the last crawl that ended (``runs``) reached
none of its sources. The front page, the digest's header and the alert e-mails state it in the
same words (:meth:`Failing.sentence`); ``crawl`` exits with ``EXIT_UNREACHABLE`` when a
crawl reached no source at all. Read only.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.connection import Reader

__all__ = ["HEALTH_QUERY", "Failing", "failing_sources"]

HEALTH_QUERY = "source_health"  # the canned query that shows each source's health


@dataclass(frozen=True)
class Failing:
    """The enabled sources whose last crawl failed."""

    names: tuple[str, ...]  # the failing sources, by name
    enabled: int  # every enabled source that was crawled at least once
    since: str | None  # ISO 8601: the oldest failing source's last success (else first crawl)
    last_crawl: tuple[int, int] = (0, 0)  # the last ended crawl's sources (failed, reached)

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def every(self) -> bool:
        """The last crawl reached no source at all (``crawl`` exited with EXIT_UNREACHABLE)."""
        failed, reached = self.last_crawl
        return self.count > 0 and failed > 0 and reached == 0

    def sentence(self) -> str:
        """E.g. "Every source failed the last crawl (61 of 61), failing since 2026-03-04
        06:00 UTC: nothing new can arrive." or "3 of 61 sources failed their last crawl
        (failing since ...): xinhua, cgtn, globaltimes." ("" when none failed)."""
        if not self.names:
            return ""
        since = f", failing since {_shown(self.since)}" if self.since else ""
        if self.every:
            failed = self.last_crawl[0]
            return (
                f"Every source failed the last crawl ({failed} of {failed}){since}: "
                "nothing new is being archived."
            )
        named = ", ".join(self.names[:5]) + (", …" if self.count > 5 else "")
        verb = "source failed its" if self.count == 1 else "sources failed their"
        return f"{self.count} of {self.enabled} {verb} last crawl{since}: {named}."


def _shown(value: str) -> str:
    """``2026-03-04T06:00:12+00:00`` -> ``2026-03-04 06:00 UTC`` (the archive writes UTC)."""
    return value[:16].replace("T", " ") + " UTC" if len(value) >= 16 else value


def failing_sources(db: Reader) -> Failing:
    """The failing enabled sources of an open archive (none before any crawl)."""
    columns = {row[1] for row in db.execute("pragma table_info(sources)").fetchall()}
    if "failures_in_row" not in columns:
        return Failing((), 0, None)
    first = "s.first_attempt_at" if "first_attempt_at" in columns else "null"
    rows = db.execute(
        "select s.name, coalesce(s.failures_in_row, 0), "
        f"coalesce(s.last_success_at, {first}, s.last_attempt_at) "
        "from sources s where coalesce(s.enabled, 1) = 1 and s.last_attempt_at is not null "
        "order by s.name"
    ).fetchall()
    failing = [(str(name), since) for name, failures, since in rows if failures > 0]
    stamps = [str(since) for _, since in failing if since]
    return Failing(
        names=tuple(name for name, _ in failing),
        enabled=len(rows),
        since=min(stamps) if stamps else None,
        last_crawl=_last_crawl(db),
    )


def _last_crawl(db: Reader) -> tuple[int, int]:
    """(sources failed, sources reached) of the last crawl that ended; (0, 0) before any."""
    columns = {row[1] for row in db.execute("pragma table_info(runs)").fetchall()}
    if not {"sources_ok", "sources_failed", "ended_at"} <= columns:
        return (0, 0)
    row = db.execute(
        "select coalesce(sources_failed, 0), coalesce(sources_ok, 0) from runs "
        "where ended_at is not null order by ended_at desc, id desc limit 1"
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)
