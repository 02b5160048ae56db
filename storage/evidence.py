"""The ``evidence`` record: why an article matched its themes, as stored in ``articles.evidence``.

Declared once, here, between its writer (:func:`pipelines.scoring.relevance.score`) and its readers
(the digest, the alerts, ``culturewatch evaluate``, Datasette). The column holds JSON of
:data:`Evidence`: every theme key mapped to the concepts found for it, strongest first, each a
:class:`TermEvidence`.

Why an article matched, for a reader (:func:`shown_evidence`, :func:`why_text`): the words
found per theme and where. Each concept found names the aliases that matched (``matched``), so
the digest shows "ReelShort", the word in the article, rather than the concept's first alias
("Tencent Games"). Older rows without ``matched`` (or with bare terms) show the concept's name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict

__all__ = [
    "EVIDENCE_TERMS",
    "Evidence",
    "ShownTerm",
    "TermEvidence",
    "shown_evidence",
    "why_text",
]


class _TermFound(TypedDict):
    """The keys every concept found carries (:class:`TermEvidence`)."""

    term: str  # the concept's name: its first alias, as written in themes.toml
    matched: list[str]  # the aliases found in the title or body, as themes.toml writes them, sorted
    title: int  # hits in the title
    body: int  # hits in the body
    weight: float  # the concept's weight
    context: bool  # a generic (context) term, which counts only in an article about China
    points: float  # what it added to the theme's points (0: a context term that did not count)


class TermEvidence(_TermFound, total=False):
    """One concept found in an article, as the scorer writes it. (``total=False`` rather
    than ``NotRequired``: under postponed annotations Python 3.11 counts the latter as
    required.)"""

    # the semantic signal decided (relevance.semantic): the article's cosine similarity to the
    # theme; ``term`` and ``matched`` then read "similar to theme X (0.83)", ``points`` holds
    # the calibrated probability
    similarity: float


Evidence = dict[str, list[TermEvidence]]
"""Theme key -> the concepts found for it (every theme key, an empty list when none)."""


class ShownTerm(TypedDict):
    """A term as a reader shows it: the words that matched and where they were found.

    ``matched`` lists the aliases found (``[term]`` when a stored record does not say);
    ``title`` and ``body`` are None when a stored record does not say (older rows kept the
    bare term).
    """

    term: str
    matched: list[str]
    title: int | None
    body: int | None


EVIDENCE_TERMS = 6  # matched concepts shown per theme


def shown_evidence(value: Any, themes: Sequence[str]) -> dict[str, list[ShownTerm]]:
    """Matched terms per theme from the scorer's ``evidence`` JSON; {} when absent or unknown.

    A term whose ``points`` are 0 (a context word in an article not about China) did not
    count and is left out. The listed themes come first.
    """
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    order = [t for t in themes if t in parsed] + sorted(t for t in parsed if t not in themes)
    out: dict[str, list[ShownTerm]] = {}
    for theme in order:
        items = parsed[theme]
        if not isinstance(items, list):
            continue
        terms: list[ShownTerm] = []
        for item in items:
            if isinstance(item, str):
                terms.append({"term": item, "matched": [item], "title": None, "body": None})
                continue
            if not isinstance(item, dict) or not item.get("term"):
                continue
            points = item.get("points")
            if isinstance(points, (int, float)) and points <= 0:
                continue
            term = str(item["term"])
            found = item.get("matched")
            matched = (
                [str(m) for m in found if isinstance(m, str) and m]
                if isinstance(found, list)
                else []
            )
            terms.append(
                {
                    "term": term,
                    "matched": matched or [term],
                    "title": _int_or_none(item.get("title")),
                    "body": _int_or_none(item.get("body")),
                }
            )
        if terms:
            out[str(theme)] = terms[:EVIDENCE_TERMS]
    return out


def why_text(terms: Iterable[ShownTerm]) -> str:
    """The matched words of one theme as "ReelShort, 短剧出海 (title 1, body 2); ..."."""
    parts = []
    for term in terms:
        words = ", ".join(term.get("matched") or [term["term"]])
        where = _where(term)
        parts.append(f"{words} ({where})" if where else words)
    return "; ".join(parts)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _where(term: ShownTerm) -> str:
    parts = []
    if term.get("title"):
        parts.append(f"title {term['title']}")
    if term.get("body"):
        parts.append(f"body {term['body']}")
    return ", ".join(parts)
