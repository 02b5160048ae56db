"""Rescore throughput: ``rescore_archive`` over an archive of N articles.

    python tests/bench/rescore_speed.py [--articles N] [--batch-size B]

Builds an archive of N articles (default 20,000) in a temporary directory: the ground-truth
texts of ``../shared/corpus/extraction-benchmark`` in turn when it is there (real article
text, ~3 KB each), else synthetic text with theme words. Then times one
``rescore_archive`` with the project's themes (config/themes.toml) and prints articles per
second, in one process and in one per core (``--workers``), and how much of the time
scoring alone takes in one process (the rest is reading and writing).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import corpus_dir

from crawler.config import load_themes
from pipelines.scoring.relevance import score
from pipelines.scoring.rescore import rescore_archive
from pipelines.workers.pool import default_workers
from storage.archive import Archive

WORDS = "film game festival heritage museum hanfu opera silk culture china export market".split()


def texts() -> list[tuple[str, str]]:
    corpus = corpus_dir()
    if corpus is not None:
        truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
        found = [(v.get("title") or k, v.get("articleBody") or "") for k, v in truth.items()]
        found = [(t, b) for t, b in found if b]
        if found:
            return found
    rng = random.Random(3)
    return [(f"Story {n}", " ".join(rng.choice(WORDS) for _ in range(500))) for n in range(100)]


def build(path: Path, articles: int) -> None:
    pool = texts()
    with Archive(path) as archive:
        rows = []
        for n in range(1, articles + 1):
            title, text = pool[n % len(pool)]
            rows.append(
                {
                    "id": n,
                    "url": f"https://site{n % 50}.example/a/{n}",
                    "title": title,
                    "text": f"{text} ({n})",
                    "source": f"source-{n % 50}",
                    "fetched_at": "2026-03-04T12:00:00+00:00",
                    "language": "en",
                }
            )
            if len(rows) == 5000:
                archive.db["articles"].insert_all(rows)
                rows = []
        if rows:
            archive.db["articles"].insert_all(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000, help="archive size (20000)")
    parser.add_argument("--batch-size", type=int, default=500, help="articles per batch (500)")
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="scoring processes (one a core)"
    )
    args = parser.parse_args()
    themes = load_themes(ROOT / "config" / "themes.toml")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        build(db, args.articles)
        with Archive(db) as archive:
            rows = list(archive.db.query("select id, title, text from articles"))
            started = time.perf_counter()
            for row in rows:
                score(row, themes, 0.5)
            scoring = time.perf_counter() - started
            for workers in sorted({1, args.workers}):
                started = time.perf_counter()
                counts = rescore_archive(
                    archive, themes, 0.5, batch_size=args.batch_size, workers=workers
                )
                seconds = time.perf_counter() - started
                print(
                    f"rescored {counts['articles']} articles in {seconds:.2f}s with {workers} "
                    f"process{'es' if workers > 1 else ''}: "
                    f"{counts['articles'] / seconds:,.0f} articles/s "
                    f"(scoring alone, in one: {scoring:.2f}s, {counts['articles'] / scoring:,.0f}/s)"
                )


if __name__ == "__main__":
    main()
