"""A search's matches in a text, marked: as safe HTML, and as an excerpt of a long text.

:func:`highlight_html` makes a ``snippet()`` of ``articles_search`` safe HTML: the search
query marks matches with the private-use characters :data:`storage.search.MARK_START` and
``MARK_END`` (never indexed), the rest is HTML-escaped and only the marks become ``<mark>``;
matches side by side are one ``<mark>``, so no markup in an article reaches the browser and
a term is marked whole.

``snippet()`` on one row costs about the square of the matches in that row, in one step of
SQLite's virtual machine that no time limit interrupts. :func:`snippet_fits` says whether a
text is short enough for it (at most :data:`SNIPPET_MAX_TOKENS` tokens); a longer one gets
:func:`excerpt`: the same marks (:data:`storage.search.MARK_START` / ``MARK_END``), found in
one pass over at most :data:`EXCERPT_SCAN_TOKENS` tokens. The ``search`` canned query uses
both through the SQL functions of :mod:`storage.web.sql_functions`.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Iterator

from storage.scripts import HAN, HAN_CHAR, HAN_RUN
from storage.search import MARK_END, MARK_START, SEP, unmarked

__all__ = [
    "EXCERPT_SCAN_CHARS",
    "EXCERPT_SCAN_TOKENS",
    "SNIPPET_MAX_TOKENS",
    "excerpt",
    "highlight_html",
    "snippet_fits",
]

SNIPPET_MAX_TOKENS = 4000  # FTS5's snippet() up to this many tokens; excerpt() beyond
EXCERPT_SCAN_TOKENS = 20_000  # excerpt() reads this many tokens at most
EXCERPT_SCAN_CHARS = 200_000  # ... and looks for a match in this many characters

# a token as unicode61 cuts the segmented text: one Han character, or a run of letters and
# digits (anything else, "_" included, separates tokens)
_TOKEN = re.compile(f"[{HAN}]|[^\\W_{HAN}]+")
_PHRASE = re.compile(r'(grams\s*:\s*)?"([^"]*)"(\*?)')
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_ENDINGS = ("ing", "ed", "es", "er", "ly", "s")  # taken off a word, roughly as porter stems
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
_ADJACENT = re.compile(f"{MARK_END}{SEP}?{MARK_START}")  # two matches side by side


def highlight_html(snippet: str) -> str:
    """*snippet* as HTML: escaped, with each MARK_START...MARK_END pair made ``<mark>``.

    Matches side by side (the characters of a Chinese term, two terms next to each other)
    are one ``<mark>``. Unpaired markers (from an index written before they were stripped)
    are dropped.
    """
    # outside, marked, outside, marked, ..., outside
    pieces = _MARKED.split(_ADJACENT.sub("", snippet))
    return "".join(
        f"<mark>{html.escape(piece)}</mark>" if i % 2 else html.escape(unmarked(piece) or "")
        for i, piece in enumerate(pieces)
    )


def _tokens(text: str, limit: int, start: int = 0) -> Iterator[re.Match[str]]:
    return itertools.islice(_TOKEN.finditer(text, start), limit)


def _word_start(text: str, at: int) -> int:
    """*at*, moved on past the rest of a word it falls inside (so a token starts there)."""
    while 0 < at < len(text) and text[at - 1].isalnum() and text[at].isalnum():
        if HAN_CHAR.match(text, at) or HAN_CHAR.match(text, at - 1):
            break
        at += 1
    return at


def snippet_fits(text: str | None) -> bool:
    """Whether FTS5's ``snippet()`` is cheap on *text*: at most :data:`SNIPPET_MAX_TOKENS`
    tokens (its cost grows with the square of the matches, which cannot outnumber them)."""
    if not text or len(text) <= SNIPPET_MAX_TOKENS:
        return True
    return sum(1 for _ in _tokens(text, SNIPPET_MAX_TOKENS + 1)) <= SNIPPET_MAX_TOKENS


def _fold(token: str) -> str:
    """A token as the index compares it: lower case, without diacritics."""
    if token.isascii():
        return token.lower()
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    """A folded word without its English ending (cities and city: citi; films: film)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "i"
    if word.endswith("y") and len(word) > 3:
        return word[:-1] + "i"
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


class _Phrases:
    """The phrases of an expression made by :func:`fts_query` (not the ``grams`` ones, which
    repeat the characters' phrases), found at a token in one dictionary look-up or two."""

    def __init__(self, expression: str) -> None:
        # a phrase: the stems of its words, and whether its last word is a prefix
        self.exact: dict[str, list[tuple[tuple[str, ...], bool]]] = {}  # by the first stem
        self.prefixed: dict[str, list[tuple[tuple[str, ...], bool]]] = {}  # a lone prefix
        self.prefix_lengths: set[int] = set()
        self.longest = 1
        # the start of every phrase's first word: a token it can match contains it (in the
        # text in lower case, when all are ASCII or Han), so a text without any has no match
        self.keys: set[str] | None = set()
        for match in _PHRASE.finditer(expression):
            if match.group(1):
                continue
            words = [_fold(m.group(0)) for m in _TOKEN.finditer(match.group(2))]
            if not words:
                continue
            prefix = bool(match.group(3))
            stems = tuple(_stem(w) for w in words[:-1]) + (
                words[-1] if prefix else _stem(words[-1]),
            )
            self.longest = max(self.longest, len(stems))
            key = stems[0][:3]
            if self.keys is not None and (key.isascii() or HAN_RUN.fullmatch(key)):
                self.keys.add(key)
            else:
                self.keys = None
            if prefix and len(stems) == 1:
                self.prefixed.setdefault(stems[0][:3], []).append((stems, True))
                self.prefix_lengths.add(min(3, len(stems[0])))
            else:
                self.exact.setdefault(stems[0], []).append((stems, prefix))

    def may_start(self, stem: str, folded: str) -> bool:
        """Whether a phrase may start at a token (its stem, its folded form)."""
        return stem in self.exact or any(folded[:n] in self.prefixed for n in self.prefix_lengths)

    def match(self, stems: list[str], folded: list[str], i: int) -> int | None:
        """The last token of the longest phrase starting at token *i*, or None."""
        candidates = list(self.exact.get(stems[i], ()))
        for length in self.prefix_lengths:
            candidates += self.prefixed.get(folded[i][:length], ())
        end = None
        for words, prefix in candidates:
            n = len(words)
            if i + n > len(stems):
                continue
            if all(stems[i + k] == w for k, w in enumerate(words[: n - 1] if prefix else words)):
                if not prefix or folded[i + n - 1].startswith(words[-1]):
                    end = max(end if end is not None else -1, i + n - 1)
        return end


def excerpt(text: str | None, expression: str, *, tokens: int = 24) -> str:
    """A passage of *text* of about *tokens* tokens around the first match of *expression*
    (made by :func:`fts_query`), each match between :data:`MARK_START` and :data:`MARK_END`,
    cut ends shown as `` … ``: what FTS5's ``snippet()`` gives, at the cost of one pass over
    the text up to the passage (at most :data:`EXCERPT_SCAN_CHARS` characters and
    :data:`EXCERPT_SCAN_TOKENS` tokens; no match there: the text's start).

    Words are compared as the index does (case, diacritics), English endings roughly as
    porter stems them; a phrase's words must follow each other.
    """
    text = unmarked(text) or ""
    phrases = _Phrases(expression)
    begin, look = 0, True
    if phrases.keys is not None:  # skip to where a match can start, in C (str.find)
        sample = text[:EXCERPT_SCAN_CHARS]
        if not sample.isascii():  # as _fold: without diacritics
            sample = _COMBINING.sub("", unicodedata.normalize("NFKD", sample))
        sample = sample.lower()
        hits = [at for at in (sample.find(key) for key in phrases.keys) if at >= 0]
        look = bool(hits)
        if hits and len(sample) == min(len(text), EXCERPT_SCAN_CHARS):  # offsets still hold
            begin = _word_start(text, max(0, min(hits) - 200))
    stream = _tokens(text, EXCERPT_SCAN_TOKENS, begin)
    found: list[re.Match[str]] = []
    folded: list[str] = []
    stems: list[str] = []

    def read(n: int) -> int:
        """Read tokens until *n* are known (or the text, or the scan, ends)."""
        while len(found) < n:
            token = next(stream, None)
            if token is None:
                break
            found.append(token)
            folded.append(_fold(token.group(0)))
            stems.append(_stem(folded[-1]))
        return len(found)

    matches: list[tuple[int, int]] = []  # (first token, last token) of each match
    i = 0
    while look and i < read(i + 1) and (not matches or i < matches[0][0] + tokens):
        if i + 1 == len(found):
            read(i + 256)  # a batch at a time; most tokens are no phrase's start
        end = None
        if phrases.may_start(stems[i], folded[i]):
            read(i + phrases.longest)
            end = phrases.match(stems, folded, i)
        if end is None:
            i += 1
        else:
            matches.append((i, end))
            i = end + 1
    first = matches[0][0] if matches else 0
    if read(first + tokens) == 0:
        return text[:200]  # no token at all
    start = max(0, min(first - tokens // 4, len(found) - tokens))
    stop = min(len(found), start + tokens) - 1
    pieces: list[str] = [" … "] if start > 0 or begin > 0 else []
    at = found[start].start()
    for a, b in matches:
        if b < start or a > stop:
            continue
        a, b = max(a, start), min(b, stop)
        pieces += [text[at : found[a].start()], MARK_START, text[found[a].start() : found[b].end()]]
        pieces.append(MARK_END)
        at = found[b].end()
    pieces.append(text[at : found[stop].end()])
    if read(stop + 2) > stop + 1 or found[stop].end() < len(text.rstrip()):
        pieces.append(" … ")
    return "".join(pieces).replace(MARK_END + MARK_START, "")  # side by side: one match
