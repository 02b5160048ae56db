"""``kill -9`` of a command that runs worker processes leaves none of them running: a
parallel ``rescore`` (its scoring processes, multiprocessing's resource tracker) and a
crawl (its extraction fork server and workers) take their children with them."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from support import FixtureServer
from test_faults import _start
from test_workers import feed_crawl_files, hostile_site

from storage.archive import Archive

# what ``rescore`` spreads over one process per core from (crawler/cli/scoring.py)
_PARALLEL_FROM = 5000


def _descendants(pid: int) -> set[int]:
    """The living processes under *pid* (from /proc: children of each of its threads)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped by whoever adopted it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _kill_and_watch(
    proc: subprocess.Popen, at_least: int, busy: Callable[[], bool], timeout: float = 90
) -> None:
    """Wait until *proc* has *at_least* descendants and is *busy*, SIGKILL it, and assert
    that every one of them is gone within a few seconds (then kill any left, so the test
    leaves none)."""
    deadline = time.monotonic() + timeout
    children: set[int] = set()
    while len(children) < at_least or not busy():
        assert proc.poll() is None, "it ended before its workers were seen at work"
        assert time.monotonic() < deadline, f"{len(children)} child processes, not yet busy"
        time.sleep(0.2)
        children |= _descendants(proc.pid)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 5
    while (left := {pid for pid in children if _alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:120] for pid in left}
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"still running 5 s after their parent was killed: {commands}"


@pytest.mark.slow  # a 5,000-article archive
def test_a_killed_parallel_rescore_leaves_no_process(tmp_path):
    db = tmp_path / "a.db"
    text = "The Chinese animated film Ne Zha 2 opened abroad, and hanfu is in fashion. " * 20
    with Archive(db) as archive, archive.transaction():
        for n in range(_PARALLEL_FROM + 500):
            archive.upsert_article(
                {"url": f"https://example.org/{n}", "title": f"Film {n}", "text": f"{text}{n}"}
            )
    # the console script, as a user runs it: multiprocessing's fork server (which the
    # rescore once used) loads its ``__main__``, and a killed ``python -m crawler`` left
    # nothing running where a killed ``culturewatch`` left its fork server and a worker
    script = Path(sys.executable).with_name("culturewatch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "crawler"]
    proc = subprocess.Popen(
        [*command, "rescore", "--db", str(db), "--batch-size", "20"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def scored() -> bool:  # a few batches written: every scoring process is at work
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            sql = "select count(*) from articles where relevance is not null"
            return int(conn.execute(sql).fetchone()[0]) >= 200

    # the resource tracker and two scoring processes (at least: one a core)
    _kill_and_watch(proc, at_least=3, busy=scored)


@pytest.mark.slow  # an end-to-end crawl
def test_a_killed_crawl_leaves_no_extraction_process(tmp_path, monkeypatch):
    monkeypatch.setenv("CULTUREWATCH_WORKER_TEST_HOOKS", "1")
    with FixtureServer() as srv:
        urls = hostile_site(srv, 4, {1: "hang", 2: "hang"})  # two workers busy for good
        config, sources, db = feed_crawl_files(
            tmp_path, srv, **{"crawl.extract_workers": 2, "crawl.extract_timeout": 600}
        )
        proc = _start(config, sources, db)
        # the fork server and its two workers, each on its page
        _kill_and_watch(proc, at_least=3, busy=lambda: bool(srv.requests(urls[2])))
