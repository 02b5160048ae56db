"""The analysts' judgements: the ``labels`` table, its SQL, and what the labels say.

``labels`` has one row per label given, so the history is kept: ``article_id``, ``label``
(1 relevant, 0 not), ``theme`` (NULL: the article as a whole; a theme key: the article is,
or is not, about that theme), ``note``, ``labelled_by`` and ``labelled_at`` (ISO 8601, UTC).
The view ``current_labels`` keeps the latest label of each person for an article and theme
(two given in the same second: the later row).

When several people judged the same article and theme, its *verdict* (:func:`verdicts`) is
the majority of their current labels; a tie goes to the most recent label.
Reads take a :class:`~storage.connection.Reader`, writes a :class:`sqlite3.Connection`
(the CLI's archive or Datasette's write connection) and leave the transaction to the caller.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from storage.connection import Reader
from storage.formats import to_utc_iso, utcnow
from storage.search_query import fts_query

__all__ = [
    "LabelledPrecision",
    "Verdict",
    "add_label",
    "article_scores",
    "create_labels",
    "current_labels",
    "document_frequency",
    "export_labels",
    "find_article",
    "import_label",
    "labelled_articles",
    "labelled_precision",
    "verdicts",
    "wilson",
]

CURRENT_LABELS_SQL = """
select id, article_id, theme, label, note, labelled_by, labelled_at from (
  select *, row_number() over (
    partition by article_id, coalesce(theme, ''), labelled_by
    order by labelled_at desc, id desc
  ) as newest from labels
) where newest = 1
"""


def create_labels(db: sqlite_utils.Database) -> None:
    """The ``labels`` table, its index and the ``current_labels`` view (a migration calls it)."""
    db.execute(
        "create table if not exists labels ("
        "id integer primary key, "
        "article_id integer not null references articles(id), "
        "label integer not null check (label in (0, 1)), "
        "theme text, note text, "
        "labelled_by text not null, "
        "labelled_at text not null)"
    )
    db.execute(
        "create index if not exists labels_article_theme "
        "on labels (article_id, theme, labelled_by, labelled_at)"
    )
    db.execute(f"create view if not exists current_labels as {CURRENT_LABELS_SQL.strip()}")


# --------------------------------------------------------------------------- writes
def find_article(conn: Reader, ref: str) -> tuple[int, str] | None:
    """``(id, url)`` of the article *ref* names: its id (digits) or its URL; else None."""
    ref = ref.strip()
    if ref.isdigit():
        row = conn.execute("select id, url from articles where id = ?", [int(ref)]).fetchone()
    else:
        row = conn.execute("select id, url from articles where url = ?", [ref]).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def add_label(
    conn: sqlite3.Connection,
    article_id: int,
    label: int,
    *,
    labelled_by: str,
    theme: str | None = None,
    note: str | None = None,
    labelled_at: str | None = None,
) -> int:
    """Record one label; returns its row id. *label* is 1 (relevant) or 0 (not)."""
    if label not in (0, 1):
        raise ValueError(f"a label is 0 or 1, not {label!r}")
    cursor = conn.execute(
        "insert into labels (article_id, label, theme, note, labelled_by, labelled_at) "
        "values (?, ?, ?, ?, ?, ?)",
        [article_id, label, theme or None, note or None, labelled_by, labelled_at or utcnow()],
    )
    return int(cursor.lastrowid or 0)


def import_label(conn: sqlite3.Connection, line: dict[str, Any]) -> str:
    """Add the label of one exported *line* to the article of its ``url``.

    Returns ``"added"``, ``"known"`` (the same label of the same person and time is there
    already; for a line without ``labelled_at``, the same label and note: a second import
    adds nothing) or ``"unknown"`` (no article with that URL).
    """
    found = find_article(conn, str(line["url"]))
    if found is None:
        return "unknown"
    at = to_utc_iso(line.get("labelled_at"))
    by = str(line.get("labelled_by") or "unknown")
    theme = line.get("theme") or None
    sql = "select 1 from labels where article_id = ? and theme is ? and labelled_by = ? "
    params = [found[0], theme, by, int(line["label"])]
    if at:  # the same label given at the same time
        sql += "and label = ? and labelled_at = ?"
        params.append(at)
    else:  # no time: the same label and note from the same person
        sql += "and label = ? and note is ?"
        params.append(line.get("note") or None)
    if conn.execute(sql, params).fetchone():
        return "known"
    add_label(
        conn,
        found[0],
        int(line["label"]),
        labelled_by=by,
        theme=theme,
        note=line.get("note"),
        labelled_at=at or utcnow(),
    )
    return "added"


def export_labels(conn: Reader) -> Iterator[dict[str, Any]]:
    """Every label given (the history, oldest first) with its article's URL."""
    cursor = conn.execute(
        "select a.url, l.label, l.theme, l.note, l.labelled_by, l.labelled_at, a.title "
        "from labels l join articles a on a.id = l.article_id order by l.labelled_at, l.id"
    )
    for url, label, theme, note, by, at, title in cursor:
        yield {
            "url": url,
            "label": label,
            "theme": theme,
            "note": note,
            "labelled_by": by,
            "labelled_at": at,
            "title": title,
        }


# --------------------------------------------------------------------------- reads
def current_labels(conn: Reader, article_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The current labels (latest per person, article and theme), newest first."""
    sql = f"select * from ({CURRENT_LABELS_SQL})"
    params: list[Any] = []
    if article_ids is not None:
        ids = list(article_ids)
        sql += f" where article_id in ({', '.join('?' * len(ids))})"
        params = ids
    cursor = conn.execute(sql + " order by labelled_at desc, id desc", params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


@dataclass(frozen=True)
class Verdict:
    """What the current labels say of one article (and theme)."""

    article_id: int
    theme: str | None
    label: int  # the majority of the people's current labels; a tie: the latest
    people: int  # how many people's labels it combines
    agree: bool  # every one of them gave the same label
    notes: tuple[str, ...]


def verdicts(
    conn: Reader, article_ids: Iterable[int] | None = None
) -> dict[tuple[int, str | None], Verdict]:
    """(article id, theme or None) -> :class:`Verdict`, from the current labels."""
    grouped: dict[tuple[int, str | None], list[dict[str, Any]]] = {}
    for row in current_labels(conn, article_ids):  # newest first
        grouped.setdefault((row["article_id"], row["theme"]), []).append(row)
    out = {}
    for key, rows in grouped.items():
        yes = sum(r["label"] for r in rows)
        no = len(rows) - yes
        label = 1 if yes > no else 0 if no > yes else int(rows[0]["label"])
        notes = tuple(r["note"] for r in rows if r["note"])
        out[key] = Verdict(key[0], key[1], label, len(rows), yes == 0 or no == 0, notes)
    return out


def labelled_articles(conn: Reader) -> list[dict[str, Any]]:
    """The articles with a current label: id, url, title, text, relevance, relevant,
    themes (a list), evidence (parsed) and theme_scores (theme -> score)."""
    cursor = conn.execute(
        "select id, url, title, text, relevance, relevant, themes, evidence, "
        "(select json_group_object(theme, score) from article_themes t "
        "where t.article_id = a.id) from articles a "
        "where id in (select article_id from labels) order by id"
    )
    out = []
    for row in cursor:
        out.append(
            {
                "id": row[0],
                "url": row[1],
                "title": row[2],
                "text": row[3],
                "relevance": float(row[4] or 0),
                "relevant": int(row[5] or 0),
                "themes": _json(row[6], []),
                "evidence": _json(row[7], {}),
                "theme_scores": _json(row[8], {}),
            }
        )
    return out


def article_scores(conn: Reader) -> Iterator[tuple[int, float, int, dict[str, float]]]:
    """Every article's ``(id, relevance, relevant, theme -> score)``: what a new threshold
    would change in the whole archive."""
    cursor = conn.execute(
        "select id, relevance, relevant, (select json_group_object(theme, score) "
        "from article_themes t where t.article_id = a.id) from articles a"
    )
    for row_id, relevance, relevant, scores in cursor:
        yield int(row_id), float(relevance or 0), int(relevant or 0), _json(scores, {})


def document_frequency(conn: Reader, terms: Iterable[str]) -> dict[str, int]:
    """How many archived articles contain each term (the search index: Chinese works)."""
    out = {}
    for term in terms:
        query = fts_query(term)
        out[term] = (
            conn.execute(
                "select count(*) from articles_search where articles_search match ?", [query]
            ).fetchone()[0]
            if query
            else 0
        )
    return out


@dataclass(frozen=True)
class LabelledPrecision:
    """Of the relevant articles first archived in a window, those labelled as a whole."""

    labelled: int
    correct: int  # labelled relevant
    precision: float
    low: float  # the 95% Wilson interval
    high: float


def labelled_precision(conn: Reader, start: str, end: str) -> LabelledPrecision | None:
    """The labelled precision of the relevant articles with ``start <= fetched_at < end``
    (ISO 8601, UTC); None when none of them is labelled."""
    ids = [
        r[0]
        for r in conn.execute(
            "select id from articles where relevant = 1 and fetched_at >= ? and fetched_at < ? "
            "and id in (select article_id from labels where theme is null)",
            [start, end],
        )
    ]
    found = [v for (_a, theme), v in verdicts(conn, ids).items() if theme is None]
    if not found:
        return None
    correct = sum(v.label for v in found)
    low, high = wilson(correct, len(found)) or (0.0, 1.0)
    return LabelledPrecision(len(found), correct, correct / len(found), low, high)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95% by default); None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _json(value: Any, default: Any) -> Any:
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return default
    return parsed if isinstance(parsed, type(default)) else default
