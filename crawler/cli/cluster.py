"""More than one machine: ``worker --cluster URL`` and ``cluster status --cluster URL``
(the coordinator is ``crawl --cluster URL``, in :mod:`crawler.cli.crawling`)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import click

from crawler.cli.options import fail, handle_errors

__all__ = ["cluster", "cluster_option", "worker"]

cluster_option = click.option(
    "--cluster",
    "url",
    metavar="URL",
    envvar="CULTUREWATCH_CLUSTER",
    help="Redis of the shared crawl: redis://[:PASSWORD@]HOST:6379/0 or unix:///PATH "
    "(default: $CULTUREWATCH_CLUSTER).",
)


@click.command()
@cluster_option
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@handle_errors
def worker(url: str | None, verbose: bool) -> None:
    """Fetch, extract and score the pages of the crawls a coordinator publishes
    (`crawl --cluster URL`), one after another, until SIGINT/SIGTERM.

    A page it cannot process is one line on stderr and recorded as failed; Redis gone for
    more than 30 s stops it with one line (exit 1)."""
    from crawler.cluster.connect import ClusterError, connect
    from crawler.cluster.frontier import Keys
    from crawler.cluster.worker import run_worker, wait_for_run

    if not url:
        fail("worker needs --cluster URL (the coordinator's Redis)", 2)
        return
    stopping: list[bool] = []
    previous = {
        sig: signal.signal(sig, lambda *_: stopping.append(True))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        run = wait_for_run(connect(url), Keys(), stopping)
    except ClusterError as exc:
        fail(str(exc), 1)
        return
    for sig, handler in previous.items():
        signal.signal(sig, handler)
    if run is None:
        return
    try:
        ended = run_worker(url, run, verbose=verbose)
    except ClusterError as exc:
        fail(str(exc), 1)
        return
    if ended == "interrupted":
        return
    # the next crawl in a fresh process (Twisted's reactor runs once per process); the URL
    # goes in its environment, not its arguments, where `ps` would show a password
    argv = [sys.executable, "-m", "crawler", "worker"] + (["-v"] if verbose else [])
    os.execve(sys.executable, argv, {**os.environ, "CULTUREWATCH_CLUSTER": url})


@click.group()
def cluster() -> None:
    """Watch a crawl shared by workers over Redis."""


@cluster.command()
@cluster_option
@handle_errors
def status(url: str | None) -> None:
    """Workers alive (with their version), pages queued per host, in flight, leases
    expired, pages written."""
    from crawler.cluster.connect import ClusterError, connect
    from crawler.cluster.status import cluster_status

    if not url:
        fail("cluster status needs --cluster URL", 2)
        return
    try:
        lines: Any = cluster_status(connect(url))
    except ClusterError as exc:
        fail(str(exc), 1)
        return
    for line in lines:
        click.echo(line)
