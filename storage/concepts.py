"""Concept search: what a user types, with every name the themes know expanded to its aliases.

The themes (``config/themes.toml``) already say which spellings are one name: "Ne Zha 2",
"Nezha 2", "哪吒2" and "《哪吒" are one concept. :class:`Concepts` holds those alias groups
(the crawler layer loads the themes and passes the groups in: storage never reads them) and
:func:`concept_query` turns a search into an FTS5 ``MATCH`` expression for
``articles_search`` in which a term that names a concept is the OR of all its aliases, so
哪吒, "Ne Zha" and Nezha find the same articles in both languages.

The search language:

- terms in any language, ``"quoted phrases"``, ``OR``, ``AND`` and ``NOT`` (upper case: in
  lower case they are words) and parentheses; terms side by side must all match (AND);
- a term ending in ``*`` matches any word it starts (``film*``: film, films, filmmaker);
- a term, a phrase or a run of unquoted words that is an alias of a concept (compared as the
  themes compare: case, full/half width, hyphens; here also ignoring punctuation and a
  trailing sequel number, so "Ne Zha" and 哪吒 name the concept "Ne Zha 2 | 哪吒2 | 《哪吒")
  matches any alias of that concept, or the words as typed;
- every term and alias is quoted and Chinese ones split into their characters by
  :func:`storage.search_query.fts_query` (so nothing typed is FTS5 syntax but the operators above);
  an alias ending in ``*`` becomes an FTS5 prefix query.

Malformed input never makes an SQL error: :func:`concept_query` *degrades* (an unclosed
quote or parenthesis is closed at the end, an unmatched ``)`` and an operator with nothing on
one side are dropped, an empty search matches nothing). :func:`parse_concept_query` returns
the expression with the problems it mended, in words, so a page can say how the search was
read; ``concept_query(..., strict=True)`` raises :class:`ConceptQueryError` instead.

What a search box may ask for is bounded (:func:`bounded_concept_query`): at most
:data:`storage.search_query.MAX_SEARCH_CHARS` characters, read before anything is parsed, and an
expression of at most :data:`storage.search_query.MAX_SEARCH_PHRASES` phrases once every name is
expanded to its aliases; beyond either, :class:`storage.search_query.SearchTooLarge` says so in
words (the cost of FTS5's ``MATCH``, ``rank`` and ``snippet()`` grows with the phrases).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from storage.scripts import HAN_CHAR, normalise
from storage.search_query import check_search_expression, check_search_length, fts_query

__all__ = [
    "ConceptQuery",
    "ConceptQueryError",
    "Concepts",
    "bounded_concept_query",
    "concept_key",
    "concept_query",
    "parse_concept_query",
]

OPERATORS = ("OR", "AND", "NOT")
NOTHING = '""'  # an empty phrase: matches no article (as storage.search_query.fts_query gives)
_LONGEST_RUN = 6  # unquoted words read together as one alias, at most

_PUNCT = re.compile(r"[^\w\s*]")  # punctuation is not part of a name (《哪吒, Black Myth: Wukong)
_SEQUEL = re.compile(r"\s*\d+$")  # "ne zha 2" -> "ne zha", "哪吒2" -> "哪吒"
_TOKENS = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')


class ConceptQueryError(ValueError):
    """A search that cannot be read as written (strict mode); the message says why, in words."""


def concept_key(text: str) -> str:
    """The form aliases are compared in: NFKC, case-folded, hyphens and spaces one space,
    punctuation dropped (a trailing ``*`` kept)."""
    return " ".join(_PUNCT.sub(" ", normalise(text)).split())


class Concepts:
    """Alias groups, one per concept, looked up by :func:`concept_key`.

    ``Concepts([["Ne Zha 2", "Nezha 2", "哪吒2"], ["hanfu", "汉服", "漢服"]])``. A name is found
    by any alias, or an alias without its trailing number ("Ne Zha" for "Ne Zha 2"); a name
    of several concepts ("Ne Zha | 哪吒" and "Ne Zha 2 | 哪吒2") stands for the aliases of all.
    """

    def __init__(self, groups: Iterable[Sequence[str]] = ()):
        self.groups: tuple[tuple[str, ...], ...] = tuple(
            group
            for group in (
                tuple(dict.fromkeys(a.strip() for a in g if a.strip() and concept_key(a)))
                for g in groups
            )
            if group
        )
        exact: dict[str, list[int]] = {}
        loose: dict[str, list[int]] = {}
        for index, group in enumerate(self.groups):
            for alias in group:
                key = concept_key(alias)
                exact.setdefault(key, []).append(index)
                base = _SEQUEL.sub("", key)
                if base and base != key and any(ch.isalpha() for ch in base):
                    loose.setdefault(base, []).append(index)
        self._exact = exact
        self._loose = loose
        self.longest = max((len(k.split()) for k in (*exact, *loose)), default=0)

    def __len__(self) -> int:
        return len(self.groups)

    def __bool__(self) -> bool:
        return bool(self.groups)

    def aliases(self, text: str) -> tuple[str, ...]:
        """Every alias of the concept(s) *text* names, as written; () when it names none."""
        key = concept_key(text)
        indexes = self._exact.get(key, []) + self._loose.get(key, [])
        return tuple(dict.fromkeys(a for i in dict.fromkeys(indexes) for a in self.groups[i]))


@dataclass(frozen=True)
class ConceptQuery:
    """An FTS5 expression and what had to be mended to read the search (empty: nothing)."""

    expression: str
    problems: tuple[str, ...] = field(default=())


def concept_query(text: str | None, concepts: Concepts, *, strict: bool = False) -> str:
    """The FTS5 ``MATCH`` expression for *text* with concepts expanded (see the module).

    Malformed input degrades to what can be read; with *strict* it raises
    :class:`ConceptQueryError` naming the first problem instead.
    """
    parsed = parse_concept_query(text, concepts)
    if strict and parsed.problems:
        raise ConceptQueryError(parsed.problems[0])
    return parsed.expression


def bounded_concept_query(text: str | None, concepts: Concepts) -> str:
    """:func:`concept_query` for a search box: raises :class:`storage.search_query.SearchTooLarge`
    for a search too long to read or whose expansion has too many phrases."""
    check_search_length(text)
    return check_search_expression(concept_query(text, concepts))


def parse_concept_query(text: str | None, concepts: Concepts) -> ConceptQuery:
    """The expression for *text* and the problems mended on the way (never raises)."""
    parser = _Parser(_TOKENS.findall(text or ""), concepts)
    return ConceptQuery(parser.parse() or NOTHING, tuple(dict.fromkeys(parser.problems)))


# ---------------------------------------------------------------------------- the parser
def _is_word(token: str) -> bool:
    return token not in OPERATORS and token not in ("(", ")") and not token.startswith('"')


class _Parser:
    """Recursive descent: or := and (OR and)*; and := not ([AND] not)*; not := atom (NOT atom)*."""

    def __init__(self, tokens: list[str], concepts: Concepts):
        self.tokens = tokens
        self.pos = 0
        self.concepts = concepts
        self.problems: list[str] = []
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def starts_term(self) -> bool:
        token = self.peek()
        return token is not None and token not in OPERATORS and token != ")"

    def parse(self) -> str | None:
        parts: list[str | None] = []
        while self.peek() is not None:
            parts.append(self.parse_or())
            token = self.peek()
            if token == ")":
                self.problems.append("a closing parenthesis ')' has no '(' before it: ignored")
                self.pos += 1
            elif token in OPERATORS:
                self.problems.append(f"{token} has no term before it: ignored")
                self.pos += 1
        return _join(parts, "AND")

    def parse_or(self) -> str | None:
        parts = [self.parse_and()]
        while self.peek() == "OR":
            self.operator("OR", parts)
            if not self.starts_term():
                self.problems.append("OR has no term after it: ignored")
                break
            parts.append(self.parse_and())
        return _join(parts, "OR")

    def parse_and(self) -> str | None:
        parts = [self.parse_not()]
        while self.starts_term() or self.peek() == "AND":
            if self.peek() == "AND":
                self.operator("AND", parts)
                if not self.starts_term():
                    self.problems.append("AND has no term after it: ignored")
                    break
            parts.append(self.parse_not())
        return _join(parts, "AND")

    def parse_not(self) -> str | None:
        left = self.parse_atom()
        while self.peek() == "NOT":
            self.operator("NOT", [left])
            if not self.starts_term():
                self.problems.append("NOT has no term after it: ignored")
                break
            right = self.parse_atom()
            left = f"({left}) NOT ({right})" if left and right else left or right
        return left

    def operator(self, name: str, before: list[str | None]) -> None:
        """Step over the operator *name*, noting it when nothing comes before it."""
        self.pos += 1
        if not any(before):
            self.problems.append(f"{name} has no term before it: ignored")

    def parse_atom(self) -> str | None:
        token = self.peek()
        if token is None or not self.starts_term():
            return None
        self.pos += 1
        if token == "(":
            parts = [self.parse_or()]
            while self.peek() not in (None, ")"):  # an operator the group could not use
                self.problems.append(f"{self.peek()} has no term before it: ignored")
                self.pos += 1
                parts.append(self.parse_or())
            if self.peek() == ")":
                self.pos += 1
            else:
                self.problems.append("an opening parenthesis '(' is not closed: closed at the end")
            if not any(parts):
                self.problems.append("empty parentheses '()': ignored")
            return _join(parts, "AND")
        if token.startswith('"'):
            if len(token) == 1 or not token.endswith('"'):
                self.problems.append("a quotation mark is not closed: closed at the end")
                token += '"'
            return self.term(token[1:-1], phrase=True)
        self.pos -= 1
        return self.words()

    def words(self) -> str | None:
        """A run of unquoted words: the longest that names a concept is read as one name."""
        run: list[str] = []
        while len(run) < max(self.concepts.longest, 1) and self.pos + len(run) < len(self.tokens):
            token = self.tokens[self.pos + len(run)]
            if not _is_word(token):
                break
            run.append(token)
        for n in range(len(run), 1, -1):
            aliases = self.concepts.aliases(" ".join(run[:n]))
            if aliases:
                self.pos += n
                return _expand(" ".join(run[:n]), aliases, phrase=True)
        self.pos += 1
        return self.term(run[0], phrase=False)

    def term(self, text: str, *, phrase: bool) -> str | None:
        aliases = self.concepts.aliases(text)
        if aliases:
            return _expand(text, aliases, phrase=phrase)
        return _fts(text, phrase=phrase)


def _expand(typed: str, aliases: Sequence[str], *, phrase: bool) -> str | None:
    """The OR of the words as typed and every alias of their concept."""
    parts = [_fts(typed, phrase=phrase)] + [_fts(alias, alias=True) for alias in aliases]
    return _join(list(dict.fromkeys(parts)), "OR")


def _fts(text: str, *, phrase: bool = False, alias: bool = False) -> str | None:
    """One term, phrase or alias as FTS5, through :func:`storage.search_query.fts_query`.

    Latin words are a quoted phrase, a prefix query when they end in ``*``. A Chinese alias
    is read unquoted (each of its runs of Han characters found wherever an article contains
    it, whatever stands between them); a Chinese phrase typed in quotes stays a phrase.
    """
    text = text.replace('"', " ").strip()
    prefix = text.endswith("*")
    text = text.rstrip("*").strip()
    if not re.search(r"\w", text):
        return None  # punctuation alone would be an empty phrase, which matches nothing
    if HAN_CHAR.search(text):
        return fts_query(f'"{text}"' if phrase and not alias else text, words=not alias)
    expr = fts_query(f'"{text}"')
    return expr + "*" if prefix else expr


def _join(parts: Sequence[str | None], operator: str) -> str | None:
    present = [p for p in parts if p]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return f" {operator} ".join(f"({p})" for p in present)
