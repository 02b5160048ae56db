"""Trimming what trafilatura keeps around an article's text but is not part of it.

General rules only (no publisher is named): the headline repeated as the text's first
line (also without or with its kicker) is the page's heading, not the article's text.
"""

from __future__ import annotations

import re

__all__ = ["trim_text"]

_WORD = re.compile(r"\w+")
# a first line that is part of the title needs this many words; one holding the title, at
# most this many words more (a kicker such as "Premier League" before it)
_MIN_PART = 3
_KICKER_WORDS = 6


def _key(line: str) -> str:
    return " ".join(_WORD.findall(line.casefold()))


def _is_heading(line: str, title: str) -> bool:
    """*line* is the headline: the title itself, a part of it (the title less its kicker)
    or the title with a kicker or a few words around it."""
    if line == title:
        return True
    words = len(line.split())
    if words >= _MIN_PART and f" {line} " in f" {title} ":
        return True
    return f" {title} " in f" {line} " and words <= len(title.split()) + _KICKER_WORDS


def trim_text(text: str, title: str | None = None) -> str:
    """*text* without a first line that is its headline (words compared, case folded):
    *title*, the title less its kicker, or the title with a short kicker."""
    lines = text.split("\n")
    head = _key(title or "")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if head and first is not None and _is_heading(_key(lines[first]), head):
        lines = lines[first + 1 :]
    return "\n".join(lines).strip()
