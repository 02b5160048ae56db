"""Score an article against the monitored themes (``config/themes.toml``).

Pure functions, no Scrapy, nothing loaded at import time::

    themes = load_themes("config/themes.toml")   # validate + compile once
    result = score(article, themes)              # article: .title/.text or a dict
    result.relevance, result.relevant, result.themes, result.to_dict()

How a score is made
-------------------
1. Title and body are normalised (NFKC, case-folded, hyphens and runs of white space become
   one space) and scanned once each by a single compiled pattern built from every alias of every
   theme. The pattern is a character trie turned into a regular expression, so its cost grows
   with the text, not with the number of terms. Latin-script aliases must sit on word
   boundaries; Chinese aliases match anywhere, since Chinese has no spaces.
2. Each *concept* (one line of the themes file: several aliases, one weight) gets a BM25-style
   term frequency: title hits count ``TITLE_WEIGHT`` times, body hits are divided by a length
   factor (a long article needs more mentions), and the total saturates (the tenth mention
   adds little). Its points are ``weight * saturated_tf``.
3. *Context* concepts (generic words such as "box office") earn points only when China anchors
   are present and not outnumbered by other-country anchors (Korea, Japan, Hollywood ...).
4. A theme's score is ``1 - exp(-points / SCALE)``; the overall relevance uses the points of
   all distinct concepts together, so several themes reinforce each other.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.config import ConfigError, read_toml

__all__ = [
    "THEME_KEYS",
    "Concept",
    "Relevance",
    "Theme",
    "Themes",
    "load_themes",
    "score",
]

THEME_KEYS = (
    "films_games",
    "soft_power_diplomacy",
    "traditional_revival_nationalism",
    "heritage_unesco",
    "culture_economy",
    "limits_resistance",
)

DEFAULT_THRESHOLD = 0.5  # keep equal to SETTINGS_SCHEMA["relevance"]["threshold"]

# --- scoring constants (tuned on the dev set with tests/quality/eval_relevance.py) ----------
TITLE_WEIGHT = 2.0  # one title hit counts like this many body hits (never length-normalised)
K1 = 1.2  # BM25 saturation: tf*(K1+1)/(tf+K1); the limit is (K1+1) times the weight
B = 0.75  # BM25 length normalisation strength (0 = none, 1 = fully proportional)
AVG_LENGTH = 200.0  # body length (tokens: a Latin word, or 1.5 Chinese characters) from which
# more mentions are needed; shorter bodies are not boosted (the factor never drops below 1)
ANCHOR_EVERY = 400.0  # context terms need a China anchor per this many tokens of body
SCALE = 3.3  # points -> score: 1 - exp(-points / SCALE); one strong mention is about 0.6
# A relevant article lists the themes whose own score reaches THEME_SHARE * threshold and
# THEME_RELATIVE * the strongest theme's score (at least the strongest theme is listed).
# A single mention of a single concept in the body, and nothing else, is a passing mention:
# its points count this much (a name-drop of a famous title in an unrelated story).
LONE_MENTION = 0.5
THEME_SHARE = 1.0
THEME_RELATIVE = 0.4

# Bad input must never be slow or crash: only the first MAX_BODY_CHARS characters of the body
# (and MAX_TITLE_CHARS of the title) are scanned. News articles are far shorter; a 10 MB
# "article" is garbage, and its opening is all that could matter anyway.
MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 2_000

# Letters and digits of alphabetic scripts (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic,
# Thai, Vietnamese): aliases in these scripts need none of them on either side (a word boundary
# that still lets "穿hanfu" match). Written as explicit ranges: a class built from \\w is slow
# to compile. CJK characters are deliberately absent, as Chinese has no spaces.
_WORD = (
    "[0-9a-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0250-\u02af"
    "\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f"
    "\u0900-\u0dff\u0e00-\u0e7f\u1e00-\u1fff]"
)
_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD_RUN = re.compile(f"{_WORD}+")
_SPACES = re.compile(r"[\s\-\u2010-\u2015\u2212_]+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_ALIAS_SPLIT = "|"


def _normalise(text: str) -> str:
    """NFKC, case-fold, curly quotes to straight ones, hyphens and white space to one space."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    return _SPACES.sub(" ", text)


# --------------------------------------------------------------------------- matcher
class _Matcher:
    """Find every alias in a text with one compiled pattern; map each hit to its owners.

    Aliases are merged into a trie so that the regular expression shares prefixes; the engine
    then tries at most a few branches per position, whatever the number of aliases. A ``*``
    after a letter stands for any run of letters.
    """

    def __init__(self, aliases: Mapping[str, list[Any]]):
        self._exact: dict[str, list[Any]] = {}
        self._wild: list[tuple[str, re.Pattern[str], list[Any]]] = []
        trie: dict[str, Any] = {}
        for alias, owners in aliases.items():
            tokens = _tokens(alias)
            if not tokens:
                continue
            if "*" in alias:
                self._wild.append((alias, re.compile("".join(tokens)), owners))
            else:
                self._exact.setdefault(alias, []).extend(owners)
            node = trie
            for token in tokens:
                node = node.setdefault(token, {})
            node[""] = {}
        # Aliases that start with a letter of an alphabetic script may only start where no such
        # letter precedes (one look-behind for the whole group, which fails fast inside words);
        # the others (Chinese, symbols) may start anywhere.
        latin = {k: v for k, v in trie.items() if re.match(_WORD, k.lstrip("\\"))}
        other = {k: v for k, v in trie.items() if k not in latin}
        # A look-ahead on the set of first characters rejects most positions in one step
        # (the engine would otherwise try the branches one by one).
        parts = []
        if latin:
            parts.append(f"(?<!{_WORD})(?=[{''.join(latin)}])(?:{_trie_regex(latin)})")
        if other:
            parts.append(f"(?=[{''.join(other)}])(?:{_trie_regex(other)})")
        self._pattern = re.compile("|".join(parts)) if parts else None

    def scan(self, text: str) -> dict[int, dict[str, int]]:
        """Hits in a normalised text: owner id -> alias (as configured) -> count."""
        found: dict[int, dict[str, int]] = {}
        if self._pattern is None or not text:
            return found
        for match in self._pattern.finditer(text):
            alias = match.group()
            owners = self._exact.get(alias)
            if owners is None:
                alias, owners = next(
                    ((a, o) for a, p, o in self._wild if p.fullmatch(alias)), (alias, [])
                )
            for owner in owners:
                per_alias = found.setdefault(owner, {})
                per_alias[alias] = per_alias.get(alias, 0) + 1
        return found


def _tokens(alias: str) -> list[str]:
    """Regex pieces of a normalised alias: one per character, a wildcard, an end boundary."""
    tokens: list[str] = []
    for index, char in enumerate(alias):
        if char == "*" and index and re.match(_WORD, alias[index - 1]):
            tokens.append(f"{_WORD}*")
        elif char != "*":
            tokens.append(re.escape(char))
    if tokens and (alias[-1] == "*" or re.match(_WORD, alias[-1])):
        tokens.append(f"(?!{_WORD})")  # a Latin-script alias (or wildcard) ends a word
    return tokens


def _trie_regex(node: dict[str, Any]) -> str:
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


# --------------------------------------------------------------------------- themes
@dataclass(frozen=True)
class Concept:
    """One line of a theme: aliases of one thing, a weight, generic (context) or not."""

    theme: str
    name: str  # the first alias as written, used in evidence
    aliases: tuple[str, ...]
    weight: float
    context: bool


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    description: str
    concepts: tuple[Concept, ...]


@dataclass(frozen=True)
class Themes:
    """Validated themes with their compiled matchers; build with :func:`load_themes`."""

    themes: tuple[Theme, ...]
    china_anchors: tuple[str, ...]
    other_anchors: tuple[str, ...]
    path: Path | None = None
    _concepts: tuple[Concept, ...] = field(default=(), repr=False, compare=False)
    _terms: _Matcher | None = field(default=None, repr=False, compare=False)
    _anchors: _Matcher | None = field(default=None, repr=False, compare=False)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(theme.key for theme in self.themes)

    def __getitem__(self, key: str) -> Theme:
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(key)


_THEME_FIELDS = {"label": str, "description": str, "terms": dict, "context": dict}
_REQUIRED = ("label", "description", "terms")


def load_themes(path: str | os.PathLike) -> Themes:
    """Read and validate a themes file and compile its matchers.

    Any problem raises :class:`crawler.config.ConfigError` with one line naming the file and key.
    """
    path = Path(path)
    raw = read_toml(path)

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}: '{key}' {problem}")

    for key in raw:
        if key not in ("anchors", "themes"):
            raise fail(key, "is not a known key (expected [anchors] and [themes.*])")
    anchors = raw.get("anchors", {})
    if not isinstance(anchors, dict):
        raise fail("anchors", "must be a table ([anchors])")
    for key in anchors:
        if key not in ("china", "other"):
            raise fail(f"anchors.{key}", "is not a known key (expected china, other)")
    china = _string_list(anchors.get("china"), "anchors.china", fail, required=True)
    other = _string_list(anchors.get("other", []), "anchors.other", fail, required=False)

    table = raw.get("themes")
    if table is None:
        raise fail("themes", "is missing (one [themes.KEY] table per theme)")
    if not isinstance(table, dict):
        raise fail("themes", "must be a table of themes ([themes.KEY])")
    for key in table:
        if key not in THEME_KEYS:
            raise fail(f"themes.{key}", f"is not a known theme (one of: {', '.join(THEME_KEYS)})")
    themes: list[Theme] = []
    for key in THEME_KEYS:
        if key not in table:
            raise fail(f"themes.{key}", "is missing")
        themes.append(_theme(key, table[key], fail))

    concepts = tuple(c for theme in themes for c in theme.concepts)
    term_owners: dict[str, list[int]] = {}
    for index, concept in enumerate(concepts):
        for alias in concept.aliases:
            owners = term_owners.setdefault(alias, [])
            if index not in owners:
                owners.append(index)
    anchor_owners: dict[str, list[int]] = {}
    for kind, words in ((0, china), (1, other)):
        for word in words:
            norm = _normalise(word).strip()
            if norm and kind not in anchor_owners.setdefault(norm, []):
                anchor_owners[norm].append(kind)
    return Themes(
        themes=tuple(themes),
        china_anchors=tuple(china),
        other_anchors=tuple(other),
        path=path,
        _concepts=concepts,
        _terms=_Matcher(term_owners),
        _anchors=_Matcher(anchor_owners),
    )


def _string_list(value: Any, key: str, fail: Any, required: bool) -> list[str]:
    if value is None:
        if required:
            raise fail(key, "is missing (a list of words)")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(key, "must be a list of strings")
    if required and not any(v.strip() for v in value):
        raise fail(key, "must not be empty")
    return value


def _theme(key: str, entry: Any, fail: Any) -> Theme:
    where = f"themes.{key}"
    if not isinstance(entry, dict):
        raise fail(where, "must be a table")
    for name in entry:
        if name not in _THEME_FIELDS:
            raise fail(f"{where}.{name}", "is not a known key (label, description, terms, context)")
    for name in _REQUIRED:
        if name not in entry:
            raise fail(f"{where}.{name}", "is missing")
    for name, typ in _THEME_FIELDS.items():
        if name in entry and not isinstance(entry[name], typ):
            kind = "a string" if typ is str else f"a table ([{where}.{name}])"
            raise fail(f"{where}.{name}", f"must be {kind}, not {entry[name]!r}")
    for name in ("label", "description"):
        if not entry[name].strip():
            raise fail(f"{where}.{name}", "must not be empty")
    concepts: list[Concept] = []
    for section in ("terms", "context"):
        for line, weight in entry.get(section, {}).items():
            dotted = f'{where}.{section}."{line}"'
            if isinstance(weight, bool) or not isinstance(weight, (int, float)):
                raise fail(dotted, f"must have a number as weight, not {weight!r}")
            if not 0 < weight <= 100 or math.isnan(weight):
                raise fail(dotted, f"must have a weight above 0 (and at most 100), not {weight!r}")
            written = [a.strip() for a in line.split(_ALIAS_SPLIT)]
            if not all(written):
                raise fail(dotted, "has an empty alias (check the '|' separators)")
            aliases = tuple(dict.fromkeys(_normalise(a).strip() for a in written))
            if any(not a.replace("*", "").strip() for a in aliases):
                raise fail(dotted, "has an alias with no letters")
            concepts.append(Concept(key, written[0], aliases, float(weight), section == "context"))
    return Theme(
        key, entry["label"].strip(), " ".join(entry["description"].split()), tuple(concepts)
    )


# --------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class Relevance:
    """The score of one article.

    ``evidence`` maps every theme key to a list of matched concepts, each
    ``{"term", "matched", "title", "body", "weight", "context", "points"}``: ``term`` names the
    concept (its first alias), ``matched`` lists the aliases found (normalised), ``title`` and
    ``body`` count the hits, ``points`` is what the concept added (0 for a context term in an
    article that is not about China).
    """

    relevance: float
    relevant: bool
    themes: list[str]
    theme_scores: dict[str, float]
    evidence: dict[str, list[dict[str, Any]]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(article: Any, themes: Themes, threshold: float = DEFAULT_THRESHOLD) -> Relevance:
    """Rate *article* (attributes or keys ``title`` and ``text``) against *themes*.

    Never raises on bad text: None, bytes, binary garbage or huge input give a score
    (0 where nothing matches).
    """
    title = _normalise(_as_text(_field(article, "title"))[:MAX_TITLE_CHARS])
    body = _normalise(_as_text(_field(article, "text"))[:MAX_BODY_CHARS])
    if themes._terms is None or themes._anchors is None:
        raise TypeError("themes must come from load_themes()")

    in_title = themes._terms.scan(title)
    in_body = themes._terms.scan(body)
    anchors = themes._anchors.scan(title + "\n" + body)
    china = sum(anchors.get(0, {}).values())
    other = sum(anchors.get(1, {}).values())
    length = _length(body)
    # Generic terms count fully when China is mentioned at least as often as other countries
    # and at least once per ANCHOR_EVERY tokens; less in proportion, not at all without China.
    context_factor = min(1.0, china / max(other, 1), china / (1 + length / ANCHOR_EVERY))

    length_norm = max(1.0, 1 - B + B * (length / AVG_LENGTH))
    points_by_theme = {theme.key: 0.0 for theme in themes.themes}
    evidence: dict[str, list[dict[str, Any]]] = {theme.key: [] for theme in themes.themes}
    best_by_concept: dict[tuple[str, ...], float] = {}
    for index in sorted(set(in_title) | set(in_body)):
        concept = themes._concepts[index]
        aliases_title, aliases_body = in_title.get(index, {}), in_body.get(index, {})
        hits_title, hits_body = sum(aliases_title.values()), sum(aliases_body.values())
        tf = TITLE_WEIGHT * hits_title + hits_body / length_norm
        points = concept.weight * tf * (K1 + 1) / (tf + K1)
        if concept.context:
            points *= context_factor
        points_by_theme[concept.theme] += points
        # The same concept listed under two themes counts once in the overall relevance.
        best_by_concept[concept.aliases] = max(points, best_by_concept.get(concept.aliases, 0.0))
        evidence[concept.theme].append(
            {
                "term": concept.name,
                "matched": sorted(set(aliases_title) | set(aliases_body)),
                "title": hits_title,
                "body": hits_body,
                "weight": concept.weight,
                "context": concept.context,
                "points": round(points, 3),
            }
        )
    for items in evidence.values():
        items.sort(key=lambda item: -item["points"])

    mentions = [
        (sum(in_title.get(i, {}).values()), sum(in_body.get(i, {}).values()))
        for i in set(in_title) | set(in_body)
    ]
    if (
        len(best_by_concept) == 1
        and sum(t for t, _ in mentions) == 0
        and sum(b for _, b in mentions) == 1
    ):
        points_by_theme = {key: p * LONE_MENTION for key, p in points_by_theme.items()}
        best_by_concept = {k: p * LONE_MENTION for k, p in best_by_concept.items()}
    theme_scores = {key: round(_squash(p), 4) for key, p in points_by_theme.items()}
    relevance = round(_squash(sum(best_by_concept.values())), 4)
    relevant = relevance >= threshold
    listed: list[str] = []
    if relevant:
        top = max(theme_scores.values())
        listed = [
            key
            for key, value in sorted(theme_scores.items(), key=lambda kv: -kv[1])
            if value > 0 and value >= THEME_SHARE * threshold and value >= THEME_RELATIVE * top
        ] or [max(theme_scores, key=theme_scores.__getitem__)]
    return Relevance(relevance, relevant, listed, theme_scores, evidence)


def _squash(points: float) -> float:
    return 1.0 - math.exp(-points / SCALE) if points > 0 else 0.0


def _length(text: str) -> float:
    """Length in tokens: Latin-script words plus Chinese characters / 1.5."""
    return len(_WORD_RUN.findall(text)) + len(_CJK_CHAR.findall(text)) / 1.5


def _field(article: Any, name: str) -> Any:
    try:
        if isinstance(article, Mapping):
            return article.get(name)
        return getattr(article, name, None)
    except (AttributeError, KeyError, TypeError, ValueError):  # broken object: score it empty
        return None


def _as_text(value: Any) -> str:
    """Text of a field: str as is, bytes decoded leniently, numbers printed, the rest empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value[: MAX_BODY_CHARS * 4]).decode("utf-8", errors="replace")
    if isinstance(value, (int, float)):
        return str(value)
    return ""
