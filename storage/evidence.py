"""The ``evidence`` record: why an article matched its themes, as stored in ``articles.evidence``.

Declared once, here, between its writer (:func:`pipelines.scoring.relevance.score`) and its readers
(the digest, Datasette). The column holds JSON of :data:`Evidence`: every theme key mapped to
the concepts found for it, strongest first, each a :class:`TermEvidence`.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["Evidence", "ShownTerm", "TermEvidence"]


class TermEvidence(TypedDict):
    """One concept found in an article, as the scorer writes it."""

    term: str  # the concept's name: its first alias, as written in themes.toml
    matched: list[str]  # the aliases found in the title or body, as themes.toml writes them, sorted
    title: int  # hits in the title
    body: int  # hits in the body
    weight: float  # the concept's weight
    context: bool  # a generic (context) term, which counts only in an article about China
    points: float  # what it added to the theme's points (0: a context term that did not count)


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
