"""Threshold calibration per theme, from the labels (``culturewatch evaluate --calibrate``).

An article is relevant when its relevance reaches the threshold of its main theme
(:func:`pipelines.scoring.relevance.threshold_for`). For each theme, the labelled articles (labelled
as a whole) whose main theme it is are tried against every threshold that splits them
differently; the one with the highest F1 wins (on a tie, the one closest to the current
threshold), placed midway between the relevance it keeps and the next one below. It is
proposed only when it beats the current threshold's F1 on at least :data:`MIN_LABELS`
labelled articles of both kinds, and shown with what it changes: the labelled figures before
and after, and how many archived articles would become relevant or stop being so.
Nothing is written here (``crawler.config.tuning`` writes ``themes.toml`` when asked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.scoring.evaluation import Evaluation, Figures, figures
from pipelines.scoring.relevance import main_theme
from pipelines.scoring.themes import Themes
from storage.connection import Reader
from storage.labels import article_scores

__all__ = ["MIN_LABELS", "Calibration", "calibrate"]

MIN_LABELS = 5  # labelled articles of a theme needed, with at least one of each kind


@dataclass(frozen=True)
class Calibration:
    theme: str
    current: float  # the threshold in force for the theme
    proposed: float | None  # None: keep the current one (see reason)
    labelled: int
    before: Figures
    after: Figures | None
    gain: int = 0  # archived articles that would become relevant
    loss: int = 0  # archived articles that would stop being relevant
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "current": self.current,
            "proposed": self.proposed,
            "labelled": self.labelled,
            "before": self.before.to_dict(),
            "after": self.after.to_dict() if self.after else None,
            "archive_becomes_relevant": self.gain,
            "archive_stops_being_relevant": self.loss,
            "reason": self.reason,
        }


def calibrate(
    conn: Reader, evaluation: Evaluation, themes: Themes, default: float
) -> list[Calibration]:
    """A :class:`Calibration` per theme, in the themes' order."""
    thresholds = themes.thresholds
    labelled: dict[str, list[tuple[float, bool]]] = {key: [] for key in themes.keys}
    for article in evaluation.articles:
        verdict = evaluation.verdicts.get((article["id"], None))
        main = _main(article["theme_scores"], themes)
        if verdict is not None and main is not None:
            labelled[main].append((article["relevance"], bool(verdict.label)))
    archive: dict[str, list[float]] = {key: [] for key in themes.keys}
    for _id, relevance, _relevant, scores in article_scores(conn):
        main = _main(scores, themes)
        if main is not None:
            archive[main].append(relevance)
    return [
        _calibrate(key, labelled[key], archive[key], thresholds.get(key, default))
        for key in themes.keys
    ]


def _main(scores: dict[str, Any], themes: Themes) -> str | None:
    return main_theme({key: float(scores.get(key) or 0) for key in themes.keys})


def _at(pairs: list[tuple[float, bool]], threshold: float) -> Figures:
    return figures((relevance >= threshold, truth) for relevance, truth in pairs)


def _calibrate(
    theme: str, pairs: list[tuple[float, bool]], archive: list[float], current: float
) -> Calibration:
    before = _at(pairs, current)
    yes = sum(1 for _r, truth in pairs if truth)
    if len(pairs) < MIN_LABELS or yes == 0 or yes == len(pairs):
        return Calibration(
            theme,
            current,
            None,
            len(pairs),
            before,
            None,
            reason=f"too few labels: {len(pairs)} labelled articles mainly about it, "
            f"{yes} relevant (at least {MIN_LABELS}, of both kinds, are needed)",
        )
    values = sorted({r for r, _t in pairs if r > 0})
    best, best_f1 = current, before.f1 or 0.0
    for value in values:
        f1 = _at(pairs, value).f1 or 0.0
        if f1 > best_f1 + 1e-12 or (
            abs(f1 - best_f1) <= 1e-12 and abs(value - current) < abs(best - current)
        ):
            best, best_f1 = value, f1
    if best_f1 <= (before.f1 or 0.0) + 1e-12:
        return Calibration(
            theme, current, None, len(pairs), before, None, reason="the current threshold is best"
        )
    lower = max((v for v in values if v < best), default=0.0)
    proposed = round((lower + best) / 2, 3)
    if not lower < proposed <= best:
        proposed = best
    after = _at(pairs, proposed)
    gain = sum(1 for r in archive if r >= proposed and r < current)
    loss = sum(1 for r in archive if r < proposed and r >= current)
    return Calibration(theme, current, proposed, len(pairs), before, after, gain, loss)
