"""The multilingual glossary: local forms of the themes' concepts, and the words for China,
for China as a market or venue, and for other countries, language by language.

``config/glossary.toml`` sits beside ``themes.toml`` and is read with it
(:func:`crawler.config.load_themes`). Its data goes through :func:`merge_glossary`, which
validates it and adds each local form to the concept it names, so the scorer, the concept
search and the evidence see one concept whatever the language. One table per language::

    [ja]
    name = "Japanese"
    china = ["中国", "中華"]                  # China and Chinese: anchors
    venue = ["中国市場", "中国で"]            # China as a market or a venue, not the subject
    other = ["日本", "韓国", "ハリウッド"]     # other countries, their works and industries
    [ja.terms]                                # concept (its first alias in themes.toml) =
    "Ne Zha 2" = "ナタ～魔童降臨～ | 魔童降臨"  #   local forms, as in themes.toml
    [ja.context]                              # local forms that count only when China is
    "cultural tourism" = "文化観光"            #   the subject (generic in this language)

A concept named in ``terms`` keeps its kind (a context concept's forms are context too); the
forms under ``context`` count only where China is the subject, whatever the concept's kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.scoring.keys import check_keys

__all__ = ["ANCHOR_KINDS", "Glossary", "LocalForms", "read_glossary"]

ANCHOR_KINDS = ("china", "venue", "other")
_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]+)*$")
_LANG_FIELDS = ("name", *ANCHOR_KINDS, "terms", "context")


@dataclass(frozen=True)
class LocalForms:
    """The forms of one concept in one language: its ``name`` in themes.toml, the aliases as
    written, and whether they count only where China is the subject."""

    lang: str
    name: str
    aliases: tuple[str, ...]
    needs_china: bool
    key: str  # where it is written: 'ja.terms."Ne Zha 2"'


@dataclass(frozen=True)
class Glossary:
    """The validated glossary: per language its name and anchors, and every local form."""

    languages: Mapping[str, str]  # code -> name as written (the code when none)
    anchors: Mapping[str, Mapping[str, tuple[str, ...]]]  # code -> kind -> words
    forms: tuple[LocalForms, ...]

    def words(self, kind: str) -> list[str]:
        """The anchors of *kind* (china, venue, other) of every language."""
        return [w for by_kind in self.anchors.values() for w in by_kind.get(kind, ())]

    def size(self, lang: str) -> dict[str, int]:
        """How many words *lang* has: local forms (terms, context) and anchors per kind."""
        counts = {kind: len(self.anchors.get(lang, {}).get(kind, ())) for kind in ANCHOR_KINDS}
        for section, context in (("terms", False), ("context", True)):
            counts[section] = sum(
                len(f.aliases) for f in self.forms if f.lang == lang and f.needs_china == context
            )
        return counts


def read_glossary(raw: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> Glossary:
    """Validate the data of a glossary file (*raw*, as TOML gives it).

    *fail(key, problem)* makes the one-line error raised for a problem.
    """
    anchors: dict[str, dict[str, tuple[str, ...]]] = {}
    forms: list[LocalForms] = []
    languages: dict[str, str] = {}
    for lang, table in raw.items():
        if not _LANG.match(lang):
            raise fail(lang, "is not a language code (ja, ko, pt-br ...: one table per language)")
        if not isinstance(table, dict):
            raise fail(lang, "must be a table ([LANG])")
        check_keys(table, _LANG_FIELDS, lang, fail)
        name = table.get("name", lang)
        if not isinstance(name, str) or not name.strip():
            raise fail(f"{lang}.name", "must be a non-empty string")
        languages[lang] = name.strip()
        for kind in ANCHOR_KINDS:
            words = table.get(kind, [])
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise fail(f"{lang}.{kind}", "must be a list of strings")
            if any(not w.strip() for w in words):
                raise fail(f"{lang}.{kind}", "has an empty word")
            anchors.setdefault(lang, {})[kind] = tuple(w.strip() for w in words)
        for section in ("terms", "context"):
            entries = table.get(section, {})
            if not isinstance(entries, dict):
                raise fail(f"{lang}.{section}", f"must be a table ([{lang}.{section}])")
            for concept, line in entries.items():
                where = f'{lang}.{section}."{concept}"'
                if not isinstance(line, str):
                    raise fail(where, f"must be a string of forms ('a | b'), not {line!r}")
                aliases = tuple(a.strip() for a in line.split("|"))
                if not all(aliases):
                    raise fail(where, "has an empty form (check the '|' separators)")
                forms.append(LocalForms(lang, concept, aliases, section == "context", where))
    return Glossary(languages, anchors, tuple(forms))
