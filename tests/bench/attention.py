"""Time attention over time for a search (storage/attention.py) on an archive of 100,000 articles.

    python tests/bench/attention.py [--articles N] [--db PATH] [--runs K]

The archive of ``canned_queries.py`` (built, or reused with --db), brought up to date by the
archive's migrations (m017's covering index included); then the concept search 哪吒 counted
per day, language and source group over 90 and 365 days, K times each through the
attention page (``datasette.client``, CSV) and its SQL alone. Reports the median
milliseconds. Run once, small, by tests/test_bench_smoke.py.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for where in (str(ROOT), str(ROOT / "tests" / "bench")):
    if where not in sys.path:
        sys.path.insert(0, where)

from canned_queries import archive_arguments, bench_archive  # noqa: E402
from timing import client_median_ms, median_ms  # noqa: E402

from crawler.config import load_themes  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.attention import daily_attention  # noqa: E402
from storage.concepts import Concepts, bounded_concept_query  # noqa: E402
from storage.web.serve import build_datasette  # noqa: E402


def main() -> int:
    args = archive_arguments(__doc__, runs=5)
    tmp = tempfile.TemporaryDirectory()
    path = bench_archive(args, Path(tmp.name))
    Archive(path).close()  # the migrations: m017's index
    themes = load_themes(ROOT / "config" / "themes.toml")
    expression = bounded_concept_query("哪吒", Concepts(themes.alias_groups))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    labels = {theme.key: theme.label for theme in themes.themes}
    ds = build_datasette(path, themes=labels, concepts=themes.alias_groups)

    count = conn.execute("select count(*) from articles").fetchone()[0]
    print(f"{count} articles; 哪吒 (concept search); median of {args.runs} runs")
    for days in (90, 365):
        rows = daily_attention(conn, expression, days=days)
        sql = median_ms(lambda days=days: daily_attention(conn, expression, days=days), args.runs)
        url = f"/-/culturewatch/attention?q=%E5%93%AA%E5%90%92&days={days}&format=csv"
        http = client_median_ms(ds, url, args.runs)
        print(f"{days:>4} days: {len(rows):>5} rows, SQL {sql:7.1f} ms, page (CSV) {http:7.1f} ms")
    conn.close()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
