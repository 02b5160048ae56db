"""Score an article against the monitored themes: ``score(article, themes) -> Relevance``.

A pure function, no Scrapy, nothing loaded at import time::

    themes = crawler.config.load_themes("config/themes.toml")   # validate + compile once
    result = score(article, themes)                             # .title/.text or a dict
    result.relevance, result.relevant, result.themes, result.to_dict()

How a score is made
-------------------
1. Title and body are normalised and scanned once each by the themes' compiled matcher
   (:mod:`pipelines.scoring.matcher`): Latin-script aliases on word boundaries, Chinese anywhere.
2. Each hit is counted or not. A *generic* word (a context concept's alias, or a local form
   from a glossary ``context`` table: "box office", 興行収入, "turismo cultural") counts only
   where China is the subject near it (:mod:`pipelines.scoring.subject`: China anchors and the
   themes' own names near it, against other countries, their works and the headline's
   countries; "in China" or "the Chinese market" alone make China a venue, not the subject).
   A name (Ne Zha 2, 中国ドラマ) counts unless a venue or another country's phrase holds it
   ("中国映画市場", "the Chinese film market").
3. Each *concept* (one line of the themes file: several aliases, one weight) gets a BM25-style
   term frequency of its counted hits: title hits count ``TITLE_WEIGHT`` times, body hits are
   divided by a length factor (a long article needs more mentions), and the total saturates
   (the tenth mention adds little). Its points are ``weight * saturated_tf``; the generic share
   is scaled by how much the article as a whole is about China (``Subject.article_factor``).
4. A theme's score is ``1 - exp(-points / SCALE)``; the overall relevance uses the points of
   all distinct concepts together, so several themes reinforce each other. A *secondary*
   theme's generic words (``limits_resistance``: "propaganda", closures, "criticism") add to
   its own score only: they say how an on-topic story is framed, not that it is on topic.
5. The article is relevant when its relevance reaches the threshold of its *main theme* (the
   highest score, the first in file order on a tie): the theme's own ``threshold`` in
   ``themes.toml`` when it sets one, else the ``relevance.threshold`` setting. A strong name
   (weight ``STRONG_WEIGHT`` or more) in the headline, or twice in the body, gives at least
   ``STRONG_FLOOR`` (the default threshold) on its own.
6. A relevant article lists the themes near its strongest, and a secondary theme whose own
   score reaches ``SECONDARY_SHARE``.

The constants below (and those of :mod:`pipelines.scoring.subject`) are module globals on
purpose: ``tests/bench/relevance_ablation.py`` and ``tests/quality/relevance_crossval.py``
switch them one at a time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pipelines.scoring.matcher import Hit, normalise
from pipelines.scoring.subject import Subject
from pipelines.scoring.themes import Concept, Themes
from storage.evidence import Evidence, TermEvidence

__all__ = [
    "DEFAULT_THRESHOLD",
    "Relevance",
    "article_field",
    "field_text",
    "main_theme",
    "score",
    "threshold_for",
]

DEFAULT_THRESHOLD = 0.5  # keep equal to SETTINGS_SCHEMA["relevance"]["threshold"]

# --- scoring constants (tuned on the dev set with tests/quality/eval_relevance.py) ----------
TITLE_WEIGHT = 2.0  # one title hit counts like this many body hits (never length-normalised)
K1 = 1.2  # BM25 saturation: tf*(K1+1)/(tf+K1); the limit is (K1+1) times the weight
B = 0.75  # BM25 length normalisation strength (0 = none, 1 = fully proportional)
AVG_LENGTH = 200.0  # body length (tokens: a Latin word, or 1.5 Chinese characters) from which
# more mentions are needed; shorter bodies are not boosted (the factor never drops below 1)
SCALE = 3.3  # points -> score: 1 - exp(-points / SCALE); one strong mention is about 0.6
# A relevant article lists the themes whose own score reaches THEME_SHARE * threshold and
# THEME_RELATIVE * the strongest theme's score (at least the strongest theme is listed).
# A single mention of a single concept in the body, and nothing else, is a passing mention:
# its points count this much (a name-drop of a famous title in an unrelated story).
LONE_MENTION = 0.5
# A strong name (weight at least STRONG_WEIGHT: a title such as Ne Zha 2, hanfu) in the headline
# or seen twice in the body is what the article is about: its relevance is at least STRONG_FLOOR
# (the default threshold), whatever else it holds.
STRONG_WEIGHT = 2.5
STRONG_FLOOR = DEFAULT_THRESHOLD
STRONG_ALONE = True
THEME_SHARE = 1.0
THEME_RELATIVE = 0.4
# A secondary theme (themes.toml: secondary = true, limits_resistance) is also listed beside the
# others when its own score reaches this: one telling word (a closure, "propaganda") near
# China, or two weaker ones.
SECONDARY_SHARE = 0.25

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
    title = normalise(field_text(article_field(article, "title"))[:MAX_TITLE_CHARS])
    body = normalise(field_text(article_field(article, "text"))[:MAX_BODY_CHARS])
    if themes.terms is None or themes.anchors is None:
        raise TypeError("themes must come from load_themes()")

    in_title = themes.terms.find(title)
    in_body = themes.terms.find(body)
    subject = Subject(
        title,
        body,
        themes.anchors.find(title),
        themes.anchors.find(body),
        _names(in_title, themes),
        _names(in_body, themes),
    )
    article_factor = subject.article_factor()
    length_norm = max(1.0, 1 - B + B * (subject.length / AVG_LENGTH))

    secondary = {theme.key for theme in themes.themes if theme.secondary}
    found: dict[int, _Found] = {}
    for hits, is_title in ((in_title, True), (in_body, False)):
        for hit in hits:
            for index in hit.owners:
                concept = themes.concepts[index]
                seen = found.setdefault(index, _Found())
                seen.add(concept, hit, is_title, subject, concept.theme in secondary)

    points_by_theme = {theme.key: 0.0 for theme in themes.themes}
    evidence: Evidence = {theme.key: [] for theme in themes.themes}
    best_by_concept: dict[tuple[str, ...], float] = {}
    strong = False
    for index in sorted(found):
        concept, seen = themes.concepts[index], found[index]
        free = TITLE_WEIGHT * seen.title_free + seen.body_free / length_norm
        generic = TITLE_WEIGHT * seen.title_generic + seen.body_generic / length_norm
        tf = free + generic
        points = concept.weight * tf * (K1 + 1) / (tf + K1) if tf else 0.0
        if generic:  # generic hits count as much as China is the article's subject
            points *= (free + generic * article_factor) / tf
        points_by_theme[concept.theme] += points
        # A secondary theme's generic words count for it alone, not for the relevance.
        counted = points * free / tf if concept.theme in secondary and tf else points
        # The same concept listed under two themes counts once in the overall relevance.
        best_by_concept[concept.aliases] = max(counted, best_by_concept.get(concept.aliases, 0.0))
        strong = strong or (
            concept.weight >= STRONG_WEIGHT and (seen.title_free >= 1 or seen.body_free >= 2)
        )
        evidence[concept.theme].append(
            TermEvidence(
                term=concept.name,
                matched=sorted({concept.shown(a) for a in seen.aliases}),
                title=seen.title,
                body=seen.body,
                weight=concept.weight,
                context=concept.context,
                points=round(points, 3),
            )
        )
    for items in evidence.values():
        items.sort(key=lambda item: -item["points"])

    hits_title = sum(seen.title for seen in found.values())
    hits_body = sum(seen.body for seen in found.values())
    if len(best_by_concept) == 1 and hits_title == 0 and hits_body == 1:
        points_by_theme = {key: p * LONE_MENTION for key, p in points_by_theme.items()}
        best_by_concept = {k: p * LONE_MENTION for k, p in best_by_concept.items()}
    theme_scores = {key: round(_squash(p), 4) for key, p in points_by_theme.items()}
    relevance = round(_squash(sum(best_by_concept.values())), 4)
    threshold = threshold_for(theme_scores, themes.thresholds, threshold)
    if strong and STRONG_ALONE:  # a strong name in the headline, or seen twice, is the story
        relevance = max(relevance, STRONG_FLOOR)
    relevant = relevance >= threshold
    listed = _listed(theme_scores, threshold, relevant, secondary)
    return Relevance(relevance, relevant, listed, theme_scores, evidence)


class _Found:
    """The hits of one concept: counted (free: they need no China; generic: where China is
    the subject) and seen, in the title and in the body."""

    __slots__ = (
        "aliases",
        "body",
        "body_free",
        "body_generic",
        "title",
        "title_free",
        "title_generic",
    )

    def __init__(self) -> None:
        self.aliases: set[str] = set()
        self.title = self.body = 0
        self.title_free = self.body_free = 0
        self.title_generic = self.body_generic = 0

    def add(
        self, concept: Concept, hit: Hit[int], is_title: bool, subject: Subject, secondary: bool
    ) -> None:
        """Count *hit*: a generic word where China is the subject near it (the headline's
        countries aside for a *secondary* theme), a name unless a venue holds it."""
        self.aliases.add(hit.alias)
        generic = concept.generic(hit.key)
        if generic:
            counts = subject.near(is_title, hit.start, headline=not secondary)
        else:  # a name inside "the Chinese film market" names no work: it does not count
            counts = not subject.covered(is_title, hit.start, hit.end)
        if is_title:
            self.title += 1
            self.title_free += counts and not generic
            self.title_generic += counts and generic
        else:
            self.body += 1
            self.body_free += counts and not generic
            self.body_generic += counts and generic


def _names(hits: Sequence[Hit[int]], themes: Themes) -> list[tuple[int, int]]:
    """Where the themes' own names and titles (not generic words) are: in an article, they
    make China the subject of the words near them."""
    return [
        (hit.start, hit.end)
        for hit in hits
        if any(not themes.concepts[i].generic(hit.key) for i in hit.owners)
    ]


def _listed(
    theme_scores: Mapping[str, float], threshold: float, relevant: bool, secondary: set[str]
) -> list[str]:
    """The themes a relevant article is about, strongest first: those near the strongest,
    and a secondary theme (limits and resistance) with a clear score of its own."""
    if not relevant:
        return []
    top = max(theme_scores.values())
    return [
        key
        for key, value in sorted(theme_scores.items(), key=lambda kv: -kv[1])
        if value > 0
        and (
            (value >= THEME_SHARE * threshold and value >= THEME_RELATIVE * top)
            or (key in secondary and value >= SECONDARY_SHARE)
        )
    ] or [max(theme_scores, key=theme_scores.__getitem__)]


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


def article_field(article: object, name: str) -> object:
    """*article*'s field *name* (a mapping's key or an attribute), None when it has none."""
    try:
        if isinstance(article, Mapping):
            return article.get(name)
        return getattr(article, name, None)
    except (AttributeError, KeyError, TypeError, ValueError):  # broken object: score it empty
        return None


def field_text(value: object) -> str:
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
