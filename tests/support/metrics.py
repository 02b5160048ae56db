"""The extraction benchmark's metric: token 4-gram shingle precision, recall and F1."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["shingle_f1"]

_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; a text of 1..n-1 tokens is one short shingle."""
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _tp_fp_fn(predicted: str, truth: str) -> tuple[float, float, float]:
    pred, true = _shingles(predicted), _shingles(truth)
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def shingle_f1(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """The extraction benchmark's metric over (predicted, truth) text pairs.

    Per page, tp/fp/fn count 4-token shingles (tokens: ``\\w+``) in the multiset
    overlap, normalised to sum 1. Precision is the mean of tp/(tp+fp) over the pages
    where tp+fp > 0, recall the mean of tp/(tp+fn) over the pages where tp+fn > 0, and
    F1 the harmonic mean of those two means (0 when there is nothing to average).
    """
    counts = [_tp_fp_fn(pred, truth) for pred, truth in pairs]
    precisions = [tp / (tp + fp) for tp, fp, _ in counts if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in counts if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pages": len(counts)}
