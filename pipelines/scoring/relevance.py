"""Score an article against the monitored themes: ``score(article, themes) -> Relevance``.

A pure function, no Scrapy, nothing loaded at import time::

    themes = crawler.config.load_themes("config/themes.toml")   # validate + compile once
    result = score(article, themes)                             # .title/.text or a dict
    result.relevance, result.relevant, result.themes, result.to_dict()

How a score is made
-------------------
1. Title and body are normalised and scanned once each by the themes' compiled matcher
   (:mod:`pipelines.scoring.matcher`): Latin-script aliases on word boundaries, Chinese anywhere.
2. Each *concept* (one line of the themes file: several aliases, one weight) gets a BM25-style
   term frequency: title hits count ``TITLE_WEIGHT`` times, body hits are divided by a length
   factor (a long article needs more mentions), and the total saturates (the tenth mention
   adds little). Its points are ``weight * saturated_tf``.
3. *Context* concepts (generic words such as "box office") earn points only when China anchors
   are present and not outnumbered by other-country anchors (Korea, Japan, Hollywood ...).
4. A theme's score is ``1 - exp(-points / SCALE)``; the overall relevance uses the points of
   all distinct concepts together, so several themes reinforce each other.
5. The article is relevant when its relevance reaches the threshold of its *main theme* (the
   highest score, the first in file order on a tie): the theme's own ``threshold`` in
   ``themes.toml`` when it sets one, else the ``relevance.threshold`` setting.

The constants below are module globals on purpose: ``tests/bench/relevance_ablation.py``
switches them one at a time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pipelines.scoring.matcher import normalise, token_length
from pipelines.scoring.themes import CHINA, OTHER, Themes
from storage.evidence import Evidence, TermEvidence

__all__ = ["DEFAULT_THRESHOLD", "Relevance", "main_theme", "score", "threshold_for"]

DEFAULT_THRESHOLD = 0.5  # keep equal to SETTINGS_SCHEMA["relevance"]["threshold"]

# --- scoring constants (tuned on the dev set with tests/quality/eval_relevance.py) ----------
TITLE_WEIGHT = 2.0  # one title hit counts like this many body hits (never length-normalised)
K1 = 1.2  # BM25 saturation: tf*(K1+1)/(tf+K1); the limit is (K1+1) times the weight
B = 0.75  # BM25 length normalisation strength (0 = none, 1 = fully proportional)
AVG_LENGTH = 200.0  # body length (tokens: a Latin word, or 1.5 Chinese characters) from which
# more mentions are needed; shorter bodies are not boosted (the factor never drops below 1)
ANCHOR_EVERY = 400.0  # context terms need a China anchor per this many tokens of body
SCALE = 3.3  # points -> score: 1 - exp(-points / SCALE); one strong mention is about 0.6
# A relevant article lists the themes whose own score reaches THEME_SHARE * threshold and
# THEME_RELATIVE * the strongest theme's score (at least the strongest theme is listed).
# A single mention of a single concept in the body, and nothing else, is a passing mention:
# its points count this much (a name-drop of a famous title in an unrelated story).
LONE_MENTION = 0.5
THEME_SHARE = 1.0
THEME_RELATIVE = 0.4

# Bad input must never be slow or crash: only the first MAX_BODY_CHARS characters of the body
# (and MAX_TITLE_CHARS of the title) are scanned. News articles are far shorter; a 10 MB
# "article" is garbage, and its opening is all that could matter anyway.
MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 2_000


@dataclass(frozen=True)
class Relevance:
    """The score of one article.

    ``evidence`` maps every theme key to the matched concepts, strongest first, each a
    :class:`storage.evidence.TermEvidence` (``term``, ``matched``, ``title``, ``body``,
    ``weight``, ``context``, ``points``).
    """

    relevance: float
    relevant: bool
    themes: list[str]
    theme_scores: dict[str, float]
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(article: object, themes: Themes, threshold: float = DEFAULT_THRESHOLD) -> Relevance:
    """Rate *article* (attributes or keys ``title`` and ``text``) against *themes*.

    Never raises on bad text: None, bytes, binary garbage or huge input give a score
    (0 where nothing matches).
    """
    title = normalise(_as_text(_field(article, "title"))[:MAX_TITLE_CHARS])
    body = normalise(_as_text(_field(article, "text"))[:MAX_BODY_CHARS])
    if themes.terms is None or themes.anchors is None:
        raise TypeError("themes must come from load_themes()")

    in_title = themes.terms.scan(title)
    in_body = themes.terms.scan(body)
    anchors = themes.anchors.scan(title + "\n" + body)
    china = sum(anchors.get(CHINA, {}).values())
    other = sum(anchors.get(OTHER, {}).values())
    length = token_length(body)
    # Generic terms count fully when China is mentioned at least as often as other countries
    # and at least once per ANCHOR_EVERY tokens; less in proportion, not at all without China.
    context_factor = min(1.0, china / max(other, 1), china / (1 + length / ANCHOR_EVERY))

    length_norm = max(1.0, 1 - B + B * (length / AVG_LENGTH))
    points_by_theme = {theme.key: 0.0 for theme in themes.themes}
    evidence: Evidence = {theme.key: [] for theme in themes.themes}
    best_by_concept: dict[tuple[str, ...], float] = {}
    for index in sorted(set(in_title) | set(in_body)):
        concept = themes.concepts[index]
        aliases_title, aliases_body = in_title.get(index, {}), in_body.get(index, {})
        hits_title, hits_body = sum(aliases_title.values()), sum(aliases_body.values())
        tf = TITLE_WEIGHT * hits_title + hits_body / length_norm
        points = concept.weight * tf * (K1 + 1) / (tf + K1)
        if concept.context:
            points *= context_factor
        points_by_theme[concept.theme] += points
        # The same concept listed under two themes counts once in the overall relevance.
        best_by_concept[concept.aliases] = max(points, best_by_concept.get(concept.aliases, 0.0))
        evidence[concept.theme].append(
            TermEvidence(
                term=concept.name,
                matched=sorted({concept.shown(a) for a in (*aliases_title, *aliases_body)}),
                title=hits_title,
                body=hits_body,
                weight=concept.weight,
                context=concept.context,
                points=round(points, 3),
            )
        )
    for items in evidence.values():
        items.sort(key=lambda item: -item["points"])

    mentions = [
        (sum(in_title.get(i, {}).values()), sum(in_body.get(i, {}).values()))
        for i in set(in_title) | set(in_body)
    ]
    if (
        len(best_by_concept) == 1
        and sum(t for t, _ in mentions) == 0
        and sum(b for _, b in mentions) == 1
    ):
        points_by_theme = {key: p * LONE_MENTION for key, p in points_by_theme.items()}
        best_by_concept = {k: p * LONE_MENTION for k, p in best_by_concept.items()}
    theme_scores = {key: round(_squash(p), 4) for key, p in points_by_theme.items()}
    relevance = round(_squash(sum(best_by_concept.values())), 4)
    threshold = threshold_for(theme_scores, themes.thresholds, threshold)
    relevant = relevance >= threshold
    listed: list[str] = []
    if relevant:
        top = max(theme_scores.values())
        listed = [
            key
            for key, value in sorted(theme_scores.items(), key=lambda kv: -kv[1])
            if value > 0 and value >= THEME_SHARE * threshold and value >= THEME_RELATIVE * top
        ] or [max(theme_scores, key=theme_scores.__getitem__)]
    return Relevance(relevance, relevant, listed, theme_scores, evidence)


def main_theme(theme_scores: Mapping[str, float]) -> str | None:
    """The theme with the highest score above 0 (the first in order on a tie), or None."""
    best = None
    for key, value in theme_scores.items():
        if value > 0 and (best is None or value > theme_scores[best]):
            best = key
    return best


def threshold_for(
    theme_scores: Mapping[str, float], thresholds: Mapping[str, float], default: float
) -> float:
    """The relevance an article with *theme_scores* needs: its main theme's own threshold
    (*thresholds*), else *default*."""
    main = main_theme(theme_scores)
    return thresholds.get(main, default) if main is not None else default


def _squash(points: float) -> float:
    return 1.0 - math.exp(-points / SCALE) if points > 0 else 0.0


def _field(article: object, name: str) -> object:
    try:
        if isinstance(article, Mapping):
            return article.get(name)
        return getattr(article, name, None)
    except (AttributeError, KeyError, TypeError, ValueError):  # broken object: score it empty
        return None


def _as_text(value: object) -> str:
    """Text of a field: str as is, bytes decoded leniently, numbers printed, the rest empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value[: MAX_BODY_CHARS * 4]).decode("utf-8", errors="replace")
    if isinstance(value, (int, float)):
        return str(value)
    return ""
