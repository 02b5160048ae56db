"""The log of crawl runs and scheduled jobs: when each started, how it ended, what it did.

``runs`` has a row per crawl (its counts and errors per source), ``jobs`` a row per job the
scheduler started or skipped. A crawl starts its run holding the crawl lock, so a run still
``running`` then belongs to a crawl that died and is closed as ``crashed`` with the counts
of what it wrote. Each function writes through an open :class:`storage.archive.Archive`.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from sqlite_utils.db import Table

from storage import queries
from storage.formats import utcnow
from storage.pages import RETRY_OUTCOMES

if TYPE_CHECKING:
    from storage.archive import Archive

__all__ = ["finish_job", "finish_run", "start_job", "start_run"]


def start_run(archive: Archive) -> int:
    """Record a crawl as running. Call it holding the crawl lock: a run still marked
    running then belongs to a crawl that died (killed, out of memory) and is closed."""
    with archive.transaction():
        _close_crashed_runs(archive)
    table = archive.db.table("runs")
    return _last_pk(table.insert({"started_at": utcnow(), "status": "running", "pid": os.getpid()}))


def _close_crashed_runs(archive: Archive) -> None:
    """Runs left ``running`` died with their crawl: mark them crashed, with the counts
    and end time of what they wrote (pages and articles since they started)."""
    db = archive.db
    for run_id, started in db.execute(
        "select id, started_at from runs where status = 'running' order by id"
    ).fetchall():
        nxt = db.execute("select min(started_at) from runs where id > ?", [run_id]).fetchone()[0]
        written = queries.written_between(db, started, nxt or "9999")
        pages = written.pages
        failed = sum(pages.get(o, 0) for o in (*RETRY_OUTCOMES, "given_up", "too_large"))
        db.table("runs").update(
            run_id,
            {
                "status": "crashed",
                "ended_at": max(filter(None, [written.last_write, started])),
                "fetched": sum(pages.values()) - sum(pages.get(o, 0) for o in RETRY_OUTCOMES),
                "new": written.new,
                "relevant": written.relevant,
                "failed": failed,
                "errors": json.dumps(
                    {"_crawl": "the crawl process died; counts are from what it wrote"}
                ),
            },
        )


def finish_run(
    archive: Archive, run_id: int, *, status: str, counts: dict[str, int], errors: dict[str, Any]
) -> None:
    """Record how the crawl *run_id* ended: its status, counts and errors per source."""
    archive.db.table("runs").update(
        run_id,
        {
            "ended_at": utcnow(),
            "status": status,
            **counts,
            "errors": json.dumps(errors, ensure_ascii=False, sort_keys=True),
        },
    )


def start_job(archive: Archive, job: str, *, scheduled_for: str | None = None) -> int:
    """Record that the scheduler started *job* (``crawl`` or ``digest``)."""
    return _last_pk(
        archive.db.table("jobs").insert(
            {
                "job": job,
                "scheduled_for": scheduled_for,
                "started_at": utcnow(),
                "status": "running",
                "pid": os.getpid(),
            }
        )
    )


def finish_job(
    archive: Archive,
    job_id: int,
    *,
    status: str,
    detail: str | None = None,
    exit_code: int | None = None,
    run_id: int | None = None,
) -> None:
    """Record how a scheduled job ended: ok, failed, skipped or interrupted."""
    archive.db.table("jobs").update(
        job_id,
        {
            "ended_at": utcnow(),
            "status": status,
            "detail": detail,
            "exit_code": exit_code,
            "run_id": run_id,
        },
    )


def _last_pk(table: Table) -> int:
    """The integer primary key of the row *table* just inserted."""
    if table.last_pk is None:
        raise RuntimeError(f"no row was inserted into {table.name}")
    return int(table.last_pk)
