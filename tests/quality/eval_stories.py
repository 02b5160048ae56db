"""Measure the story grouping on the project's labelled set and, with --check, gate on it.

    python tests/quality/eval_stories.py [--data PATH] [--check] [--compare] [--cross-language]

The set (``tests/quality/stories-pairs.jsonl``, written by the project) holds originals
and their edited re-publications (new headline, credit line, dateline, a cut or added
paragraph) in English and Chinese, under one ``story`` label each, and distinct articles on
the same topics (two Ne Zha 2 reviews, Spring Festival pieces) under labels of their own.
Each item is archived in publication order in a temporary archive through the same path
as a crawl (``upsert_article`` then ``assign_story``); the figures are pairwise: a pair of
items is predicted together when they end in one story, and truly together when they share
a label. ``--compare`` also scores every pair with trafilatura's Simhash and with the
MinHash estimate and prints the best threshold of each; ``--cross-language`` measures the
cross-language signal (``pipelines/stories/crosslang.py``) on the EN x ZH pairs (``event`` label).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, ROOT / "tests", Path(__file__).resolve().parent):
    if str(_path) not in sys.path:  # run as a plain script from anywhere
        sys.path.insert(0, str(_path))

from gate import BASELINES, baseline, fell_below, verdict

from pipelines.stories.assign import assign_story
from pipelines.stories.signatures import jaccard, signature
from storage.archive import Archive

DEFAULT_DATA = Path(__file__).resolve().parent / "stories-pairs.jsonl"
BENCHMARK = "stories"


def load_items(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def pairwise(labels: dict[str, str], predicted: dict[str, int]) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of *predicted* groups against true *labels*."""
    tp = fp = fn = 0
    wrong: list[str] = []
    for a, b in itertools.combinations(sorted(labels), 2):
        truth = labels[a] == labels[b]
        guess = predicted[a] == predicted[b]
        if truth and guess:
            tp += 1
        elif guess:
            fp += 1
            wrong.append(f"{a}+{b}")
        elif truth:
            fn += 1
            wrong.append(f"{a}/{b}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs_true": tp + fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "errors": wrong,  # a+b merged wrongly, a/b split wrongly
    }


def group(items: list[dict[str, Any]], db_path: Path, cross: Any = None) -> dict[str, int]:
    """Archive *items* in publication order and assign each its story: id -> story id."""
    story_of: dict[str, int] = {}
    with Archive(db_path) as archive:
        for item in sorted(items, key=lambda i: (i["published_at"], i["id"])):
            with archive.transaction():
                article_id, _ = archive.upsert_article(
                    {
                        "url": f"https://{item['source']}.example/{item['id']}",
                        "title": item["title"],
                        "text": item["text"],
                        "source": item["source"],
                        "language": item["language"],
                        "published_at": item["published_at"],
                    }
                )
                assign_story(archive, article_id, item["text"], cross=cross)
        for url, story_id in archive.db.execute("select url, story_id from articles"):
            story_of[url.rsplit("/", 1)[1]] = story_id
    return story_of


def evaluate(
    items: list[dict[str, Any]], cross: Any = None, label: str = "story"
) -> dict[str, Any]:
    """Group *items* (with the cross-language signal *cross*) and score the grouping
    against their *label*: ``story`` (one language) or ``event`` (across languages)."""
    with tempfile.TemporaryDirectory() as tmp:
        predicted = group(items, Path(tmp) / "stories.db", cross)
    figures = pairwise({i["id"]: i[label] for i in items}, predicted)
    figures["items"] = len(items)
    figures["stories_true"] = len({i[label] for i in items})
    figures["stories_found"] = len(set(predicted.values()))
    return figures


def _best_threshold(scored: list[tuple[float, bool]]) -> tuple[float, float, float, float]:
    """(threshold, precision, recall, f1) of the best F1 over the scores of *scored*."""
    best = (0.0, 0.0, 0.0, -1.0)
    positives = sum(truth for _, truth in scored)
    for cut in sorted({s for s, _ in scored}):
        tp = sum(1 for s, t in scored if s >= cut and t)
        fp = sum(1 for s, t in scored if s >= cut and not t)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / positives if positives else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best[3]:
            best = (cut, p, r, f)
    return best


def compare(items: list[dict[str, Any]]) -> None:
    """Simhash (trafilatura) against MinHash on every same-language pair of the set."""
    from trafilatura.deduplication import Simhash

    from pipelines.stories.shingles import body_lines

    simhashes = {i["id"]: Simhash("\n".join(body_lines(i["text"]))) for i in items}
    sigs = {i["id"]: signature(i["text"]) for i in items}
    rows: dict[str, list[tuple[float, bool]]] = {"simhash": [], "minhash": []}
    for a, b in itertools.combinations(items, 2):
        if a["language"] != b["language"]:
            continue
        truth = a["story"] == b["story"]
        rows["simhash"].append((simhashes[a["id"]].similarity(simhashes[b["id"]]), truth))
        sa, sb = sigs[a["id"]], sigs[b["id"]]
        rows["minhash"].append((jaccard(sa, sb) if sa is not None and sb is not None else 0, truth))
    for name, scored in rows.items():
        cut, p, r, f = _best_threshold(scored)
        lowest_true = min(s for s, t in scored if t)
        highest_false = max(s for s, t in scored if not t)
        print(
            f"  {name:<8} best threshold {cut:.3f}: P {p:.3f} R {r:.3f} F1 {f:.3f}; "
            f"same story >= {lowest_true:.3f}, distinct <= {highest_false:.3f}"
        )


def check(figures: dict[str, Any], baselines_path: Path = BASELINES) -> list[str]:
    """Problems against the stored baseline (empty when the gate passes)."""
    return fell_below(figures, baseline(BENCHMARK, baselines_path), ("precision", "recall"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL file")
    parser.add_argument("--check", action="store_true", help="exit 1 below the stored baseline")
    parser.add_argument("--compare", action="store_true", help="Simhash against MinHash")
    parser.add_argument(
        "--cross-language", action="store_true", help="measure the cross-language signal"
    )
    args = parser.parse_args(argv)
    items = load_items(args.data)
    figures = evaluate(items)
    print(
        f"stories on {args.data.name}: {figures['items']} items, {figures['stories_true']} "
        f"stories labelled, {figures['stories_found']} found"
    )
    for key in ("precision", "recall", "f1"):
        print(f"  pairwise {key:<10}{figures[key]:.4f}")
    print(f"  errors: {' '.join(figures['errors']) or '-'}")
    if args.compare:
        compare(items)
    if args.cross_language:
        from crosslang_eval import report  # tests/quality/crosslang_eval.py

        report(items)
    return verdict(check(figures)) if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
