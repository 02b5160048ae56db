"""The monitored themes: their types, and compiling them from the data of ``themes.toml``.

No file is read here: the crawler reads the TOML (:func:`crawler.config.load_themes`) and
passes the plain dict to :func:`compile_themes`, which validates it and compiles the matchers
once. Each theme lists concepts: the aliases of one name or phrase (``"Ne Zha 2|哪吒2"``), a
weight, and whether it is a generic *context* term. A theme may set its own ``threshold``:
the relevance an article mainly about it needs (``culturewatch evaluate --calibrate``).
The glossary (``glossary.toml``, :mod:`pipelines.scoring.glossary`) adds each concept's
local forms in other languages, and the anchors of each language.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipelines.scoring.glossary import ANCHOR_KINDS, LocalForms, read_glossary
from pipelines.scoring.keys import check_keys
from pipelines.scoring.matcher import Matcher, normalise

__all__ = [
    "CHINA",
    "OTHER",
    "THEME_KEYS",
    "VENUE",
    "Concept",
    "Theme",
    "ThemeError",
    "Themes",
    "compile_themes",
]

THEME_KEYS = (
    "films_games",
    "soft_power_diplomacy",
    "traditional_revival_nationalism",
    "heritage_unesco",
    "culture_economy",
    "limits_resistance",
)

CHINA, OTHER, VENUE = 0, 1, 2  # owners in the anchor matcher
_ALIAS_SPLIT = "|"
_THEME_FIELDS: dict[str, type | tuple[type, ...]] = {
    "label": str,
    "description": str,
    "terms": dict,
    "context": dict,
    "threshold": (int, float),
    "secondary": bool,
}
_REQUIRED = ("label", "description", "terms")


class ThemeError(ValueError):
    """A problem in the themes data, in one line: the file (when known), the key, what is wrong."""


@dataclass(frozen=True)
class Concept:
    """One line of a theme: aliases of one thing, a weight, generic (context) or not."""

    theme: str
    name: str  # the first alias as written, names the concept in evidence
    aliases: tuple[str, ...]  # normalised, as the matcher reports them
    weight: float
    context: bool
    written: tuple[tuple[str, str], ...] = ()  # (normalised alias, alias as written)
    line: str = ""  # the key of its line in the themes file, as written
    # local forms (glossary ``context`` tables) that count only where China is the subject,
    # normalised as configured; a context concept's aliases all do
    needs_china: frozenset[str] = frozenset()

    def generic(self, alias: str) -> bool:
        """Whether a hit of *alias* (as configured: a matcher hit's ``key``) counts only where
        China is the subject: every alias of a context concept, the glossary's context forms."""
        return self.context or alias in self.needs_china

    def shown(self, alias: str) -> str:
        """An alias the matcher found, as the themes file writes it (evidence shows it)."""
        return next((w for a, w in self.written if a == alias), alias)


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    description: str
    concepts: tuple[Concept, ...]
    threshold: float | None = None  # relevance needed when this is the main theme
    # listed beside the article's other themes; its context words do not make it relevant
    secondary: bool = False


@dataclass(frozen=True)
class Themes:
    """Validated themes with their compiled matchers; build with :func:`compile_themes`.

    ``concepts`` lists every concept of every theme; the term matcher's owners are indexes
    into it. The anchor matcher's owners are ``CHINA`` (0), ``OTHER`` (1) and ``VENUE`` (2:
    China as a market or a venue, "in China", "the Chinese box office"). ``languages``:
    the glossary's languages (code -> name).
    """

    themes: tuple[Theme, ...]
    china_anchors: tuple[str, ...]
    other_anchors: tuple[str, ...]
    path: Path | None = None
    venue_anchors: tuple[str, ...] = ()
    languages: Mapping[str, str] = field(default_factory=dict, compare=False)
    concepts: tuple[Concept, ...] = field(default=(), repr=False, compare=False)
    terms: Matcher[int] | None = field(default=None, repr=False, compare=False)
    anchors: Matcher[int] | None = field(default=None, repr=False, compare=False)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(theme.key for theme in self.themes)

    @property
    def alias_groups(self) -> list[list[str]]:
        """The aliases of each concept as the themes file writes them (the concept search's)."""
        return [[written for _alias, written in concept.written] for concept in self.concepts]

    @property
    def thresholds(self) -> dict[str, float]:
        """Theme key -> its own threshold, for the themes that set one."""
        return {t.key: t.threshold for t in self.themes if t.threshold is not None}

    def __getitem__(self, key: str) -> Theme:
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(key)


class _Fail:
    """Makes the one-line :class:`ThemeError` of a key: ``FILE: 'KEY' PROBLEM``."""

    def __init__(self, path: Path | None):
        self._prefix = f"{path}: " if path is not None else ""

    def __call__(self, key: str, problem: str) -> ThemeError:
        return ThemeError(f"{self._prefix}'{key}' {problem}")


def compile_themes(
    raw: Mapping[str, Any],
    *,
    path: str | os.PathLike[str] | None = None,
    glossary: Mapping[str, Any] | None = None,
    glossary_path: str | os.PathLike[str] | None = None,
    partial_glossary: bool = False,
) -> Themes:
    """Validate the data of a themes file (*raw*, as TOML gives it) and of the glossary beside
    it (*glossary*, optional), and compile the matchers. With *partial_glossary* (the shipped
    glossary read with a themes file of the user's own), the local forms of concepts the
    themes file does not have are left out instead of being an error.

    Any problem raises :class:`ThemeError` with one line naming the file (*path* or
    *glossary_path*, when given) and the key.
    """
    where = Path(path) if path is not None else None
    fail = _Fail(where)
    check_keys(raw, ("anchors", "themes"), "", fail, expected="[anchors] and [themes.*]")
    anchors = raw.get("anchors", {})
    if not isinstance(anchors, dict):
        raise fail("anchors", "must be a table ([anchors])")
    check_keys(anchors, ANCHOR_KINDS, "anchors", fail)
    words = {
        kind: _string_list(anchors.get(kind), f"anchors.{kind}", fail, required=kind == "china")
        for kind in ANCHOR_KINDS
    }

    table = raw.get("themes")
    if table is None:
        raise fail("themes", "is missing (one [themes.KEY] table per theme)")
    if not isinstance(table, dict):
        raise fail("themes", "must be a table of themes ([themes.KEY])")
    check_keys(table, THEME_KEYS, "themes", fail, what="theme")
    themes: list[Theme] = []
    for key in THEME_KEYS:
        if key not in table:
            raise fail(f"themes.{key}", "is missing")
        themes.append(_theme(key, table[key], fail))

    languages: dict[str, str] = {}
    if glossary is not None:
        fail_glossary = _Fail(Path(glossary_path) if glossary_path is not None else None)
        local = read_glossary(glossary, fail_glossary)
        themes = _with_local_forms(themes, local.forms, fail_glossary, partial_glossary)
        for kind in ANCHOR_KINDS:
            words[kind] = words[kind] + local.words(kind)
        languages = dict(local.languages)

    concepts = tuple(c for theme in themes for c in theme.concepts)
    term_owners: dict[str, list[int]] = {}
    for index, concept in enumerate(concepts):
        for alias in concept.aliases:
            owners = term_owners.setdefault(alias, [])
            if index not in owners:
                owners.append(index)
    anchor_owners: dict[str, list[int]] = {}
    for kind, owner in (("china", CHINA), ("other", OTHER), ("venue", VENUE)):
        for word in words[kind]:
            norm = normalise(word).strip()
            if norm and owner not in anchor_owners.setdefault(norm, []):
                anchor_owners[norm].append(owner)
    return Themes(
        themes=tuple(themes),
        china_anchors=tuple(words["china"]),
        other_anchors=tuple(words["other"]),
        path=where,
        concepts=concepts,
        terms=Matcher(term_owners),
        anchors=Matcher(anchor_owners),
        venue_anchors=tuple(words["venue"]),
        languages=languages,
    )


def _with_local_forms(
    themes: list[Theme], forms: Sequence[LocalForms], fail: _Fail, partial: bool = False
) -> list[Theme]:
    """*themes* with the glossary's local *forms* added to the concepts they name (with
    *partial*, the forms of concepts *themes* lacks are left out)."""
    added: dict[str, list[tuple[str, str, bool]]] = {}  # concept name -> (norm, written, ctx)
    names = {c.name for theme in themes for c in theme.concepts}
    for entry in forms:
        if entry.name not in names and partial:
            continue
        section = "context" if entry.needs_china else "terms"
        check_keys(
            (entry.name,),
            sorted(names),
            f"{entry.lang}.{section}",
            fail,
            what="concept",
            expected="a concept of themes.toml, named by its first alias",
        )
        for alias in entry.aliases:
            norm = normalise(alias).strip()
            if not norm.replace("*", "").strip():
                raise fail(entry.key, f"has a form with no letters: {alias!r}")
            added.setdefault(entry.name, []).append((norm, alias, entry.needs_china))
    out = []
    for theme in themes:
        concepts = []
        for concept in theme.concepts:
            extra = [f for f in added.get(concept.name, []) if f[0] not in concept.aliases]
            if not extra:
                concepts.append(concept)
                continue
            new = dict.fromkeys(norm for norm, _w, _c in extra)
            written = dict(concept.written)
            for norm, alias, _ctx in extra:
                written.setdefault(norm, alias)
            generic = {n for n, _w, ctx in extra if ctx and not concept.context}
            # a form listed both as a term and as context (two languages) counts as a term
            generic -= {n for n, _w, ctx in extra if not ctx}
            concepts.append(
                replace(
                    concept,
                    aliases=concept.aliases + tuple(new),
                    written=tuple((a, written[a]) for a in (*concept.aliases, *new)),
                    needs_china=frozenset(generic),
                )
            )
        out.append(replace(theme, concepts=tuple(concepts)))
    return out


def _string_list(value: Any, key: str, fail: _Fail, required: bool) -> list[str]:
    if value is None:
        if required:
            raise fail(key, "is missing (a list of words)")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(key, "must be a list of strings")
    if required and not any(v.strip() for v in value):
        raise fail(key, "must not be empty")
    return value


def _theme(key: str, entry: Any, fail: _Fail) -> Theme:
    where = f"themes.{key}"
    if not isinstance(entry, dict):
        raise fail(where, "must be a table")
    check_keys(entry, tuple(_THEME_FIELDS), where, fail)
    for name in _REQUIRED:
        if name not in entry:
            raise fail(f"{where}.{name}", "is missing")
    for name, typ in _THEME_FIELDS.items():
        if name in entry and (
            not isinstance(entry[name], typ) or (isinstance(entry[name], bool) and typ is not bool)
        ):
            kind = "a string" if typ is str else f"a table ([{where}.{name}])"
            kind = "a number" if name == "threshold" else "true or false" if typ is bool else kind
            raise fail(f"{where}.{name}", f"must be {kind}, not {entry[name]!r}")
    for name in ("label", "description"):
        if not entry[name].strip():
            raise fail(f"{where}.{name}", "must not be empty")
    threshold = entry.get("threshold")
    if threshold is not None and not 0 < threshold <= 1:
        raise fail(f"{where}.threshold", f"must be above 0 and at most 1, not {threshold!r}")
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
            as_written = dict(reversed([(normalise(a).strip(), a) for a in written]))
            aliases = tuple(dict.fromkeys(normalise(a).strip() for a in written))
            if any(not a.replace("*", "").strip() for a in aliases):
                raise fail(dotted, "has an alias with no letters")
            concepts.append(
                Concept(
                    key,
                    written[0],
                    aliases,
                    float(weight),
                    section == "context",
                    tuple((a, as_written[a]) for a in aliases),
                    line,
                )
            )
    return Theme(
        key,
        entry["label"].strip(),
        " ".join(entry["description"].split()),
        tuple(concepts),
        None if threshold is None else float(threshold),
        bool(entry.get("secondary", False)),
    )
