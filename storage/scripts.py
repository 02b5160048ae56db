"""Scripts and languages: the character classes and language tags every layer uses.

``HAN`` is the Chinese characters (CJK unified ideographs with extension A, the
compatibility block and extensions B-F); ``CJK`` adds the other scripts written without
spaces between words (kana, hangul, radicals, bopomofo), which word-boundary matching
must not assume.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CJK",
    "CJK_CHAR",
    "HAN",
    "HAN_CHAR",
    "HAN_RUN",
    "has_han",
    "normalise",
    "primary_language",
]

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
CJK = HAN + "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\uac00-\ud7af"

HAN_CHAR = re.compile(f"[{HAN}]")
HAN_RUN = re.compile(f"[{HAN}]+")
CJK_CHAR = re.compile(f"[{CJK}]")

# how theme aliases and texts are compared (the matcher, the concept search)
_SPACES = re.compile(r"[\s\-\u2010-\u2015\u2212_]+")
_QUOTES = (("\u2018", "'"), ("\u2019", "'"), ("\u02bc", "'"), ("\u201c", '"'), ("\u201d", '"'))


def normalise(text: str) -> str:
    """NFKC, case-fold, curly quotes to straight ones, hyphens and white space to one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for curly, straight in _QUOTES:  # str.replace: many times faster than str.translate
        if curly in text:
            text = text.replace(curly, straight)
    return _SPACES.sub(" ", text)


def has_han(text: str) -> bool:
    """True when *text* holds at least one Chinese character."""
    return HAN_CHAR.search(text) is not None


def primary_language(tag: object) -> str | None:
    """The primary subtag of a BCP 47 language tag, lower-cased: ``zh-Hant-TW`` -> ``zh``,
    ``en_US`` -> ``en``; None for an empty or non-string tag."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary or None
