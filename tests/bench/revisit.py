"""A revisit crawl of unchanged articles costs conditional requests only.

    python tests/bench/revisit.py [--pages N] [--hosts H]

The pages of ``../shared/corpus/extraction-benchmark`` are served on H loopback hosts
(127.0.0.1, 127.0.0.2, ...; a free port each) in as many distinct copies as make N pages
(:func:`crawl_vs_trafilatura.distinct_copy`), each with an ``ETag`` and a ``Last-Modified``,
and listed in one RSS feed per host. ``culturewatch crawl`` archives them (every article
relevant: ``relevance.threshold = 0``), then ``culturewatch revisit --all`` fetches every
article again, as a user starts it, in its own process. Politeness as in
crawl_vs_trafilatura.py: no download delay, no AutoThrottle, robots.txt read (from the
archive: the crawl kept it).

Printed: the pages archived, the revisit's wall time (the whole process, start-up included)
and the time inside it, its requests, how many the servers answered 304, how many pages it
extracted (0 expected: a 304 is never extracted) and how many versions it wrote (0). Exit
status 1 when a revisit was not a 304 or anything was extracted.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from crawl_vs_trafilatura import distinct_copy
from support import FixtureServer, Route, corpus_dir, write_settings, write_sources

from crawler.demo.feeds import Channel, Item, rss2

LAST_MODIFIED = "Wed, 04 Mar 2026 08:00:00 GMT"


def serve(servers: list[FixtureServer], corpus: Path, pages: int) -> None:
    files = sorted((corpus / "html").glob("*.html.gz"))
    listed: list[list[Item]] = [[] for _ in servers]
    for n in range(pages):
        page = gzip.decompress(files[n % len(files)].read_bytes())
        srv = servers[n % len(servers)]
        path = f"/a/{n}.html"
        srv.routes[path] = Route(
            distinct_copy(page, n // len(files)), etag=f"p{n}", last_modified=LAST_MODIFIED
        )
        listed[n % len(servers)].append(
            Item(srv.url(path), f"Article {n}", "", "2026-03-04T08:00:00Z", [], "en")
        )
    for srv, items in zip(servers, listed, strict=True):
        srv.routes["/feed.xml"] = Route(
            rss2(Channel("Mirror", srv.url("/"), srv.url("/feed.xml")), items),
            content_type="application/rss+xml; charset=utf-8",
        )


def culturewatch(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "crawler", *args, "--allow-private-networks"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"culturewatch {args[0]} failed: {done.stdout}{done.stderr}")
    return done, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--hosts", type=int, default=4)
    options = parser.parse_args()
    corpus = corpus_dir()
    if corpus is None:
        print("../shared/corpus/extraction-benchmark is not available: nothing to measure")
        return 0
    servers = [FixtureServer(host=f"127.0.0.{i + 1}") for i in range(options.hosts)]
    with tempfile.TemporaryDirectory(prefix="culturewatch-revisit-bench-") as tmp:
        work = Path(tmp)
        for srv in servers:
            srv.start()
        try:
            serve(servers, corpus, options.pages)
            config = work / "config"
            write_settings(
                config,
                politeness={"download_delay": 0, "autothrottle": False, "timeout": 30},
                relevance={"threshold": 0.0},
                **{"crawl.max_items_per_source": options.pages},
            )
            sources = write_sources(
                work / "sources.toml",
                [
                    {"name": f"host{i}", "url": srv.url("/feed.xml"), "kind": "feed"}
                    for i, srv in enumerate(servers)
                ],
            )
            db = work / "archive.db"
            _, crawl_seconds = culturewatch(
                "crawl", "-q", "--config", str(config), "--sources", str(sources), "--db", str(db)
            )
            with sqlite3.connect(db) as conn:
                archived = conn.execute("select count(*) from articles").fetchone()[0]
            for srv in servers:
                srv.log.clear()
            done, wall = culturewatch("revisit", "--all", "--config", str(config), "--db", str(db))
        finally:
            for srv in servers:
                srv.stop()
        hits = [h for srv in servers for h in srv.log if h.path.startswith("/a/")]
        not_modified = sum(1 for h in hits if h.status == 304)
        with sqlite3.connect(db) as conn:
            versions = conn.execute("select count(*) from article_versions").fetchone()[0]
    summary = done.stdout.strip().splitlines()[0]
    found = re.search(r"(\d+) extracted in ([\d.]+)s", summary)
    extracted = int(found[1]) if found else -1
    inside = float(found[2]) if found else float("nan")
    print(f"{options.pages} pages served on {options.hosts} hosts, {archived} archived "
          f"(crawl {crawl_seconds:.1f}s)")  # fmt: skip
    print(f"revisit --all: {wall:.1f}s wall (process), {inside:.1f}s inside; "
          f"{len(hits)} article requests, {not_modified} answered 304, "
          f"{extracted} extracted, {versions} versions written")  # fmt: skip
    print(f"  {summary}")
    ok = extracted == 0 and versions == 0 and not_modified == len(hits) == archived
    print("OK" if ok else "FAILED: a revisit of an unchanged page was more than a 304")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
