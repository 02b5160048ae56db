"""Measure the relevance scorer on the labelled dev set and, with --check, gate on the baseline.

    python tests/quality/eval_relevance.py [--data PATH] [--themes PATH] [--threshold X]
                                           [--check] [--baseline KEY] [--json]

The data (``../shared/data/relevance-dev.jsonl`` next to the repository) is third-party text,
read at run time only; when it is absent the script says so and exits 0. Misclassified items
are listed by id only.

Figures: precision, recall, F1 and the hard-negative false-positive rate, for the whole set,
per language group (``en``, ``zh``, ``other``: every other language together) and per
language (the ``lang`` of each item). Per-language figures of a few items are noisy: the
count behind each is printed. ``--check`` compares with ``baselines.json``: ``relevance``
for the dev set, ``relevance_probe`` for the project's probe set, ``relevance_multilingual``
for ``relevance-dev-multilingual.jsonl`` (chosen by the file name, or ``--baseline``).
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
MULTILINGUAL_DATA = ROOT.parent / "shared" / "data" / "relevance-dev-multilingual.jsonl"
DEFAULT_THEMES = ROOT / "config" / "themes.toml"
# The project's own probe set: 90 excerpts written blind to themes.toml, in our own words.
PROBE_DATA = Path(__file__).resolve().parent / "relevance-probe.jsonl"
BENCHMARK = "relevance"
# gated figures: higher is better, except the hard-negative false-positive rate
HIGHER = ("f1", "precision", "recall", "en_recall", "zh_recall", "other_recall")
GROUPS = ("en", "zh", "other")
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


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _counts() -> dict[str, int]:
    return {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "hard": 0, "hard_fp": 0}


def _figures(c: dict[str, int]) -> dict[str, Any]:
    """P/R/F1, the hard-negative FP rate and the counts of one slice."""
    return {
        **_prf(c["tp"], c["fp"], c["fn"]),
        "hard_negative_fp_rate": _ratio(c["hard_fp"], c["hard"]),
        "relevant": c["tp"] + c["fn"],
        "items": c["tp"] + c["fp"] + c["fn"] + c["tn"],
        **{k: c[k] for k in ("tp", "fp", "fn", "tn", "hard", "hard_fp")},
    }


def evaluate(items: list[dict[str, Any]], themes: Themes, threshold: float) -> dict[str, Any]:
    """Score every item and return the figures (no printing)."""
    score({"title": "warm-up", "text": "Ne Zha 2"}, themes, threshold)
    total = _counts()
    by_group: dict[str, dict[str, int]] = {g: _counts() for g in GROUPS}
    by_lang: dict[str, dict[str, int]] = {}
    theme_tp = theme_fp = theme_fn = 0
    timings: list[float] = []
    false_pos: list[str] = []
    false_neg: list[str] = []
    for item in items:
        start = time.perf_counter()
        result = score(item, themes, threshold)
        timings.append((time.perf_counter() - start) * 1000)
        label = bool(item["label"])
        lang = (item.get("lang") or "?").lower()
        slices = (total, by_group[lang_group(lang)], by_lang.setdefault(lang, _counts()))
        outcome = (
            ("tp" if result.relevant else "fn") if label else "fp" if result.relevant else "tn"
        )
        for c in slices:
            c[outcome] += 1
            if item.get("hard_negative"):
                c["hard"] += 1
                c["hard_fp"] += result.relevant
        if label:
            gold = {t for t in item.get("themes", []) if t != "none"}
            guessed = set(result.themes)
            theme_tp += len(gold & guessed)
            theme_fp += len(guessed - gold)
            theme_fn += len(gold - guessed)
        if outcome == "fn":
            false_neg.append(item["id"])
        elif outcome == "fp":
            false_pos.append(item["id"])
    theme = _prf(theme_tp, theme_fp, theme_fn)
    groups = {g: _figures(c) for g, c in by_group.items()}
    return {
        "items": len(items),
        "threshold": threshold,
        **{k: v for k, v in _figures(total).items() if k not in ("items",)},
        **{f"{g}_recall": groups[g]["recall"] for g in GROUPS},
        **{f"{g}_precision": groups[g]["precision"] for g in GROUPS},
        **{f"{g}_f1": groups[g]["f1"] for g in GROUPS},
        "relevant_by_group": {g: groups[g]["relevant"] for g in GROUPS},
        "hard_negatives": total["hard"],
        "groups": groups,
        "languages": {lang: _figures(c) for lang, c in sorted(by_lang.items())},
        "theme_f1_on_relevant": theme["f1"],
        "median_ms": round(statistics.median(timings), 3) if timings else 0.0,
        "false_positives": false_pos,
        "false_negatives": false_neg,
    }


def check(
    figures: dict[str, Any], baselines_path: Path = BASELINES, benchmark: str = BENCHMARK
) -> list[str]:
    """Problems against the stored baseline *benchmark* (empty when the gate passes)."""
    baseline = json.loads(baselines_path.read_text(encoding="utf-8")).get(benchmark, {})
    names = {"f1": "F1", "zh_recall": "Chinese recall", "other_recall": "other-language recall"}
    problems = [
        f"{names.get(key, key)} {figures[key]} fell below the baseline {baseline[key]}"
        for key in HIGHER
        if key in baseline and figures[key] < baseline[key] - TOLERANCE
    ]
    if (
        "hard_negative_fp_rate" in baseline
        and figures["hard_negative_fp_rate"] > baseline["hard_negative_fp_rate"] + TOLERANCE
    ):
        problems.append(
            f"hard-negative FP rate {figures['hard_negative_fp_rate']} rose above the baseline "
            f"{baseline['hard_negative_fp_rate']}"
        )
    return problems


def benchmark_for(data: Path) -> str:
    """The key in baselines.json of the labelled set *data*."""
    if data.resolve() == PROBE_DATA.resolve():
        return "relevance_probe"
    if data.name == MULTILINGUAL_DATA.name:
        return "relevance_multilingual"
    return BENCHMARK


def report(figures: dict[str, Any], name: str) -> None:
    """Print the figures: the whole set, per language group, per language."""
    print(f"relevance on {name}: {figures['items']} items, threshold {figures['threshold']}")
    for key in ("precision", "recall", "f1", "hard_negative_fp_rate"):
        print(f"  {key:<24}{figures[key]:.4f}")
    for group in GROUPS:
        count = figures["relevant_by_group"][group]
        print(f"  {group + '_recall':<24}{figures[group + '_recall']:.4f}  ({count} relevant)")
    print(f"  {'theme_f1_on_relevant':<24}{figures['theme_f1_on_relevant']:.4f}")
    print(f"  {'median_ms':<24}{figures['median_ms']:.3f}")
    print("  by group and language:  items relevant     P      R     F1  hard-neg FP")
    rows = [(g, figures["groups"][g]) for g in GROUPS]
    rows += [(f"  {lang}", f) for lang, f in figures["languages"].items()]
    for label, f in rows:
        hard = f"{f['hard_fp']}/{f['hard']}" if f["hard"] else "-"
        # a figure with nothing behind it (no relevant item, nothing flagged) is "-", not 0
        p = f"{f['precision']:.2f}" if f["tp"] + f["fp"] else "-"
        r = f"{f['recall']:.2f}" if f["relevant"] else "-"
        f1 = f"{f['f1']:.2f}" if f["relevant"] or f["fp"] else "-"
        print(
            f"    {label:<20}{f['items']:>6}{f['relevant']:>9}  {p:>5}  {r:>5}  {f1:>5}  {hard:>6}"
        )
    print(f"  false positives: {' '.join(figures['false_positives']) or '-'}")
    print(f"  false negatives: {' '.join(figures['false_negatives']) or '-'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL file")
    parser.add_argument("--themes", type=Path, default=DEFAULT_THEMES, help="themes TOML file")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--check", action="store_true", help="exit 1 below the stored baseline")
    parser.add_argument(
        "--baseline",
        default=None,
        help="key in baselines.json to check against (default: relevance; relevance_probe "
        "for the project's own probe set, relevance_multilingual for the multilingual set)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
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
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        report(figures, args.data.name)
    if args.check:
        return verdict(check(figures, benchmark=args.baseline or benchmark_for(args.data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
