"""What each part of the relevance scorer buys, on the dev set and the probe set.

    python tests/bench/relevance_ablation.py [--sets dev,probe]

Switches off one mechanism at a time (length normalisation, saturation, title weight,
passing-mention damping) and prints F1 and the hard-negative false-positive rate.
``--sets probe`` runs on the project's own probe set alone (the smoke test's small run).
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "quality"))
sys.path.insert(0, str(ROOT))

import eval_relevance as evaluation

import pipelines.scoring.relevance as relevance
from crawler.config import load_themes
from pipelines.scoring.themes import Themes

SETS = {"dev": evaluation.DEFAULT_DATA, "probe": evaluation.PROBE_DATA}


def run(label: str, themes: Themes) -> None:
    cells = []
    for name, path in SETS.items():
        if not path.exists():
            cells.append(f"{name}: no data")
            continue
        f = evaluation.evaluate(evaluation.load_items(path), themes, evaluation.DEFAULT_THRESHOLD)
        cells.append(f"{name} F1 {f['f1']:.3f} hard-neg FP {f['hard_negative_fp_rate']:.3f}")
    print(f"{label:<28}" + " | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets",
        default=",".join(SETS),
        help="comma-separated labelled sets to run on (default: %(default)s)",
    )
    names = parser.parse_args().sets.split(",")
    unknown = sorted(set(names) - set(SETS))
    if unknown:
        parser.error(f"unknown set {', '.join(unknown)}; choose from {', '.join(SETS)}")
    for name in set(SETS) - set(names):
        del SETS[name]
    themes = load_themes(evaluation.DEFAULT_THEMES)
    variants = [
        ("as shipped", {}),
        ("no length normalisation", {"B": 0.0}),
        ("no saturation (raw tf)", {"K1": 1e9}),
        ("title weighs like body", {"TITLE_WEIGHT": 1.0}),
        ("no passing-mention damping", {"LONE_MENTION": 1.0}),
    ]
    for label, changes in variants:
        saved = {name: getattr(relevance, name) for name in changes}
        for name, value in changes.items():
            setattr(relevance, name, value)
        try:
            run(label, themes)
        finally:
            for name, value in saved.items():
                setattr(relevance, name, value)


if __name__ == "__main__":
    main()
