"""The cross-language measure of ``eval_stories.py --cross-language``.

Every English x Chinese pair of the labelled set is scored with
:func:`pipelines.stories.crosslang.overlap`; a pair is truly the same story when both carry the
same ``event`` label. No time window is applied (the set's dates are arbitrary), so the
figures are those of articles published in the same window: the worst case.
"""

from __future__ import annotations

from typing import Any

from support.paths import REPO

from crawler.config import load_themes
from pipelines.stories.crosslang import cross_language_keys, latin_names, overlap

__all__ = ["measure", "report"]


def measure(items: list[dict[str, Any]]) -> list[tuple[float, float, float, int]]:
    """(threshold, precision, recall, predicted pairs) at a few thresholds."""
    themes = load_themes(REPO / "config" / "themes.toml")
    keys = {}
    for item in items:
        zh = item["language"] == "zh"
        text = f"{item['title']}\n{item['text']}"
        found = cross_language_keys(text, themes, chinese=zh)
        keys[item["id"]] = found if zh else found | latin_names(text)
    english = [i for i in items if i["language"] == "en"]
    chinese = [i for i in items if i["language"] == "zh"]
    scored = [
        (overlap(keys[e["id"]], keys[z["id"]]), e["event"] == z["event"])
        for e in english
        for z in chinese
    ]
    positives = sum(t for _, t in scored)
    rows = []
    for cut in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        tp = sum(1 for s, t in scored if s >= cut and t)
        fp = sum(1 for s, t in scored if s >= cut and not t)
        rows.append((cut, tp / (tp + fp) if tp + fp else 1.0, tp / positives, tp + fp))
    return rows


def report(items: list[dict[str, Any]]) -> None:
    from eval_stories import evaluate

    from pipelines.stories.crosslang import CrossLanguage

    print("  cross-language EN x ZH pairs (overlap of concepts, numbers, Latin names):")
    for cut, precision, recall, predicted in measure(items):
        print(f"    >= {cut:.1f}: P {precision:.3f} R {recall:.3f} ({predicted} pairs predicted)")
    themes = load_themes(REPO / "config" / "themes.toml")
    for name, cross in (("off", None), ("on", CrossLanguage(themes))):
        figures = evaluate(items, cross, label="event")
        print(
            f"  grouping by event, cross-language {name}: P {figures['precision']:.3f} "
            f"R {figures['recall']:.3f} ({figures['stories_found']} stories for "
            f"{figures['stories_true']} events)"
        )
