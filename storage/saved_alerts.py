"""Alerts saved and mutes set from the web pages, kept in the archive (migration m017).

``saved_alerts``: one row per alert (``name``, the concept search ``query``, ``frequency``,
an ``email`` address and/or a ``webhook`` URL), run by ``culturewatch alerts run`` beside
those of ``alerts.toml`` (the file wins on a name clash). ``mutes``: a ``source`` (an
outlet's name) or a ``term`` (a word or phrase, matched case-insensitively in the title and
text) hidden from the front page, the digest and the alerts; the tables and the search show
everything. :func:`is_muted` is the one rule of what a mute hides, :func:`mute_clause` the
same rule in SQL (where a page reads no text: SQLite's ``lower`` folds ASCII letters only).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.connection import Reader
from storage.formats import utcnow

__all__ = [
    "FREQUENCIES",
    "MUTE_KINDS",
    "Mutes",
    "SavedAlert",
    "add_mute",
    "is_muted",
    "load_mutes",
    "mute_clause",
    "remove_mute",
    "save_alert",
    "saved_alerts",
]

MUTE_KINDS = ("source", "term")
FREQUENCIES = ("after_crawl", "daily", "weekly")  # as alerts.toml's


@dataclass(frozen=True)
class SavedAlert:
    name: str
    query: str
    frequency: str
    email: str | None
    webhook: str | None
    created_by: str | None
    created_at: str


@dataclass(frozen=True)
class Mutes:
    sources: frozenset[str] = frozenset()
    terms: tuple[str, ...] = ()  # lower case

    def __bool__(self) -> bool:
        return bool(self.sources or self.terms)


def _exists(conn: Reader, table: str) -> bool:
    found = conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [table])
    return any(True for _ in found)


def save_alert(
    conn: sqlite3.Connection, name: str, query: str, frequency: str, *,
    email: str | None, webhook: str | None, by: str,
) -> None:  # fmt: skip
    """Save (or replace) the alert *name*; the caller checks the values and commits."""
    conn.execute(
        "insert or replace into saved_alerts "
        "(name, query, frequency, email, webhook, created_by, created_at) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [name, query, frequency, email, webhook, by, utcnow()],
    )


def saved_alerts(conn: Reader) -> list[SavedAlert]:
    """The saved alerts by name ([] in an archive of an earlier release)."""
    if not _exists(conn, "saved_alerts"):
        return []
    return [
        SavedAlert(*row)
        for row in conn.execute(
            "select name, query, frequency, email, webhook, created_by, created_at "
            "from saved_alerts order by name"
        )
    ]


def add_mute(conn: sqlite3.Connection, kind: str, value: str, *, by: str) -> None:
    """Mute the source or term *value* (again: nothing changes); the caller commits."""
    if kind not in MUTE_KINDS:
        raise ValueError(f"a mute is of a source or a term, not {kind!r}")
    value = " ".join(value.split())
    conn.execute(
        "insert or ignore into mutes (kind, value, created_by, created_at) values (?, ?, ?, ?)",
        [kind, value.lower() if kind == "term" else value, by, utcnow()],
    )


def remove_mute(conn: sqlite3.Connection, kind: str, value: str) -> int:
    """Unmute; the number of mutes removed (0 or 1). The caller commits."""
    value = " ".join(value.split())
    cursor = conn.execute(
        "delete from mutes where kind = ? and value = ?",
        [kind, value.lower() if kind == "term" else value],
    )
    return int(cursor.rowcount or 0)


def load_mutes(conn: Reader) -> Mutes:
    """The archive's mutes (none in an archive of an earlier release)."""
    if not _exists(conn, "mutes"):
        return Mutes()
    rows = list(conn.execute("select kind, value from mutes order by kind, value"))
    return Mutes(
        frozenset(str(v) for k, v in rows if k == "source"),
        tuple(str(v).lower() for k, v in rows if k == "term"),
    )


def is_muted(mutes: Mutes, source: str | None, *texts: str | None) -> bool:
    """Whether an article of *source* whose title and text are *texts* is hidden."""
    if source is not None and source in mutes.sources:
        return True
    if not mutes.terms:
        return False
    folded = " ".join(t for t in texts if t).lower()
    return any(term in folded for term in mutes.terms)


def mute_clause(mutes: Mutes, alias: str = "a") -> tuple[str, list[str]]:
    """:func:`is_muted` as SQL on the articles table *alias*: ``(" and not (...)", params)``
    (``("", [])`` when nothing is muted)."""
    if not mutes:
        return "", []
    parts, params = [], []
    if mutes.sources:
        parts.append(f"{alias}.source in ({', '.join('?' * len(mutes.sources))})")
        params += sorted(mutes.sources)
    folded = f"lower(coalesce({alias}.title, '') || ' ' || coalesce({alias}.text, ''))"
    for term in mutes.terms:
        parts.append(f"instr({folded}, ?) > 0")
        params.append(term)
    return f" and not ({' or '.join(parts)})", params
