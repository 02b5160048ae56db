"""Term matching: every alias of every concept found in a text by one compiled pattern.

Texts and aliases are normalised the same way (:func:`normalise`). Latin-script aliases
(any alphabetic script) must sit on whole words; Chinese aliases match anywhere, since
Chinese has no spaces (the script classes are :mod:`storage.scripts`'). The pattern is a
character trie turned into a regular expression, so its cost grows with the text, not with
the number of terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Generic, TypeVar

from storage.scripts import CJK_CHAR, normalise  # normalise: shared with the concept search

__all__ = ["Matcher", "normalise", "token_length"]

Owner = TypeVar("Owner")

# Letters and digits of alphabetic scripts (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic,
# Thai, Vietnamese): aliases in these scripts need none of them on either side (a word boundary
# that still lets "穿hanfu" match). Written as explicit ranges: a class built from \\w is slow
# to compile. CJK characters are deliberately absent, as Chinese has no spaces.
WORD = (
    "[0-9a-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0250-\u02af"
    "\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f"
    "\u0900-\u0dff\u0e00-\u0e7f\u1e00-\u1fff]"
)
_WORD_RUN = re.compile(f"{WORD}+")

_Trie = dict[str, "_Trie"]


def token_length(text: str) -> float:
    """Length of a normalised text in tokens: Latin-script words plus CJK characters / 1.5."""
    return len(_WORD_RUN.findall(text)) + len(CJK_CHAR.findall(text)) / 1.5


class Matcher(Generic[Owner]):
    """Find every alias in a text with one compiled pattern; map each hit to its owners.

    *aliases* maps each normalised alias to the owners it counts for. Aliases are merged into
    a trie so that the regular expression shares prefixes; the engine then tries at most a
    few branches per position, whatever the number of aliases. A ``*`` after a letter stands
    for any run of letters.
    """

    def __init__(self, aliases: Mapping[str, Sequence[Owner]]):
        self._exact: dict[str, list[Owner]] = {}
        self._wild: list[tuple[str, re.Pattern[str], list[Owner]]] = []
        trie: _Trie = {}
        for alias, owners in aliases.items():
            tokens = _tokens(alias)
            if not tokens:
                continue
            if "*" in alias:
                self._wild.append((alias, re.compile("".join(tokens)), list(owners)))
            else:
                self._exact.setdefault(alias, []).extend(owners)
            node = trie
            for token in tokens:
                node = node.setdefault(token, {})
            node[""] = {}
        # Aliases that start with a letter of an alphabetic script may only start where no such
        # letter precedes (one look-behind for the whole group, which fails fast inside words);
        # the others (Chinese, symbols) may start anywhere.
        latin = {k: v for k, v in trie.items() if re.match(WORD, k.lstrip("\\"))}
        other = {k: v for k, v in trie.items() if k not in latin}
        # A look-ahead on the set of first characters rejects most positions in one step
        # (the engine would otherwise try the branches one by one).
        parts = []
        if latin:
            parts.append(f"(?<!{WORD})(?=[{''.join(latin)}])(?:{_trie_regex(latin)})")
        if other:
            parts.append(f"(?=[{''.join(other)}])(?:{_trie_regex(other)})")
        self._pattern = re.compile("|".join(parts)) if parts else None

    def scan(self, text: str) -> dict[Owner, dict[str, int]]:
        """Hits in a normalised text: owner -> what matched -> count. What matched is the
        alias as configured (normalised), or for an alias with ``*`` the words it matched
        ("chinese studios" for ``chinese studio*``)."""
        found: dict[Owner, dict[str, int]] = {}
        if self._pattern is None or not text:
            return found
        for match in self._pattern.finditer(text):
            alias = match.group()
            owners = self._exact.get(alias)
            if owners is None:
                owners = next((o for _a, p, o in self._wild if p.fullmatch(alias)), [])
            for owner in owners:
                per_alias = found.setdefault(owner, {})
                per_alias[alias] = per_alias.get(alias, 0) + 1
        return found


def _tokens(alias: str) -> list[str]:
    """Regex pieces of a normalised alias: one per character, a wildcard, an end boundary."""
    tokens: list[str] = []
    for index, char in enumerate(alias):
        if char == "*" and index and re.match(WORD, alias[index - 1]):
            tokens.append(f"{WORD}*")
        elif char != "*":
            tokens.append(re.escape(char))
    if tokens and (alias[-1] == "*" or re.match(WORD, alias[-1])):
        tokens.append(f"(?!{WORD})")  # a Latin-script alias (or wildcard) ends a word
    return tokens


def _trie_regex(node: _Trie) -> str:
    """Regex of a trie node: its branches as one alternation, made optional (greedily, so the
    longest alias wins) when an alias may also end here."""
    branches = [token + _trie_regex(child) for token, child in node.items() if token]
    ends = "" in node
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return f"(?:{body})?" if len(branches) == 1 else body + "?"
    return body
