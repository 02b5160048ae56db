"""A cross-language signal: is an English and a Chinese article the same story?

Shingles cannot match across languages, so this compares what survives translation: the
theme concepts both mention (each concept has English and Chinese aliases, so 哪吒 and
Ne Zha are one key), the numbers they give (scaled, so ``12.3 billion`` and ``123亿``,
``10 million`` and ``1000万`` agree) and the Latin-script names the Chinese text keeps
(Steam, Dior). The score is the overlap coefficient of the two key sets. It is measured
by ``tests/quality/eval_stories.py --cross-language`` and used only when the setting
``stories.cross_language`` is on (off by default: see :mod:`pipelines.stories`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.scoring.matcher import normalise
from pipelines.scoring.themes import Themes

__all__ = [
    "MIN_SHARED",
    "THRESHOLD",
    "WINDOW_HOURS",
    "CrossLanguage",
    "cross_language_keys",
    "latin_names",
    "overlap",
]

MIN_SHARED = 4  # fewer shared keys than this is never the same story
THRESHOLD = 0.6  # overlap from which an English and a Chinese article are one story
WINDOW_HOURS = 72  # ... when published at most this far apart

_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "千": 1e3,
    "万": 1e4,
    "亿": 1e8,
    "万亿": 1e12,
    "percent": 1.0,
    "%": 1.0,
}
_NUMBER = re.compile(
    r"(\d+(?:[.,]\d+)*)\s*(thousand|million|billion|trillion|万亿|千|万|亿|percent|%)?"
)
_LATIN = re.compile(r"[a-z][a-z0-9]{2,}")


def _numbers(text: str) -> set[str]:
    out: set[str] = set()
    for digits, unit in _NUMBER.findall(text):
        try:
            value = float(digits.replace(",", ""))
        except ValueError:
            continue
        value *= _SCALE.get(unit, 1.0)
        if value in (0, 1, 2):  # too common to tell stories apart
            continue
        out.add(f"n:{value:.4g}")
    return out


def cross_language_keys(text: str, themes: Themes, *, chinese: bool) -> frozenset[str]:
    """The keys of *text* that a translation keeps: concepts, numbers, and (for a Chinese
    text) the Latin-script words it holds."""
    norm = normalise(text)
    found = themes.terms.scan(norm) if themes.terms else {}
    keys = {f"c:{themes.concepts[owner].theme}/{themes.concepts[owner].name}" for owner in found}
    keys |= _numbers(norm)
    if chinese:
        keys |= {f"w:{word}" for word in _LATIN.findall(norm)}
    return frozenset(keys)


def latin_names(text: str) -> frozenset[str]:
    """The Latin-script words of an English text, as keys comparable with a Chinese one's."""
    return frozenset(f"w:{word}" for word in _LATIN.findall(normalise(text)))


@dataclass(frozen=True)
class CrossLanguage:
    """The cross-language signal with the themes whose concepts it compares."""

    themes: Themes
    threshold: float = THRESHOLD
    window_hours: float = WINDOW_HOURS

    def keys(self, title: str, text: str, *, chinese: bool) -> frozenset[str]:
        both = f"{title}\n{text}"
        found = cross_language_keys(both, self.themes, chinese=chinese)
        return found if chinese else found | latin_names(both)


def overlap(english: frozenset[str], chinese: frozenset[str]) -> float:
    """The overlap coefficient of two key sets (0 when they share fewer than MIN_SHARED)."""
    shared = len(english & chinese)
    if shared < MIN_SHARED or not english or not chinese:
        return 0.0
    return shared / min(len(english), len(chinese))
