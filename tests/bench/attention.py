"""Time attention over time for a search (storage/attention.py) on an archive of 100,000 articles.

    python tests/bench/attention.py [--articles N] [--db PATH] [--runs K]

The archive of ``canned_queries.py`` (built, or reused with --db), brought up to date by the
archive's migrations (m017's covering index included); then the concept search 哪吒 counted
per day, language and source group over 90 and 365 days, K times each through the
attention page (``datasette.client``, CSV) and its SQL alone. Reports the median
milliseconds. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for where in (str(ROOT), str(ROOT / "tests" / "bench")):
    if where not in sys.path:
        sys.path.insert(0, where)

from canned_queries import build  # noqa: E402

from crawler.config import load_themes  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.attention import daily_attention  # noqa: E402
from storage.concepts import Concepts, bounded_concept_query  # noqa: E402
from storage.web.serve import build_datasette  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None, help="archive to build or reuse")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.db"
    if not path.exists():
        print(f"building {args.articles} articles in {path} ...", flush=True)
        build(path, args.articles)
    Archive(path).close()  # the migrations: m017's index
    themes = load_themes(ROOT / "config" / "themes.toml")
    expression = bounded_concept_query("哪吒", Concepts(themes.alias_groups))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    labels = {theme.key: theme.label for theme in themes.themes}
    ds = build_datasette(path, themes=labels, concepts=themes.alias_groups)

    async def page(days: int) -> float:
        url = f"/-/culturewatch/attention?q=%E5%93%AA%E5%90%92&days={days}&format=csv"
        await ds.client.get(url)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = await ds.client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.text
        return statistics.median(times)

    count = conn.execute("select count(*) from articles").fetchone()[0]
    print(f"{count} articles; 哪吒 (concept search); median of {args.runs} runs")
    for days in (90, 365):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            rows = daily_attention(conn, expression, days=days)
            times.append((time.perf_counter() - start) * 1000)
        http = asyncio.run(page(days))
        print(f"{days:>4} days: {len(rows):>5} rows, SQL {statistics.median(times):7.1f} ms, "
              f"page (CSV) {http:7.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
