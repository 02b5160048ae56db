"""How good the current scores are, measured on the analysts' labels (``culturewatch evaluate``).

The labels say what is true, the archive what the scorer decided:

- **Overall**: an article is predicted relevant when its ``relevant`` column is 1; the truth
  is the verdict of its labels as a whole (``theme`` NULL, :func:`storage.labels.verdicts`).
  Articles labelled only for a theme do not count here.
- **Per theme** K: predicted when K is in the article's ``themes``. The truth is its label
  for K when it has one; else a "not relevant" label of the article as a whole (no theme is
  right for it); else a "relevant" label as a whole confirms the themes the scorer listed
  (and says nothing of the others).

Precision and recall come with a 95% Wilson interval: with few labels (fewer than
:data:`FEW` behind a figure) the interval is wide, and the report says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipelines.scoring.themes import Themes
from storage.connection import Reader
from storage.evidence import shown_evidence, why_text
from storage.labels import Verdict, labelled_articles, verdicts, wilson

__all__ = ["FEW", "Case", "Evaluation", "Figures", "evaluate", "figures"]

FEW = 30  # below this many labels behind a precision or recall, it is called "few"
CASES_SHOWN = 20  # false positives / negatives listed


@dataclass(frozen=True)
class Figures:
    """A confusion matrix and what follows from it (None where a figure is undefined)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def few(self) -> bool:
        return min(self.tp + self.fp, self.tp + self.fn) < FEW

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision_ci": _interval(self.tp, self.tp + self.fp),
            "recall_ci": _interval(self.tp, self.tp + self.fn),
            "few_labels": self.few,
        }


def figures(pairs: Iterable[tuple[bool, bool]]) -> Figures:
    """The figures of (predicted, true) pairs."""
    tp = fp = fn = tn = 0
    for predicted, truth in pairs:
        if predicted and truth:
            tp += 1
        elif predicted:
            fp += 1
        elif truth:
            fn += 1
        else:
            tn += 1
    return Figures(tp, fp, fn, tn)


@dataclass(frozen=True)
class Case:
    """A labelled article the scorer got wrong, with its evidence."""

    id: int
    url: str
    title: str
    relevance: float
    themes: tuple[str, ...]
    theme: str | None  # None: wrong as a whole; a key: wrong about that theme
    why: tuple[tuple[str, str], ...]  # (theme, "word, word (title 1, body 2); ...")
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "relevance": self.relevance,
            "themes": list(self.themes),
            "theme": self.theme,
            "evidence": {theme: text for theme, text in self.why},
            "notes": list(self.notes),
        }


@dataclass
class Evaluation:
    overall: Figures
    themes: dict[str, Figures]
    false_positives: list[Case] = field(default_factory=list)
    false_negatives: list[Case] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)  # the labelled articles
    verdicts: dict[tuple[int, str | None], Verdict] = field(default_factory=dict)
    disagreements: int = 0  # verdicts on which the people who labelled disagree

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.overall.to_dict(),
            "themes": {key: f.to_dict() for key, f in self.themes.items()},
            "labelled_articles": len(self.articles),
            "disagreements": self.disagreements,
            "false_positives": [c.to_dict() for c in self.false_positives[:CASES_SHOWN]],
            "false_negatives": [c.to_dict() for c in self.false_negatives[:CASES_SHOWN]],
        }


def evaluate(conn: Reader, themes: Themes) -> Evaluation:
    """The current scores of the archive on *conn* against its current labels."""
    articles = labelled_articles(conn)
    found = verdicts(conn)
    whole: list[tuple[bool, bool]] = []
    per_theme: dict[str, list[tuple[bool, bool]]] = {key: [] for key in themes.keys}
    fps: list[Case] = []
    fns: list[Case] = []
    for article in articles:
        verdict = found.get((article["id"], None))
        predicted = bool(article["relevant"])
        if verdict is not None:
            whole.append((predicted, bool(verdict.label)))
            if predicted != bool(verdict.label):
                (fps if predicted else fns).append(_case(article, None, verdict))
        for key in themes.keys:
            listed = predicted and key in article["themes"]
            truth = _theme_truth(found, article["id"], key, listed)
            if truth is None:
                continue
            per_theme[key].append((listed, truth))
            if listed != truth and verdict is not None and verdict.label == 1:
                # wrong about this theme only (the article is relevant)
                case = _case(article, key, found.get((article["id"], key)) or verdict)
                (fps if listed else fns).append(case)
    fps.sort(key=lambda c: -c.relevance)
    fns.sort(key=lambda c: -c.relevance)
    return Evaluation(
        overall=figures(whole),
        themes={key: figures(pairs) for key, pairs in per_theme.items()},
        false_positives=fps,
        false_negatives=fns,
        articles=articles,
        verdicts=found,
        disagreements=sum(1 for v in found.values() if not v.agree),
    )


def _theme_truth(
    found: dict[tuple[int, str | None], Verdict], article_id: int, key: str, listed: bool
) -> bool | None:
    own = found.get((article_id, key))
    if own is not None:
        return bool(own.label)
    whole = found.get((article_id, None))
    if whole is None:
        return None
    if whole.label == 0:
        return False
    return True if listed else None


def _case(article: dict[str, Any], theme: str | None, verdict: Verdict) -> Case:
    evidence = shown_evidence(article["evidence"], article["themes"])
    return Case(
        id=article["id"],
        url=article["url"],
        title=" ".join(str(article["title"] or "").split()) or article["url"],
        relevance=article["relevance"],
        themes=tuple(article["themes"]),
        theme=theme,
        why=tuple((key, why_text(terms)) for key, terms in evidence.items()),
        notes=verdict.notes,
    )


def _interval(successes: int, n: int) -> list[float] | None:
    found = wilson(successes, n)
    return None if found is None else [round(found[0], 4), round(found[1], 4)]
