"""Measure the crawl on a loopback mirror of the extraction benchmark's real pages.

The pages of ``../shared/corpus/extraction-benchmark`` are served on two loopback hosts
(an RSS feed on one, a Google News sitemap on the other); `culturewatch crawl` archives
them through the real CLI and Scrapy engine; the archived ``text`` is scored against the
ground truth with the benchmark's metric (token 4-gram shingles). A second crawl of the
unchanged mirror must fetch no article and add no row.

    python tests/quality/eval_extraction.py [--check]

``--check`` exits 1 when a figure is worse than ``tests/quality/baselines.json``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from gate import baseline, fell_below, verdict  # noqa: E402
from support import (  # noqa: E402
    FixtureServer,
    build_benchmark_mirror,
    corpus_dir,
    crawl_cli,
    loopback_alias,
    shingle_f1,
    write_settings,
    write_sources,
)


def _crawl(config: Path, sources: Path, db: Path) -> subprocess.CompletedProcess:
    return crawl_cli(config, sources, db, "--allow-private-networks", timeout=600)


def measure(corpus: Path, workdir: Path) -> dict:
    config = workdir / "config"
    write_settings(config, **{"crawl.max_items_per_source": 1000})
    with (
        FixtureServer(host="127.0.0.1") as feed_srv,
        FixtureServer(host=loopback_alias()) as map_srv,
    ):
        mirror = build_benchmark_mirror(feed_srv, map_srv, corpus)
        sources = write_sources(
            workdir / "sources.toml",
            [
                {"name": "mirror-feed", "url": mirror.feed_url, "kind": "feed"},
                {"name": "mirror-sitemap", "url": mirror.sitemap_url, "kind": "sitemap"},
            ],
        )
        db = workdir / "archive.db"
        started = time.monotonic()
        first = _crawl(config, sources, db)
        seconds = time.monotonic() - started
        if first.returncode != 0:
            raise RuntimeError(f"crawl failed: {first.stderr.strip()[-500:]}")
        with sqlite3.connect(db) as conn:
            texts = dict(conn.execute("select url, text from articles"))
        served = len(feed_srv.log) + len(map_srv.log)
        rows_before = len(texts)
        second = _crawl(config, sources, db)
        refetched = [
            h.path for srv in (feed_srv, map_srv) for h in srv.log[:] if h.path.startswith("/a/")
        ]
        with sqlite3.connect(db) as conn:
            rows_after = conn.execute("select count(*) from articles").fetchone()[0]
    scores = shingle_f1((texts.get(url, ""), truth) for url, truth in mirror.truth.items())
    pages = len(mirror.truth)
    return {
        "pages": pages,
        "archived": sum(1 for url in mirror.truth if url in texts),
        "archived_share": round(sum(1 for url in mirror.truth if url in texts) / pages, 4),
        "precision": round(scores["precision"], 4),
        "recall": round(scores["recall"], 4),
        "f1": round(scores["f1"], 4),
        "crawl_seconds": round(seconds, 1),
        "requests_first_crawl": served,
        "second_crawl_refetched_articles": len(refetched) - pages,
        "second_crawl_new_rows": rows_after - rows_before,
        "second_crawl_exit": second.returncode,
    }


def check(result: dict) -> list[str]:
    """The figures that are worse than the stored baseline."""
    problems = fell_below(result, baseline("extraction"), ("f1", "archived_share"))
    if result["second_crawl_refetched_articles"] or result["second_crawl_new_rows"]:
        problems.append("the second crawl fetched articles again or added rows")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail below the stored baseline")
    args = parser.parse_args()
    corpus = corpus_dir()
    if corpus is None:
        print("../shared/corpus/extraction-benchmark is not available: nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(corpus, Path(tmp))
    print(json.dumps(result, indent=2))
    return verdict(check(result)) if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
