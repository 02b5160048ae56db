"""Measure the relevance scorer on the labelled dev set and, with --check, gate on the baseline.

    python tests/quality/eval_relevance.py [--data PATH] [--themes PATH] [--threshold X] [--check]

The data (``../shared/data/relevance-dev.jsonl`` next to the repository) is third-party text,
read at run time only; when it is absent the script says so and exits 0. Misclassified items
are listed by id only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, Path(__file__).resolve().parent):
    if str(_path) not in sys.path:  # run as a plain script from anywhere, or loaded by a test
        sys.path.insert(0, str(_path))

from gate import BASELINES, TOLERANCE, verdict

from crawler.config import SETTINGS_SCHEMA, ConfigError, load_themes
from pipelines.scoring.relevance import score
from pipelines.scoring.themes import Themes

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "relevance-dev.jsonl"
DEFAULT_THEMES = ROOT / "config" / "themes.toml"
# The project's own probe set: 90 excerpts written blind to themes.toml, in our own words.
PROBE_DATA = Path(__file__).resolve().parent / "relevance-probe.jsonl"
BENCHMARK = "relevance"
DEFAULT_THRESHOLD = SETTINGS_SCHEMA["relevance"]["threshold"][1]


def load_items(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def lang_group(lang: str | None) -> str:
    lang = (lang or "").lower()
    if lang.startswith("en"):
        return "en"
    if lang.startswith("zh"):
        return "zh"
    return "other"


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def evaluate(items: list[dict[str, Any]], themes: Themes, threshold: float) -> dict[str, Any]:
    """Score every item and return the figures (no printing)."""
    score({"title": "warm-up", "text": "Ne Zha 2"}, themes, threshold)
    tp = fp = fn = tn = 0
    hard_total = hard_fp = 0
    group_total: dict[str, int] = {"en": 0, "zh": 0, "other": 0}
    group_hit: dict[str, int] = {"en": 0, "zh": 0, "other": 0}
    theme_tp = theme_fp = theme_fn = 0
    timings: list[float] = []
    false_pos: list[str] = []
    false_neg: list[str] = []
    for item in items:
        start = time.perf_counter()
        result = score(item, themes, threshold)
        timings.append((time.perf_counter() - start) * 1000)
        label = bool(item["label"])
        if item.get("hard_negative"):
            hard_total += 1
            hard_fp += result.relevant
        if label:
            group = lang_group(item.get("lang"))
            group_total[group] += 1
            group_hit[group] += result.relevant
            gold = {t for t in item.get("themes", []) if t != "none"}
            guessed = set(result.themes)
            theme_tp += len(gold & guessed)
            theme_fp += len(guessed - gold)
            theme_fn += len(gold - guessed)
        if label and result.relevant:
            tp += 1
        elif label:
            fn += 1
            false_neg.append(item["id"])
        elif result.relevant:
            fp += 1
            false_pos.append(item["id"])
        else:
            tn += 1
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    theme_p = _ratio(theme_tp, theme_tp + theme_fp)
    theme_r = _ratio(theme_tp, theme_tp + theme_fn)
    return {
        "items": len(items),
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "hard_negative_fp_rate": _ratio(hard_fp, hard_total),
        "hard_negatives": hard_total,
        "en_recall": _ratio(group_hit["en"], group_total["en"]),
        "zh_recall": _ratio(group_hit["zh"], group_total["zh"]),
        "other_recall": _ratio(group_hit["other"], group_total["other"]),
        "relevant_by_group": group_total,
        "theme_f1_on_relevant": (
            round(2 * theme_p * theme_r / (theme_p + theme_r), 4) if theme_p + theme_r else 0.0
        ),
        "median_ms": round(statistics.median(timings), 3) if timings else 0.0,
        "false_positives": false_pos,
        "false_negatives": false_neg,
    }


def check(
    figures: dict[str, Any], baselines_path: Path = BASELINES, benchmark: str = BENCHMARK
) -> list[str]:
    """Problems against the stored baseline *benchmark* (empty when the gate passes)."""
    baseline = json.loads(baselines_path.read_text(encoding="utf-8")).get(benchmark, {})
    problems = []
    if "f1" in baseline and figures["f1"] < baseline["f1"] - TOLERANCE:
        problems.append(f"F1 {figures['f1']} fell below the baseline {baseline['f1']}")
    if (
        "hard_negative_fp_rate" in baseline
        and figures["hard_negative_fp_rate"] > baseline["hard_negative_fp_rate"] + TOLERANCE
    ):
        problems.append(
            f"hard-negative FP rate {figures['hard_negative_fp_rate']} rose above the baseline "
            f"{baseline['hard_negative_fp_rate']}"
        )
    if "zh_recall" in baseline and figures["zh_recall"] < baseline["zh_recall"] - TOLERANCE:
        problems.append(
            f"Chinese recall {figures['zh_recall']} fell below the baseline {baseline['zh_recall']}"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL file")
    parser.add_argument("--themes", type=Path, default=DEFAULT_THEMES, help="themes TOML file")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--check", action="store_true", help="exit 1 below the stored baseline")
    parser.add_argument(
        "--baseline",
        default=None,
        help="key in baselines.json to check against (default: relevance, or relevance_probe "
        "for the project's own probe set)",
    )
    args = parser.parse_args(argv)

    if not args.data.exists():
        print(f"skipped: no labelled data at {args.data}")
        return 0
    try:
        themes = load_themes(args.themes)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    figures = evaluate(load_items(args.data), themes, args.threshold)

    print(f"relevance on {args.data.name}: {figures['items']} items, threshold {args.threshold}")
    for key in ("precision", "recall", "f1", "hard_negative_fp_rate"):
        print(f"  {key:<24}{figures[key]:.4f}")
    for group in ("en", "zh", "other"):
        count = figures["relevant_by_group"][group]
        print(f"  {group + '_recall':<24}{figures[group + '_recall']:.4f}  ({count} relevant)")
    print(f"  {'theme_f1_on_relevant':<24}{figures['theme_f1_on_relevant']:.4f}")
    print(f"  {'median_ms':<24}{figures['median_ms']:.3f}")
    print(f"  false positives: {' '.join(figures['false_positives']) or '-'}")
    print(f"  false negatives: {' '.join(figures['false_negatives']) or '-'}")

    if args.check:
        benchmark = args.baseline or (
            "relevance_probe" if args.data.resolve() == PROBE_DATA.resolve() else BENCHMARK
        )
        return verdict(check(figures, benchmark=benchmark))
    return 0


if __name__ == "__main__":
    sys.exit(main())
