"""Whether China is the subject where a generic word stands: the rule for context terms.

A generic word ("box office", "UNESCO", "soft power", a local word for drama or tourism)
says something about China only where China is what the sentence is about. Anchors are of
three kinds (``themes.toml`` and ``glossary.toml``, ``[anchors]`` and per language):

- **china**: China and Chinese in every language, and the hits of the themes' own terms
  (a Chinese title or name: "Ne Zha 2 broke box office records" is about a Chinese work);
- **venue**: China as a market or a place where something else happens ("in China", "the
  Chinese box office", 中国市場, в Китае, Çin'de): Japanese anime or Hollywood doing well in
  China, a UNESCO session held in China;
- **other**: other countries and their works and industries (Korea, Japan, Hollywood, anime,
  Germany, Thailand ...).

A generic hit counts when the anchors near it (``WINDOW`` words on each side, or the title
for a hit in the title) say China is the subject: at least one china anchor, and no more
other-country anchors; near a venue or another country alone it does not count. With no
anchor near, the article decides: its headline names China and no other country, or China
is mentioned at least as often as the other countries. On top of that, as before, the
article must mention China often enough for its length (:meth:`Subject.article_factor`).
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


@dataclass(frozen=True)
class _Part:
    """The anchors of one part (title or body): positions per kind, sorted."""

    china: tuple[int, ...]
    other: tuple[int, ...]
    venue: tuple[int, ...]

    @staticmethod
    def of(anchors: Iterable[Hit[int]], names: Iterable[int]) -> _Part:
        kinds: dict[int, list[int]] = {CHINA: [], OTHER: [], VENUE: []}
        for hit in anchors:
            # an anchor both China and venue (a word in two lists) is a venue
            owner = VENUE if VENUE in hit.owners else hit.owners[0]
            kinds[owner].append(hit.start)
        kinds[CHINA].extend(names)
        return _Part(*(tuple(sorted(kinds[k])) for k in (CHINA, OTHER, VENUE)))

    def count(self, kind: tuple[int, ...], low: float, high: float) -> int:
        return sum(1 for p in kind if low <= p <= high)


class Subject:
    """Where China is the subject in one article (normalised *title* and *body*)."""

    def __init__(
        self,
        title: str,
        body: str,
        title_anchors: Sequence[Hit[int]],
        body_anchors: Sequence[Hit[int]],
        title_names: Iterable[int] = (),
        body_names: Iterable[int] = (),
    ):
        self._title = _Part.of(title_anchors, ())
        self._body = _Part.of(body_anchors, ())
        # the themes' own terms (titles, names) are china anchors near generic words, not
        # in the article's counts (those stay the anchors' alone)
        self._title_near = _Part.of(title_anchors, title_names)
        self._body_near = _Part.of(body_anchors, body_names)
        self.length = token_length(body)
        self._span = WINDOW * len(body) / max(self.length, 1.0)  # WINDOW words in characters
        t, b = self._title, self._body
        self.china = len(t.china) + len(b.china) + len(t.venue) + len(b.venue)
        self.other = len(t.other) + len(b.other)
        self._headline = len(t.china) >= 1 and not t.other
        self._article = len(t.china) + len(b.china) >= 1 and (
            len(t.china) + len(b.china) >= len(t.other) + len(b.other)
        )

    def article_factor(self) -> float:
        """How much generic terms count in this article as a whole: fully when China is
        mentioned at least as often as other countries and at least once per
        ``ANCHOR_EVERY`` words; less in proportion; not at all without China."""
        return min(
            1.0,
            self.china / max(self.other, 1),
            self.china / (1 + self.length / ANCHOR_EVERY),
        )

    def near(self, in_title: bool, position: int) -> bool:
        """Whether China is the subject at *position* of the title (*in_title*) or body."""
        if not LOCAL_SUBJECT:
            return True
        if in_title:
            part, low, high = self._title_near, 0.0, float("inf")
        else:
            part, low, high = self._body_near, position - self._span, position + self._span
        china = part.count(part.china, low, high)
        other = part.count(part.other, low, high)
        venue = part.count(part.venue, low, high)
        if china:
            return china >= other
        if other or venue:
            return False
        return self._headline or self._article
