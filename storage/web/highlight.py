"""Mark words in an article's text as safe HTML: everything escaped, only the matches in ``<mark>``.

The article page shows the text with the evidence the scorer found (the aliases of
``articles.evidence``'s ``matched``) highlighted. The words are found the way the themes
match them, closely enough for a reader: case-insensitive, any run of spaces or hyphens
for a space, a trailing ``*`` for any word ending; a Latin-script word only as a whole word,
a Chinese one anywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from storage.scripts import has_han

__all__ = ["highlight_words", "word_pattern"]

_LETTER = "0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u052f"  # alphabetic scripts' letters
_GAP = r"[\s\-\u2010-\u2015\u2212_]+"


def _alternative(word: str) -> str | None:
    word = " ".join(word.split())
    prefix = word.endswith("*")
    word = word.rstrip("*").strip()
    if not word:
        return None
    body = _GAP.join(re.escape(part) for part in re.split(r"[\s\-]+", word) if part)
    if prefix:
        body += f"[{_LETTER}]*"
    if has_han(word):
        return body
    return f"(?<![{_LETTER}]){body}(?![{_LETTER}])"


def word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for all *words* (longest first, so a longer alias wins), or None."""
    unique = sorted({w.strip() for w in words if w and w.strip()}, key=lambda w: (-len(w), w))
    parts = [p for p in (_alternative(w) for w in unique) if p]
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def highlight_words(text: str | None, words: Iterable[str]) -> tuple[str, int]:
    """*text* as HTML with every occurrence of *words* in ``<mark>``, and how many there were."""
    text = text or ""
    pattern = word_pattern(words)
    if pattern is None:
        return html.escape(text), 0
    out: list[str] = []
    last = count = 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
        count += 1
    out.append(html.escape(text[last:]))
    return "".join(out), count
