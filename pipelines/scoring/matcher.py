"""Term matching: every alias of every concept found in a text by one compiled pattern.

Texts and aliases are normalised the same way (:func:`normalise`). How an alias must sit in
the text depends on the script it starts and ends with:

- alphabetic scripts (Latin, Greek, Cyrillic, Arabic, Indic, Vietnamese): whole words, no
  letter of such a script on either side; an Arabic alias may follow one of the clitics
  written joined to the next word (و ف ب ل ك, the article ال and their combinations), so
  ``الصين`` is found in ``بالصين`` and ``صيني*`` in ``الصينية``;
- katakana: no katakana on either side (a katakana word is a run of them: ``ナタ`` is not
  found in ``ナタリー``); hiragana particles and kanji may touch it;
- Chinese characters, hiragana, hangul and Thai: anywhere, since these are written without
  spaces between words (or, in Korean, with particles joined to the noun).

The pattern is a character trie turned into a regular expression, so its cost grows with
the text, not with the number of terms. :meth:`Matcher.find` gives every hit with its
position (what the subject rules read); :meth:`Matcher.scan` counts them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Generic, NamedTuple, TypeVar

from storage.scripts import HAN, normalise  # normalise: shared with the concept search

__all__ = ["Hit", "Matcher", "normalise", "token_length"]

Owner = TypeVar("Owner")

# Letters and digits of alphabetic scripts (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic,
# Vietnamese): aliases in these scripts need none of them on either side (a word boundary
# that still lets "穿hanfu" match). Written as explicit ranges: a class built from \\w is slow
# to compile. CJK characters and Thai are deliberately absent: they are written without
# spaces between words.
WORD = (
    "[0-9a-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0250-\u02af"
    "\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f"
    "\u0900-\u0dff\u1e00-\u1fff]"
)
ARABIC = "[\u0600-\u06ff\u0750-\u077f]"
KATAKANA = "[\u30a1-\u30fa\u30fc]"  # letters and the long-vowel mark (not the middle dot)
# Clitics written joined to an Arabic word: a conjunction or preposition (و ف ب ل ك), the
# article (ال), both, or ل with the article (لل). One fixed-width look-behind per length.
_CLITICS = (
    "[وفبلك]",
    "(?:ال|لل|وب|ول|وك|فب|فل)",
    "(?:وال|فال|بال|كال|ولل|فلل)",
    "(?:وبال|وكال|فبال)",
)
_ARABIC_START = (
    "(?:" + "|".join([f"(?<!{WORD})"] + [f"(?<=(?<!{WORD}){c})" for c in _CLITICS]) + ")"
)

_WORD_RUN = re.compile(f"{WORD}+")
_HAN_CHAR = re.compile(f"[{HAN}]")
_KANA_CHAR = re.compile("[\u3040-\u30ff]")
_HANGUL_RUN = re.compile("[\uac00-\ud7af]+")
_THAI_CHAR = re.compile("[\u0e00-\u0e7f]")

_Trie = dict[str, "_Trie"]
_ANY = r"\w*"  # what a * stands for in an alias
_WILD_CACHE = 50_000  # words matched by a wildcard alias, remembered with the alias they match


class Hit(NamedTuple, Generic[Owner]):
    """One alias found in a text: where (``start``, ``end``), what (``alias``: the words
    found), whose, and ``key``: the alias as configured (normalised; ``chinese film*`` where
    ``alias`` is ``chinese films``)."""

    start: int
    end: int
    alias: str
    owners: tuple[Owner, ...]
    key: str


def token_length(text: str) -> float:
    """Length of a normalised text in words, estimated per script: alphabetic words, Chinese
    characters / 1.5, kana / 2, Korean space-separated words, Thai characters / 5."""
    return (
        len(_WORD_RUN.findall(text))
        + len(_HAN_CHAR.findall(text)) / 1.5
        + len(_KANA_CHAR.findall(text)) / 2
        + len(_HANGUL_RUN.findall(text))
        + len(_THAI_CHAR.findall(text)) / 5
    )


class Matcher(Generic[Owner]):
    """Find every alias in a text with one compiled pattern; map each hit to its owners.

    *aliases* maps each normalised alias to the owners it counts for. Aliases are merged into
    a trie so that the regular expression shares prefixes; the engine then tries at most a
    few branches per position, whatever the number of aliases. A ``*`` after a letter stands
    for any run of letters.
    """

    def __init__(self, aliases: Mapping[str, Sequence[Owner]]):
        self._exact: dict[str, list[Owner]] = {}
        self._wild: list[tuple[str, str, list[Owner]]] = []  # alias, its regex, owners
        self._wild_cache: dict[str, int | None] = {}
        # One trie per script the aliases start with, which says what may precede them (one
        # look-behind for the whole group, which fails fast inside words) and, for alphabetic
        # scripts, what may follow (one end-of-word check for the whole group: the engine
        # backtracks to a shorter alias when the longest does not end a word). Character
        # classes are costly to compile, so each is written once per group, not per alias.
        groups: dict[str, _Trie] = {"arabic": {}, "word": {}, "katakana": {}, "other": {}}
        for alias, owners in aliases.items():
            if not alias or alias[0] == "*":
                continue
            kind = _kind(alias[0])
            tokens = _tokens(alias, ends=kind not in ("arabic", "word"))
            if "*" in alias:
                self._wild.append((alias, "".join(tokens), list(owners)))
            else:
                self._exact.setdefault(alias, []).extend(owners)
            node = groups[kind]
            for token in tokens:
                node = node.setdefault(token, {})
            node[""] = {}
        around = {
            "arabic": (_ARABIC_START, f"(?!{WORD})"),
            "word": (f"(?<!{WORD})", f"(?!{WORD})"),
            "katakana": (f"(?<!{KATAKANA})", ""),
            "other": ("", ""),
        }
        # a look-ahead on the set of first characters rejects most positions in one step
        parts = [
            f"(?=[{''.join(group)}]){around[kind][0]}(?:{_trie_regex(group)}){around[kind][1]}"
            for kind, group in groups.items()
            if group
        ]
        firsts = "".join(key for group in groups.values() for key in group)
        self._pattern = re.compile(f"(?=[{firsts}])(?:{'|'.join(parts)})") if parts else None
        # the wildcard aliases in one pattern: the first that matches the words found wins
        self._wild_pattern = re.compile(
            "|".join(f"(?P<w{i}>{pattern})" for i, (_a, pattern, _o) in enumerate(self._wild))
        )

    def find(self, text: str) -> list[Hit[Owner]]:
        """Every hit in a normalised text, in order. ``alias`` is the alias as configured
        (normalised), or for an alias with ``*`` the words it matched."""
        hits: list[Hit[Owner]] = []
        if self._pattern is None or not text:
            return hits
        for match in self._pattern.finditer(text):
            alias = key = match.group()
            owners = self._exact.get(alias)
            if owners is None:
                index = self._wild_index(alias)
                if index is None:
                    continue
                key, _pattern, owners = self._wild[index]
            if owners:
                hits.append(Hit(match.start(), match.end(), alias, tuple(owners), key))
        return hits

    def _wild_index(self, words: str) -> int | None:
        """The wildcard alias that matched *words* (the first in order), remembered."""
        if words not in self._wild_cache:
            if len(self._wild_cache) >= _WILD_CACHE:
                self._wild_cache.clear()
            found = self._wild_pattern.fullmatch(words) if self._wild else None
            group = found.lastgroup if found is not None else None
            self._wild_cache[words] = int(group[1:]) if group else None
        return self._wild_cache[words]

    def scan(self, text: str) -> dict[Owner, dict[str, int]]:
        """Hits in a normalised text: owner -> what matched -> count. What matched is the
        alias as configured (normalised), or for an alias with ``*`` the words it matched
        ("chinese studios" for ``chinese studio*``)."""
        found: dict[Owner, dict[str, int]] = {}
        for hit in self.find(text):
            for owner in hit.owners:
                per_alias = found.setdefault(owner, {})
                per_alias[hit.alias] = per_alias.get(hit.alias, 0) + 1
        return found


def _kind(char: str) -> str:
    """The script group of an alias that starts with *char*."""
    if re.match(ARABIC, char):
        return "arabic"
    if re.match(WORD, char):
        return "word"
    return "katakana" if re.match(KATAKANA, char) else "other"


def _tokens(alias: str, ends: bool) -> list[str]:
    """Regex pieces of a normalised alias: one per character, a wildcard (any letters: \\w, a
    class that compiles fast), and with *ends* its own end check (the groups of
    alphabetic scripts check the end once for all their aliases)."""
    tokens: list[str] = []
    for index, char in enumerate(alias):
        if char == "*" and index and re.match(WORD, alias[index - 1]):
            tokens.append(_ANY)
        elif char != "*":
            tokens.append(re.escape(char))
    if ends and tokens and (alias[-1] == "*" or re.match(WORD, alias[-1])):
        tokens.append(f"(?!{WORD})")  # an alphabetic ending ends a word
    elif ends and tokens and re.match(KATAKANA, alias[-1]):
        tokens.append(f"(?!{KATAKANA})")  # a katakana alias ends a katakana word
    return tokens


def _specificity(token: str) -> int:
    return 2 if token.startswith("(?!") else 1 if token == _ANY else 0


def _trie_regex(node: _Trie) -> str:
    """Regex of a trie node: its branches as one alternation, made optional (greedily, so the
    longest alias wins) when an alias may also end here. Branches go from the one that leads
    to the longest phrase (most words) to the shortest, and among equals from the most
    specific to the least (a character, then a wildcard, then an end-of-word check), so that
    the longer alias is tried first: "китайск* кинорын*" before "китайск*", "china's market"
    before "china" ends, "chinesischen kinos" before "chinesisch*" takes the whole word."""
    return _node_regex(node)[0]


def _node_regex(node: _Trie) -> tuple[str, int]:
    """:func:`_trie_regex` of *node*, and how many more words the longest alias under it has
    (spaces on its deepest path), both computed in one walk of the trie."""
    below = {token: _node_regex(child) for token, child in node.items() if token}
    words = {token: sub_words + (token == "\\ ") for token, (_r, sub_words) in below.items()}
    tokens = sorted(below, key=lambda t: (-words[t], _specificity(t)))
    branches = [token + below[token][0] for token in tokens]
    deepest = max(words.values(), default=0)
    ends = "" in node
    if not branches:
        return "", deepest
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return (f"(?:{body})?" if len(branches) == 1 else body + "?"), deepest
    return body, deepest
