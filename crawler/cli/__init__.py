"""The ``culturewatch`` command line: one click group, a command per job.

Errors a user can act on are one line on stderr and exit status 2 (configuration)
or 1 (the job could not run); see :mod:`crawler.cli.options`. Nothing is loaded at
import time: each command imports what it needs when it runs.
"""

from __future__ import annotations

import click

from crawler.cli.alerts import alerts
from crawler.cli.archive import archive
from crawler.cli.cluster import cluster, worker
from crawler.cli.configure import init
from crawler.cli.crawling import crawl, schedule
from crawler.cli.demo import demo
from crawler.cli.evaluate import evaluate
from crawler.cli.labels import label, labels
from crawler.cli.options import EXIT_BUSY, fail, handle_errors
from crawler.cli.outputs import browse, digest
from crawler.cli.revisits import revisit
from crawler.cli.scoring import rescore, score
from crawler.cli.sources import sources
from crawler.cli.stories import stories

__all__ = ["EXIT_BUSY", "cli", "fail", "handle_errors", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="culturewatch")
def cli() -> None:
    """Monitor media coverage of China's cultural exports and soft power.

    Crawl configured sources, extract and score articles, archive them in SQLite,
    write daily digests and browse the archive with Datasette. `culturewatch COMMAND
    --help` tells what each command does; config/settings.toml's comments what each
    setting does.

    Defaults: configuration from ./config (or $CULTUREWATCH_CONFIG), else the one shipped
    with culturewatch; archive ./data/culturewatch.db (or $CULTUREWATCH_DB). Errors are
    one line on stderr: a configuration error (a bad key or value, a file not UTF-8 or
    unreadable, a bad cron expression) names the file and key or line, exit status 2;
    any other system error (a full disk, a permission denied) reads `culturewatch:
    COMMAND failed: FILE: reason`, exit 1; a --db that is another program's SQLite file
    (or not SQLite) is refused untouched.
    """


for command in (crawl, schedule, digest, browse, sources, stories, score, rescore, demo, init):
    cli.add_command(command)
for command in (label, labels, evaluate, alerts, archive, revisit, worker, cluster):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="culturewatch")
