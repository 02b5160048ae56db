"""Trimming what trafilatura keeps around an article's text but is not part of it.

General rules only (no publisher is named), on the text's first lines:

- the headline repeated as the first line (also without or with its kicker) is the page's
  heading, not the article's text;
- a line naming the authors ("Jane Doe", "记者 李静怡", "A/B") among the first
  ``lead_lines`` is the byline, and one holding only a date ("28.04.2023, 14:26 Uhr",
  "2025年1月14日 01時28分") the dateline;
- a headline or a byline glued to the first paragraph (trafilatura's flat fallback on a
  short page: "Headline 记者 李静怡 First paragraph…") is cut off it: a byline when it
  opens with its marker ("By", "记者"), so that "Jane Doe said…" stays; a headline when a
  byline follows it or the whole text is that one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipelines.extraction import vocabulary
from pipelines.extraction.authors import split_authors
from pipelines.extraction.dates import printed_date

__all__ = ["trim_text"]

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
# a first line that is part of the title needs this many words; one holding the title, at
# most ``kicker_words`` words more (a kicker such as "Premier League" before it)
_MIN_PART = 3
# a headline glued to the text is cut when it has this many words (Han characters: twice)
_GLUED_WORDS = 4


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
    kicker = vocabulary.LIMITS["kicker_words"]
    return f" {title} " in f" {line} " and words <= len(title.split()) + kicker


def _names_only(line: str, authors: set[str]) -> bool:
    """*line* names some of *authors* and nothing else (a prefix or a role aside)."""
    names = {n.casefold() for n in split_authors(line)}
    return bool(names) and names <= authors and len(line) <= 80


def _is_dateline(line: str) -> bool:
    """*line* holds a date and little else: a time, a label ("Published"), an update."""
    if len(line) > 80 or printed_date(line) is None:
        return False
    rest = vocabulary.pattern("updated").sub(" ", line.casefold())
    rest = vocabulary.pattern("label_date").sub(" ", rest)
    rest = vocabulary.pattern("month").sub(" ", rest)
    rest = re.sub(r"\b(?:uhr|am|pm|h)\b|[\d\W_年月日時分秒년월일시분]+", " ", rest)
    return len(rest.split()) <= 2


def _byline_prefix(line: str, authors: set[str]) -> int:
    """The length of a byline opening *line* with its marker ("By Jane Doe ", "记者 李静怡 "),
    glued to the text after it; 0 when there is none."""
    marker = vocabulary.pattern("by").match(line) or vocabulary.pattern("role_before").match(line)
    if not marker:
        return 0
    for match in reversed(list(re.finditer(r"\s+", line[:120]))):
        if _names_only(line[: match.start()], authors):
            return match.end()
    return 0


def _glued_headline(line: str, title: str) -> int:
    """The length of *title* opening *line* before more text, else 0."""
    head = " ".join(title.split())
    if not head or not line.startswith(head) or len(line) <= len(head):
        return 0
    if not line[len(head)].isspace():
        return 0
    size = len(_CJK.findall(head)) / 2 + len(_WORD.findall(_CJK.sub(" ", head)))
    return len(head) if size >= _GLUED_WORDS else 0


def trim_text(text: str, title: str | None = None, authors: Sequence[str] = ()) -> str:
    """*text* without its headline and byline atop it (module doc); *title*, *authors*: the
    article's, as extracted."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line] or [""]
    names = {a.casefold() for a in authors}
    head = _key(title or "")
    if head and _is_heading(_key(lines[0]), head):
        lines = lines[1:] or [""]
    elif title and (cut := _glued_headline(lines[0], title)):
        rest = lines[0][cut:].lstrip()
        if len(lines) == 1 or (names and _byline_prefix(rest, names)):
            lines[0] = rest
    for i, line in enumerate(lines[: vocabulary.LIMITS["lead_lines"]]):
        if _is_dateline(line):
            del lines[i]
            break
    if names:
        for i, line in enumerate(lines[: vocabulary.LIMITS["lead_lines"]]):
            if _names_only(line, names):
                del lines[i]
                break
            if cut := _byline_prefix(line, names):
                lines[i] = line[cut:]
                break
    return "\n".join(lines).strip()
