"""Trimming what trafilatura keeps around an article's text but is not part of it.

General rules only (no publisher is named): the headline repeated as the text's first
line is the page's heading, not the article's text.
"""

from __future__ import annotations

import re

__all__ = ["trim_text"]

_WORD = re.compile(r"\w+")


def _key(line: str) -> str:
    return " ".join(_WORD.findall(line.casefold()))


def trim_text(text: str, title: str | None = None) -> str:
    """*text* without a first line that is *title* (words compared, case folded)."""
    lines = text.split("\n")
    head = _key(title or "")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if head and first is not None and _key(lines[first]) == head:
        lines = lines[first + 1 :]
    return "\n".join(lines).strip()
