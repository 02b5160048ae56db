"""A crawl while another program holds the archive's write lock, then a second crawl.

    python tests/bench/write_faults.py [--articles N] [--hold S] [--retry S]

Serves N article pages and a feed on 127.0.0.1, starts ``culturewatch crawl`` and, once
the server has answered four article requests, holds SQLite's write lock on the archive
from another process for S seconds (``--hold``, default 40). ``--retry`` is the crawl's
``crawl.write_retry_seconds`` (default 60, the shipped value). Prints how the first crawl
ended (exit status, seconds, articles archived, its stderr line) and what a second crawl
leaves: every article archived exactly once, whichever way the first one ended.

The issue's case: ``--hold 40`` (the crawl waits and finishes) and ``--hold 40 --retry 5``
(the crawl stops with one line, the next one archives the rest).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

import test_faults as faults  # noqa: E402 - the fault tests' own helpers
from support import FixtureServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=21, help="article pages in the feed")
    parser.add_argument("--hold", type=float, default=40.0, help="seconds the lock is held")
    parser.add_argument("--retry", type=float, default=60.0, help="crawl.write_retry_seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FixtureServer() as srv:
        urls = faults.news_site(srv, args.articles)
        config, sources, db = faults.setup(
            Path(tmp),
            srv,
            politeness={"download_delay": 0.2},
            **{"crawl.write_retry_seconds": args.retry},
        )
        holder = faults.hold_write_lock(db, args.hold, faults.when_fetched(srv, 4))
        started = time.monotonic()
        first = faults.crawl(config, sources, db, timeout=args.hold + args.retry + 120)
        took = time.monotonic() - started
        holder.join()
        archived = faults.rows(db, "select count(*) from articles")[0][0]
        line = first.stderr.strip() or "(nothing on stderr)"
        print(f"first crawl: exit {first.returncode} in {took:.1f}s, {archived} of {len(urls)}")
        print(f"  stderr: {line}")
        second = faults.crawl(config, sources, db)
        faults.archived_once(db, urls)
        runs = faults.rows(db, "select status, new from runs order by id")
        print(f"second crawl: exit {second.returncode}; runs {runs}")
        print(f"every article archived exactly once: {len(urls)} of {len(urls)}")


if __name__ == "__main__":
    main()
