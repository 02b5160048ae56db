"""An article's page: its text with the matched evidence in ``<mark>``, and why it scored.

:func:`article_page` reads one article (a sqlite3 connection, read only) and returns what the
template ``row-culturewatch-articles.html`` shows: the title and text as safe HTML (escaped,
only the words the scorer found marked, :mod:`storage.web.highlight`), and per theme its score
and the concepts found (:data:`storage.evidence.Evidence`): the words that matched, where,
weight and points; a context term that did not count says so.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from storage.captures import capture_problem
from storage.connection import Reader
from storage.groups import group_label
from storage.web.front_page import json_list
from storage.web.highlight import highlight_words

__all__ = ["ArticlePage", "ThemeWhy", "TermWhy", "article_page"]


@dataclass(frozen=True)
class TermWhy:
    term: str
    matched: tuple[str, ...]
    title: int
    body: int
    weight: float
    points: float
    context: bool

    @property
    def counted(self) -> bool:
        return self.points > 0


@dataclass(frozen=True)
class ThemeWhy:
    key: str
    label: str
    score: float | None  # article_themes.score
    listed: bool  # one of the article's themes
    terms: tuple[TermWhy, ...]


@dataclass(frozen=True)
class ArticlePage:
    id: int
    url: str
    title_html: str
    text_html: str
    marks: int  # words marked in title and text
    source: str
    group: str | None
    published_at: str | None
    fetched_at: str
    language: str | None
    author: str | None
    relevance: float
    relevant: bool
    themes: tuple[str, ...]
    why: tuple[ThemeWhy, ...]
    story_id: int | None
    outlets: int
    capture_problem: str = ""  # its raw capture's WARC file is gone or truncated
    pruned: bool = False  # its text was dropped by retention (storage.retention): NULL

    @property
    def group_label(self) -> str | None:
        return group_label(self.group) if self.group else None


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _terms(items: Any) -> tuple[TermWhy, ...]:
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):  # an older record: the bare term
            out.append(TermWhy(item, (item,), 0, 0, 0.0, 0.0, False))
            continue
        if not isinstance(item, dict) or not item.get("term"):
            continue
        matched = tuple(m for m in item.get("matched") or () if isinstance(m, str) and m)
        out.append(
            TermWhy(
                term=str(item["term"]),
                matched=matched or (str(item["term"]),),
                title=int(_number(item.get("title"))),
                body=int(_number(item.get("body"))),
                weight=_number(item.get("weight")),
                points=_number(item.get("points")) if "points" in item else 1.0,
                context=bool(item.get("context")),
            )
        )
    return tuple(sorted(out, key=lambda t: -t.points))


def _why(
    evidence: Any, themes: Iterable[str], scores: Mapping[str, float], labels: Mapping[str, str]
) -> tuple[ThemeWhy, ...]:
    try:
        parsed = json.loads(evidence) if isinstance(evidence, str) else evidence
    except ValueError:
        parsed = None
    parsed = parsed if isinstance(parsed, dict) else {}
    listed = list(dict.fromkeys(themes))
    order = listed + [k for k in (*labels, *sorted(parsed), *sorted(scores)) if k not in listed]
    out = []
    for key in dict.fromkeys(order):
        terms = _terms(parsed.get(key))
        if terms or key in scores or key in listed:
            out.append(ThemeWhy(key, labels.get(key, key), scores.get(key), key in listed, terms))
    return tuple(out)


def article_page(conn: Reader, article_id: int, labels: Mapping[str, str]) -> ArticlePage | None:
    """The page of the article *article_id*, or None when there is none."""
    cursor = conn.execute(
        "select a.id, a.url, a.title, a.text, a.source, a.source_group, a.published_at, "
        "a.fetched_at, a.language, a.author, a.relevance, a.relevant, a.themes, a.evidence, "
        "a.story_id, (select source_count from stories s where s.id = a.story_id) "
        "from articles a where a.id = ?",
        [article_id],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    (id_, url, title, text, source, group, published, fetched, language, author) = row[:10]
    relevance, relevant, themes_json, evidence, story_id, outlets = row[10:]
    scores = {
        theme: float(score or 0)
        for theme, score in conn.execute(
            "select theme, score from article_themes where article_id = ? order by score desc",
            [article_id],
        )
    }
    themes = json_list(themes_json)
    why = _why(evidence, themes, scores, labels)
    words = [w for theme in why for term in theme.terms if term.counted for w in term.matched]
    title_html, in_title = highlight_words(title or url, words)
    text_html, in_text = highlight_words(text or "", words)
    return ArticlePage(
        id=id_,
        url=url,
        title_html=title_html,
        text_html=text_html,
        marks=in_title + in_text,
        source=source or "",
        group=group,
        published_at=published,
        fetched_at=fetched,
        language=language,
        author=author,
        relevance=float(relevance or 0),
        relevant=bool(relevant),
        themes=themes,
        why=why,
        story_id=story_id,
        outlets=int(outlets or 1),
        capture_problem=_capture_problem(conn, article_id),
        pruned=text is None,
    )


def _capture_problem(conn: Reader, article_id: int) -> str:
    """Why the article's raw capture cannot be read, when its row points at one ("" if it
    can, or if none was kept): a cheap look at the WARC file's size, nothing is read."""
    try:
        row = conn.execute(
            "select warc_filename, warc_record_offset, warc_record_length from articles "
            "where id = ?",
            [article_id],
        ).fetchone()
        main = [r[2] for r in conn.execute("pragma database_list") if r[1] == "main"]
    except sqlite3.OperationalError:  # an archive of an earlier release
        return ""
    if not row or not row[0] or not main or not main[0]:
        return ""
    from pathlib import Path

    return capture_problem(Path(main[0]).parent, row[0], row[1], row[2])
