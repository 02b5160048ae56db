"""Whether China is the subject where a generic word stands: the rule for context terms.

A generic word ("box office", "UNESCO", "soft power", a local word for drama or tourism)
says something about China only where China is what the sentence is about. Anchors are of
three kinds (``[anchors]`` of ``themes.toml``, and per language in ``glossary.toml``):

- **china**: China and Chinese in every language, and the hits of the themes' own names
  (a Chinese title: "Ne Zha 2 broke box office records" is about a Chinese work);
- **other**: other countries, their people, works and industries (Korea, K-drama, Japan,
  anime, Hollywood, foreign films, Germany, Thailand ...);
- **venue**: China as a market or a place where something else happens ("in China", "the
  Chinese box office", "Chinese tourists", 中国市場, в Китае, Çin'de). A venue phrase takes
  the word for China out of the count: alone, it makes China neither the subject nor someone
  else (``VENUE_WEIGHT``); a name inside it ("the Chinese film market") names no work.

A generic hit counts when China outweighs the others near it: each anchor within
``WINDOW`` words weighs ``1 / (1 + distance / NEAREST)``, and each anchor of the headline
weighs ``HEADLINE`` near every word of the body (the headline says what the article is
about: "K-dramas are popular again in China" is about K-dramas). So "Japanese anime tops
the box office in China" leaves "box office" uncounted, while "the Chinese animated film
drew crowds at the box office in Paris" counts it. With too little near a word
(``MIN_NEAR``), the article decides: its headline names China and no other country, or it
mentions China at least as often as the others. A body that names China more often as a
market or a place than as the subject (``VENUE_BODY``: "the Chinese film market", "box office
in China") makes the headline's bare "China" a place too: it neither weighs near the body's
words nor decides where nothing is near (domestic news: a festival in Hangzhou, foreign films
selling in China). On top of that, as before, the article must
mention China often enough for its length (:meth:`Subject.article_factor`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipelines.scoring.matcher import Hit, token_length
from pipelines.scoring.themes import CHINA, OTHER, VENUE

__all__ = ["ANCHOR_EVERY", "WINDOW", "Subject"]

# Module globals on purpose: tests/quality/relevance_crossval.py switches them.
WINDOW = 40.0  # words on each side of a generic hit in which an anchor is "near"
ANCHOR_EVERY = 400.0  # generic terms need a China anchor per this many words of body
LOCAL_SUBJECT = True  # False: the article-level rule alone (the scorer before issue 26)
NEAREST = 3.0  # an anchor this many words away weighs half as much as one next to the word
HEADLINE = 1.0  # what each anchor of the headline weighs near every generic word of the body
MIN_NEAR = 0.25  # less than this near a word (an anchor over ~9 words away): the article decides
VENUE_BODY = True  # False: a headline's China counts whatever the body makes of China
VENUE_WEIGHT = 0.0  # how much a venue anchor ("in China") weighs against China as the subject


@dataclass(frozen=True)
class _Part:
    """The anchors of one part (title or body): (start, end) spans per kind, sorted."""

    china: tuple[tuple[int, int], ...]
    other: tuple[tuple[int, int], ...]
    venue: tuple[tuple[int, int], ...]

    @staticmethod
    def of(anchors: Iterable[Hit[int]], names: Iterable[tuple[int, int]]) -> _Part:
        kinds: dict[int, list[tuple[int, int]]] = {CHINA: [], OTHER: [], VENUE: []}
        for hit in anchors:
            # an anchor both China and venue (a word in two lists) is a venue
            owner = VENUE if VENUE in hit.owners else hit.owners[0]
            kinds[owner].append((hit.start, hit.end))
        kinds[CHINA].extend(names)
        return _Part(*(tuple(sorted(kinds[k])) for k in (CHINA, OTHER, VENUE)))


def _weight(spans: Sequence[tuple[int, int]], at: int, span: float, word: float) -> float:
    """Closeness of the anchors *spans* to position *at*: each within *span* characters weighs
    1 / (1 + distance / NEAREST words), so the nearest anchor counts most."""
    total = 0.0
    for start, end in spans:
        distance = 0 if start <= at < end else min(abs(at - start), abs(at - end))
        if distance <= span:
            total += 1.0 / (1.0 + distance / (NEAREST * word))
    return total


class Subject:
    """Where China is the subject in one article (normalised *title* and *body*)."""

    def __init__(
        self,
        title: str,
        body: str,
        title_anchors: Sequence[Hit[int]],
        body_anchors: Sequence[Hit[int]],
        title_names: Iterable[tuple[int, int]] = (),
        body_names: Iterable[tuple[int, int]] = (),
    ):
        self._title = _Part.of(title_anchors, ())
        self._body = _Part.of(body_anchors, ())
        # the themes' own terms (titles, names) are china anchors near generic words, not
        # in the article's counts (those stay the anchors' alone), unless a venue or another
        # country's anchor holds them
        title_names = [n for n in title_names if not self.covered(True, *n)]
        body_names = [n for n in body_names if not self.covered(False, *n)]
        self._title_near = _Part.of(title_anchors, title_names)
        self._body_near = _Part.of(body_anchors, body_names)
        self.length = token_length(body)
        self._word = len(body) / max(self.length, 1.0)  # characters per word
        self._title_word = len(title) / max(token_length(title), 1.0)
        t, b = self._title, self._body
        self.china = len(t.china) + len(b.china) + len(t.venue) + len(b.venue)
        self.other = len(t.other) + len(b.other)
        # a body that names China more as a market or a place than as the subject ("the
        # Chinese film market", "box office in China") makes a bare "China" of the headline
        # the place too: it neither weighs near the body's words nor decides where none is near
        venue_body = VENUE_BODY and len(b.venue) > len(self._body_near.china)
        self._headline = len(t.china) >= 1 and not t.other and not venue_body
        self._article = (
            not venue_body
            and len(t.china) + len(b.china) >= 1
            and (len(t.china) + len(b.china) >= len(t.other) + len(b.other))
        )
        # what the headline is about weighs on every generic word of the body
        self._title_china = 0.0 if venue_body else HEADLINE * len(self._title_near.china)
        self._title_other = HEADLINE * len(t.other)

    def article_factor(self) -> float:
        """How much generic terms count in this article as a whole: fully when China is
        mentioned at least as often as other countries and at least once per
        ``ANCHOR_EVERY`` words; less in proportion; not at all without China."""
        return min(
            1.0,
            self.china / max(self.other, 1),
            self.china / (1 + self.length / ANCHOR_EVERY),
        )

    def covered(self, in_title: bool, start: int, end: int) -> bool:
        """Whether a term's hit lies inside a venue or other-country anchor ("中国映画市場",
        "the Chinese film market"): there a name names a market or someone else's work."""
        part = self._title if in_title else self._body
        return any(s <= start and end <= e for s, e in (*part.venue, *part.other))

    def near(self, in_title: bool, position: int, headline: bool = True) -> bool:
        """Whether China is the subject at *position* of the title (*in_title*) or body;
        without *headline*, the anchors near it alone decide (the headline's countries are
        not weighed: for a secondary theme, whose article is about China by other words)."""
        if not LOCAL_SUBJECT:
            return True
        part = self._title_near if in_title else self._body_near
        word = self._title_word if in_title else self._word
        span = float("inf") if in_title else WINDOW * word
        china = _weight(part.china, position, span, word)
        against = _weight(part.other, position, span, word) + VENUE_WEIGHT * _weight(
            part.venue, position, span, word
        )
        if headline and not in_title:
            china += self._title_china
            against += self._title_other
        if china + against >= MIN_NEAR:
            return china > 0 and china >= against
        return self._headline or self._article
