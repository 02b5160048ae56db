"""What to change in ``themes.toml``, from the scorer's mistakes on labelled articles.

- :func:`alias_suggestions`: the concepts whose aliases matched most often in false
  positives (and rarely in true positives), each with a lower weight to put in its line.
- :func:`term_suggestions`: words of at least two missed relevant articles (false
  negatives; one missed article suggests nothing), rare in the archive as a whole (the search index counts them), and named by no
  theme or anchor: candidates for a new line. Chinese is split into words with jieba.

Each suggestion carries the line to paste and where (``[themes.KEY.terms]``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipelines.scoring.evaluation import Evaluation
from pipelines.scoring.matcher import normalise
from pipelines.scoring.relevance import main_theme
from pipelines.scoring.themes import Themes
from storage.connection import Reader
from storage.labels import document_frequency
from storage.scripts import HAN_RUN
from storage.search_query import han_words

__all__ = ["Suggestion", "alias_suggestions", "term_suggestions"]

SHOWN = 10
MIN_MISSED = 2  # a term is suggested when at least this many missed articles have it
CANDIDATES = 60  # terms of the missed articles whose archive frequency is looked up
_LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_STOPWORDS = frozenset(
    """about above after again against also although among another around because been
    before being below between both could does doing down during each even every first
    from further have having here however into itself just like made make many more most
    much must never only other over said same says should since some still such than that
    their them then there these they this those three through under until upon very were
    what when where which while whom whose will with within without would year years your
    said told according percent people time times week month new news report reported
    including first last two one""".split()
)


@dataclass(frozen=True)
class Suggestion:
    theme: str | None  # where the line goes: [themes.THEME.terms]; None: choose a theme
    line: str  # the TOML line to paste
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"theme": self.theme, "line": self.line, "reason": self.reason}


def alias_suggestions(evaluation: Evaluation, themes: Themes) -> list[Suggestion]:
    """Lower weights for the concepts most often behind false positives."""
    in_fp: Counter[tuple[str, str]] = Counter()
    in_tp: Counter[tuple[str, str]] = Counter()
    wrong = {(c.id, c.theme) for c in evaluation.false_positives}
    for article in evaluation.articles:
        verdict = evaluation.verdicts.get((article["id"], None))
        for theme, items in article["evidence"].items():
            if not isinstance(items, list):
                continue
            concepts = {
                (theme, str(i["term"]))
                for i in items
                if isinstance(i, dict) and i.get("term") and (i.get("points") or 0) > 0
            }
            if (article["id"], None) in wrong or (article["id"], theme) in wrong:
                in_fp.update(concepts)
            elif verdict is not None and verdict.label == 1 and article["relevant"]:
                in_tp.update(concepts)
    out = []
    for (theme, term), count in sorted(in_fp.items(), key=lambda kv: (-kv[1], kv[0])):
        if count <= in_tp[(theme, term)]:
            continue
        concept = next((c for c in themes.concepts if c.theme == theme and c.name == term), None)
        if concept is None:  # the themes changed since the article was scored
            continue
        line = concept.line or concept.name
        section = "context" if concept.context else "terms"
        weight = max(0.1, round(concept.weight / 2, 2))
        out.append(
            Suggestion(
                theme,
                f"{_key(line)} = {weight:g}",
                f"replace its line in [themes.{theme}.{section}] (weight {concept.weight:g}): "
                f"matched in {count} false positive{'s' if count != 1 else ''} and "
                f"{in_tp[(theme, term)]} true positive{'s' if in_tp[(theme, term)] != 1 else ''}",
            )
        )
        if len(out) == SHOWN:
            break
    return out


def term_suggestions(conn: Reader, evaluation: Evaluation, themes: Themes) -> list[Suggestion]:
    """Frequent, distinctive terms of the missed relevant articles that no theme names."""
    missed = [c for c in evaluation.false_negatives if c.theme is None]
    if len(missed) < MIN_MISSED:  # one article's ordinary words are no pattern
        return []
    by_id = {a["id"]: a for a in evaluation.articles}
    docs: Counter[str] = Counter()
    theme_of: dict[str, Counter[str]] = {}
    for case in missed:
        article = by_id[case.id]
        terms = _terms(f"{article['title'] or ''}\n{article['text'] or ''}")
        docs.update(terms)
        key = _theme_hint(evaluation, article, themes)
        for term in terms:
            theme_of.setdefault(term, Counter())[key or ""] += 1
    least = MIN_MISSED
    candidates = [
        t
        for t, n in sorted(docs.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
        if n >= least and not _named(t, themes)
    ][:CANDIDATES]
    total = conn.execute("select count(*) from articles").fetchone()[0] or 1
    frequency = document_frequency(conn, candidates)
    ranked = sorted(
        candidates,
        key=lambda t: (-docs[t] * math.log((total + 1) / (frequency[t] + 1)), t),
    )
    out = []
    for term in ranked[:SHOWN]:
        theme = theme_of[term].most_common(1)[0][0] or None
        where = f"[themes.{theme}.terms]" if theme else "the [themes.KEY.terms] it belongs to"
        out.append(
            Suggestion(
                theme,
                f"{_key(term)} = 1.0",
                f"add to {where}: in {docs[term]} of {len(missed)} missed relevant articles, "
                f"{frequency[term]} of {total} archived",
            )
        )
    return out


def _terms(text: str) -> set[str]:
    """The distinct candidate terms of a text: Latin words (4 letters or more, not common
    English), adjacent pairs of them, and Chinese words of two characters or more."""
    found: set[str] = set()
    latin = HAN_RUN.sub(" | ", text)
    for chunk in re.split(r"[|.,;:!?()\[\]\"“”]+", latin):
        words = [w.casefold() for w in _LATIN_WORD.findall(chunk)]
        keep = [len(w) >= 4 and w not in _STOPWORDS for w in words]
        found.update(w for w, k in zip(words, keep, strict=True) if k)
        for i in range(len(words) - 1):
            if keep[i] and keep[i + 1]:
                found.add(f"{words[i]} {words[i + 1]}")
    for run in HAN_RUN.findall(text):
        found.update(word for word in han_words(run) if len(word) >= 2)
    return found


def _named(term: str, themes: Themes) -> bool:
    """True when a theme's alias or an anchor matches *term* (it is named already)."""
    text = normalise(term)
    return any(m is not None and m.scan(text) for m in (themes.terms, themes.anchors))


def _theme_hint(evaluation: Evaluation, article: dict[str, Any], themes: Themes) -> str | None:
    """The theme a missed article is about: one its labels name, else its main theme."""
    for key in themes.keys:
        verdict = evaluation.verdicts.get((article["id"], key))
        if verdict is not None and verdict.label == 1:
            return key
    scores = article["theme_scores"]
    return main_theme({k: float(scores.get(k, 0)) for k in themes.keys})


def _key(text: str) -> str:
    """*text* as a TOML key (a basic string)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
