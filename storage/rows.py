"""One row written as plain SQL: the statements the crawl's writer runs for every page.

sqlite-utils' ``insert``/``update``/``upsert`` re-read the table's shape (``PRAGMA
table_info``) and build their statements on every call, and ``upsert`` runs two; at a few
hundred pages a second that was a third of the writer's time. These take column names
from the caller (our own schema's, never input) and values as parameters.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

__all__ = ["insert", "update", "upsert"]


def _marks(row: dict[str, Any]) -> str:
    return ", ".join("?" * len(row))


def insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    """Insert *row* into *table*; returns its rowid."""
    cursor = db.conn.execute(
        f"insert into {table} ({', '.join(row)}) values ({_marks(row)})", list(row.values())
    )
    return int(cursor.lastrowid or 0)


def update(db: sqlite_utils.Database, table: str, rowid: int, changes: dict[str, Any]) -> None:
    """Set *changes* on the row of *table* with this rowid (nothing when there are none)."""
    if changes:
        sets = ", ".join(f"{column} = ?" for column in changes)
        db.conn.execute(f"update {table} set {sets} where rowid = ?", [*changes.values(), rowid])


def upsert(db: sqlite_utils.Database, table: str, row: dict[str, Any], pk: str) -> None:
    """Insert *row*, or set its columns on the row with the same *pk* (others are kept)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in row if c != pk)
    db.conn.execute(
        f"insert into {table} ({', '.join(row)}) values ({_marks(row)}) "
        f"on conflict ({pk}) do update set {updates}",
        list(row.values()),
    )
