"""Connections to the archive file, and which of their errors are worth a retry.

:class:`Reader` is the one type a read function takes: whatever answers
``execute(sql, parameters)`` with a :class:`sqlite3.Cursor`, that is a
:class:`sqlite3.Connection` (Datasette's, :func:`connect_readonly`'s) or the writer's
:class:`sqlite_utils.Database`. Writes take the writer's ``sqlite_utils.Database``.

:func:`connect_readonly` is the one way to open the archive read-only: the digest, the
read queries of :mod:`storage.queries` and ``Archive(path, readonly=True)`` all use it.
:func:`connect` opens it for writing (the :class:`storage.archive.Archive` writer).
Both add the SQL functions the search index reads the articles through
(:func:`storage.search.register_search_functions`).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

import sqlite_utils

from storage.search import register_search_functions

__all__ = [
    "Reader",
    "connect",
    "connect_readonly",
    "is_write_failure",
    "reading",
    "retrying",
    "write_pauses",
]


class Reader(Protocol):
    """What a read function needs of the archive: statements and their rows."""

    def execute(self, sql: str, parameters: Any = ..., /) -> sqlite3.Cursor: ...


# SQLite result codes (the primary code, the low byte) of a write that may succeed later:
# busy or locked by another connection, disk full, an I/O error, a file that cannot be opened.
_TRANSIENT_CODES = {5, 6, 10, 13, 14}


def is_write_failure(exc: BaseException) -> bool:
    """True when *exc* is a failed write that may succeed if tried again later (also a
    WARC file's: a full disk or an I/O error, :mod:`storage.captures`)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO)
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _TRANSIENT_CODES
    message = str(exc).lower()
    return any(m in message for m in ("locked", "disk is full", "disk i/o", "unable to open"))


def write_pauses(seconds: float) -> Iterator[float]:
    """The waits before each new try of a failed write: 0.2 s doubling up to 5 s, for as
    long as the next try still starts within *seconds*; then the iterator ends."""
    return _pauses(time.monotonic() + seconds)  # the deadline counts from now, not the first try


_T = TypeVar("_T")


def retrying(write: Callable[[], _T], seconds: float) -> _T:
    """Run *write*, retrying a transient failure (locked, disk full) with the pauses of
    :func:`write_pauses` for *seconds*; then the error is raised. For one write that
    must not be lost: the crawl's bookkeeping, the outcome of an alert's send."""
    pauses = write_pauses(seconds)
    while True:
        try:
            return write()
        except sqlite3.Error as exc:
            pause = next(pauses, None) if is_write_failure(exc) else None
            if pause is None:
                raise
            time.sleep(pause)


def _pauses(deadline: float) -> Iterator[float]:
    pause = 0.2
    while time.monotonic() + pause <= deadline:
        yield pause
        pause = min(pause * 2, 5.0)


def _set_busy_timeout(conn: sqlite3.Connection, busy_timeout: float) -> sqlite3.Connection:
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    register_search_functions(conn)  # what the search index reads its content through
    return conn


def connect(path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> sqlite3.Connection:
    """The archive at *path* for reading and writing (its directory is created if missing).

    *busy_timeout*: seconds a statement waits for another connection's write lock.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return _set_busy_timeout(sqlite3.connect(str(path), check_same_thread=False), busy_timeout)


def connect_readonly(
    path: str | os.PathLike[str], *, busy_timeout: float = 30.0
) -> sqlite3.Connection:
    """The archive at *path*, read-only (SQLite's ``mode=ro``): it is never created nor
    written. Raises :class:`sqlite3.Error` when it cannot be opened."""
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, check_same_thread=False)
    try:
        return _set_busy_timeout(conn, busy_timeout)
    except BaseException:
        conn.close()
        raise


@contextmanager
def reading(
    path: str | os.PathLike[str], *, busy_timeout: float = 30.0
) -> Iterator[sqlite_utils.Database]:
    """The archive at *path*, read-only, as a :class:`sqlite_utils.Database` for the block."""
    with closing(connect_readonly(path, busy_timeout=busy_timeout)) as conn:
        yield sqlite_utils.Database(conn)
