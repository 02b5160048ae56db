"""What a user types, as an FTS5 query of the search index, within what one search may cost.

:func:`fts_query` turns what a user types into an FTS5 query of ``articles_search``
(:mod:`storage.search`): terms are quoted (as Datasette's ``escape_fts`` does) and a
Chinese term becomes "the phrase of its characters and the phrase of its bigrams": 马面裙 is
``("马 面 裙" AND grams : "马面 面裙")``, exactly the articles that contain it; the character
phrase is what snippets highlight.

What one search may cost (the web's search box and concept search, :mod:`storage.web`):
SQLite runs FTS5's ``MATCH``, ``rank`` and ``snippet()`` each as one step of its virtual
machine, and a time limit can stop a query only between steps. ``snippet()`` on one row
costs about the square of the matches in that row, and ``MATCH``/``rank``/``snippet()`` grow
with the phrases of the expression, so one step could run for minutes. Hence:

- :func:`bounded_fts_query` (and :func:`storage.concepts.bounded_concept_query`) refuse, with
  :class:`SearchTooLarge` and a message in words, a search of more than
  :data:`MAX_SEARCH_CHARS` characters or whose expression has more than
  :data:`MAX_SEARCH_PHRASES` phrases (:func:`phrase_count`);
- :func:`storage.search_excerpts.snippet_fits` says whether FTS5's ``snippet()`` is cheap on
  a text (at most :data:`storage.search_excerpts.SNIPPET_MAX_TOKENS` tokens); a longer text
  gets :func:`storage.search_excerpts.excerpt` instead: the same marks, found in one pass
  over at most :data:`storage.search_excerpts.EXCERPT_SCAN_TOKENS` tokens.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from storage.scripts import HAN, HAN_CHAR, HAN_RUN
from storage.search import bigrams

__all__ = [
    "MAX_SEARCH_CHARS",
    "MAX_SEARCH_PHRASES",
    "SearchTooLarge",
    "bounded_fts_query",
    "check_search_expression",
    "check_search_length",
    "fts_query",
    "han_words",
    "phrase_count",
]

_WORD = re.compile(r"\w")
_QUERY_BITS = re.compile(r'\s+|(".*?")')  # as datasette.utils.escape_fts

# what one search may cost (see the module's docstring)
MAX_SEARCH_CHARS = 500  # a search as typed
MAX_SEARCH_PHRASES = 500  # phrases in its FTS5 expression, aliases expanded


def _characters(run: str) -> str:
    return " ".join(run)


def _han_term(term: str, *, words: bool = True) -> str:
    """A run of Han characters as FTS5: the token of one character; for more, the phrase
    of its characters (what snippets mark) and the phrase of its bigrams (in one run).

    With *words*, a run of four or more characters that jieba cuts into words of two or
    more is also found where its words stand apart (哪吒电影: 哪吒 AND 电影), as a search
    engine would.
    jieba is loaded by the first such query, in the process that searches (Datasette,
    alerts): indexing, and so the crawl, never needs it.
    """
    if len(term) < 2:
        return f'"{term}"'
    whole = f'("{_characters(term)}" AND grams : "{bigrams(term)}")'
    cut = han_words(term) if words and len(term) > 3 else [term]
    if len(cut) < 2 or min(map(len, cut)) < 2:  # 马面|裙: a lone character is no word
        return whole
    apart = " AND ".join(_han_term(word, words=False) for word in cut)
    return f"({whole} OR ({apart}))"


@functools.cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def han_words(run: str) -> list[str]:
    """jieba's words of a run of Han characters (loaded by the first call: a query's
    process, or ``evaluate``'s suggestions; indexing, and so the crawl, never calls it)."""
    return [w for w in _jieba().cut(run, HMM=True) if w.strip()]


def fts_query(query: str | None, *, words: bool = True) -> str:
    """An FTS5 query for what a user typed: every term quoted, Chinese ones by character.

    A quoted phrase stays a phrase (its Chinese characters adjacent); other terms are AND-ed.
    *words*: a Chinese term is also found as its words apart (:func:`_han_term`); False
    for a term that is a name as it stands (a themes.toml alias).
    Never raises on odd input: quotes are balanced and FTS5 operators are quoted.
    """
    query = query or ""
    if query.count('"') % 2:
        query += '"'
    parts: list[str] = []
    for bit in _QUERY_BITS.split(query):
        if not bit or not _WORD.search(bit):
            continue  # punctuation alone would be an empty phrase, which matches nothing
        if bit.startswith('"'):
            inner = bit[1:-1]
            if HAN_CHAR.search(inner):
                inner = HAN_RUN.sub(lambda m: f" {_characters(m.group(0))} ", inner)
            parts.append(f'"{inner}"')
        elif HAN_CHAR.search(bit):
            for piece in re.split(f"([{HAN}]+)", bit):
                if HAN_RUN.fullmatch(piece):
                    parts.append(_han_term(piece, words=words))
                elif _WORD.search(piece):
                    parts.append('"{}"'.format(piece.replace('"', "")))
        else:
            parts.append(f'"{bit}"')
    # explicit AND: FTS5 does not AND a phrase and a (group) implicitly
    return " AND ".join(parts) or '""'  # nothing to look for: an empty phrase matches nothing


# ---------------------------------------------------------------------------- limits
class SearchTooLarge(ValueError):
    """A search beyond what one query may cost; the message says which limit, in words."""


def check_search_length(text: str | None) -> None:
    """Raise :class:`SearchTooLarge` when *text* is longer than :data:`MAX_SEARCH_CHARS`."""
    if text and len(text) > MAX_SEARCH_CHARS:
        raise SearchTooLarge(
            f"The search is {len(text):,} characters long; at most {MAX_SEARCH_CHARS} are "
            "searched at once. Shorten it."
        )


def phrase_count(expression: str) -> int:
    """The phrases of an FTS5 expression made here: every term is quoted, and no phrase
    holds a quotation mark (:func:`fts_query`)."""
    return expression.count('"') // 2


def check_search_expression(expression: str) -> str:
    """*expression*, or :class:`SearchTooLarge` when it has more than
    :data:`MAX_SEARCH_PHRASES` phrases."""
    phrases = phrase_count(expression)
    if phrases > MAX_SEARCH_PHRASES:
        raise SearchTooLarge(
            f"The search stands for {phrases:,} words and phrases (a name the themes know "
            f"counts every spelling of it); at most {MAX_SEARCH_PHRASES} are searched at "
            "once. Search for fewer names or words."
        )
    return expression


def bounded_fts_query(query: str | None) -> str:
    """:func:`fts_query` for a search box: :class:`SearchTooLarge` beyond the limits."""
    check_search_length(query)
    return check_search_expression(fts_query(query))
