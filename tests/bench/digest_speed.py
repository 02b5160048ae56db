"""Time the digest writer on a large archive.

    python tests/bench/digest_speed.py [--articles N] [--days D] [--runs K]

Builds a synthetic archive in a temporary directory through the Archive class: N articles
first archived over the last D days (default 100,000 over 60), about 2 KB of text each,
~40% relevant with one to three themes and scorer-shaped evidence. Then writes the digest of
the last day K times (all files: chart, Markdown, HTML, JSON, feed) and reports the median
seconds and how many articles the digest held. The theme labels are the defaults of the
theme keys (no themes.toml), as ``culturewatch digest`` has them without a configuration.

The test suite runs it once, small (tests/test_bench_digest.py), so that it keeps working.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawler.outputs.digests import theme_labels
from pipelines.scoring.themes import THEME_KEYS
from storage.archive import Archive
from storage.outputs import write_digest

WORDS = [
    "culture",
    "film",
    "game",
    "festival",
    "heritage",
    "museum",
    "audience",
    "market",
    "exchange",
    "forum",
    "tradition",
    "design",
    "fashion",
    "tourism",
    "history",
    "story",
    "language",
    "export",
    "review",
    "opinion",
    "studio",
]


def build(path: Path, articles: int, days: int, seed: int = 7) -> datetime:
    rng = random.Random(seed)
    end = datetime(2026, 3, 4, 23, 0, tzinfo=UTC)
    with Archive(path) as archive:
        rows, themes_rows = [], []
        for n in range(1, articles + 1):
            fetched = end - timedelta(seconds=rng.randrange(days * 86400))
            published = fetched - timedelta(hours=rng.randrange(0, 24 * 6))
            relevant = rng.random() < 0.4
            themes = rng.sample(THEME_KEYS, rng.randint(1, 3)) if relevant else []
            text = ". ".join(
                " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() for _ in range(25)
            )
            evidence = {
                t: [{"term": rng.choice(WORDS), "title": 1, "body": 2, "weight": 2.0,
                     "context": False, "points": 3.1}]
                for t in themes
            }  # fmt: skip
            rows.append(
                {
                    "id": n,
                    "url": f"https://site{n % 200}.example/a/{n}",
                    "title": f"Article {n} about {' '.join(rng.sample(WORDS, 4))}",
                    "text": text,
                    "source": f"source-{n % 200}",
                    "published_at": published.isoformat(timespec="seconds"),
                    "fetched_at": fetched.isoformat(timespec="seconds"),
                    "language": "en",
                    "relevance": round(rng.uniform(0.5, 1) if relevant else rng.uniform(0, 0.5), 4),
                    "relevant": int(relevant),
                    "themes": json.dumps(themes),
                    "evidence": json.dumps(evidence),
                }
            )
            themes_rows += [{"article_id": n, "theme": t, "score": 0.7} for t in themes]
            if len(rows) == 5000:
                archive.db["articles"].insert_all(rows)
                archive.db["article_themes"].insert_all(themes_rows)
                rows, themes_rows = [], []
        if rows:
            archive.db["articles"].insert_all(rows)
            archive.db["article_themes"].insert_all(themes_rows)
    return end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="archive size (100000)")
    parser.add_argument("--days", type=int, default=60, help="days they span (60)")
    parser.add_argument("--runs", type=int, default=5, help="digests written and timed (5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        started = time.perf_counter()
        end = build(db, args.articles, args.days)
        print(f"built {args.articles} articles in {time.perf_counter() - started:.1f}s")
        labels = theme_labels(None)
        times = []
        for run in range(args.runs):
            started = time.perf_counter()
            digest, _paths = write_digest(
                db,
                end.date(),
                Path(tmp) / f"out{run}",
                tz=ZoneInfo("UTC"),
                max_age_days=3,
                labels=labels,
            )
            times.append(time.perf_counter() - started)
        print(
            f"digest of {end.date()}: {len(digest.entries)} articles, "
            f"median {statistics.median(times):.2f}s over {args.runs} runs "
            f"(min {min(times):.2f}s, max {max(times):.2f}s)"
        )


if __name__ == "__main__":
    main()
