"""What each part of the relevance scorer buys, on the dev sets and the probe set.

    python tests/bench/relevance_ablation.py [--sets dev,probe,multi]

Switches off one mechanism at a time and prints F1, the hard-negative false-positive rate and
(on the multilingual set) the recall outside English and Chinese. The mechanisms: length
normalisation, saturation, title weight, passing-mention damping
(:mod:`pipelines.scoring.relevance`); the subject rules (:mod:`pipelines.scoring.subject`:
generic words near China, the headline's countries weighing on the body, a venue body making
the headline's China a place, venues against China); the headline rule (a strong name in the
headline, or twice in the body, counts on its own). ``--sets probe`` runs on the project's own
probe set alone (the smoke test's small run). Not run by the test suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "quality"))
sys.path.insert(0, str(ROOT))

import eval_relevance as evaluation

import pipelines.scoring.relevance as relevance
import pipelines.scoring.subject as subject
from crawler.config import load_themes
from pipelines.scoring.themes import Themes

SETS = {
    "dev": evaluation.DEFAULT_DATA,
    "probe": evaluation.PROBE_DATA,
    "multi": evaluation.MULTILINGUAL_DATA,
}
VARIANTS: list[tuple[str, Any, dict[str, Any]]] = [  # label, module, constants switched
    ("as shipped", relevance, {}),
    ("no length normalisation", relevance, {"B": 0.0}),
    ("no saturation (raw tf)", relevance, {"K1": 1e9}),
    ("title weighs like body", relevance, {"TITLE_WEIGHT": 1.0}),
    ("no passing-mention damping", relevance, {"LONE_MENTION": 1.0}),
    # the subject rules
    ("no local subject rule", subject, {"LOCAL_SUBJECT": False}),
    ("no headline weight", subject, {"HEADLINE": 0.0}),
    ("headline China, venue body", subject, {"VENUE_BODY": False}),
    ("venues count against China", subject, {"VENUE_WEIGHT": 1.0}),
    # the headline rule: a strong name in the headline (or twice) is the story
    ("no strong name alone", relevance, {"STRONG_ALONE": False}),
]


def run(label: str, themes: Themes) -> None:
    cells = []
    for name, path in SETS.items():
        if not path.exists():
            cells.append(f"{name}: no data")
            continue
        f = evaluation.evaluate(evaluation.load_items(path), themes, evaluation.DEFAULT_THRESHOLD)
        cell = f"{name} F1 {f['f1']:.3f} hard-neg FP {f['hard_negative_fp_rate']:.3f}"
        if name == "multi":
            cell += f" other R {f['other_recall']:.3f}"
        cells.append(cell)
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
    for label, module, changes in VARIANTS:
        saved = {name: getattr(module, name) for name in changes}
        for name, value in changes.items():
            setattr(module, name, value)
        try:
            run(label, themes)
        finally:
            for name, value in saved.items():
                setattr(module, name, value)


if __name__ == "__main__":
    main()
