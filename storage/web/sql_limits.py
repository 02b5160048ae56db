"""What one query of the archive may take: time, the size of a value, the size of a result.

**Time.** Datasette stops a query at its time limit (``sql_time_limit_ms``) with a progress
handler, which SQLite calls every 1,000 steps of its virtual machine, between steps. But a
step can be long: FTS5's ``MATCH``, ``rank`` and ``snippet()`` are one step each, and a row
of the search query is a few dozen steps, so the handler came round only every few dozen
rows, each costing what its ``snippet()`` cost (the square of the row's matches, and the
square of the phrases of an alias-expanded search): a search of 4.8 KB ran 70 s, and its
thread went on after the client left. Now the phrases and the text a ``snippet()`` works on
are bounded (:mod:`storage.search_query`), and :class:`Watchdog` interrupts
(``sqlite3_interrupt``) any read of the archive still running at the time limit, which
SQLite acts on at the next row: every ``execute_fn`` (Datasette's queries, the front page and
the article page) ends within the limit and the step under way (:func:`watch_database`).

**Memory.** On every connection Datasette opens (:func:`prepare_connection`): SQLite's
limits (``Connection.setlimit``): a string or blob of at most :data:`VALUE_BYTES` (so
``zeroblob(150000000)`` is refused, "string or blob too big", before it allocates), an SQL
text of at most :data:`SQL_BYTES`, a ``LIKE``/``GLOB`` pattern of at most
:data:`LIKE_PATTERN_BYTES`; and the rows a query returns may hold at most
:data:`RESULT_BYTES` of text and blobs in all (counted as they are fetched; beyond, the query
fails with a message instead of filling the memory: Datasette keeps up to
``max_returned_rows`` rows of a result in memory).
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from storage.web.hooks import hookimpl

__all__ = [
    "LIKE_PATTERN_BYTES",
    "RESULT_BYTES",
    "SQL_BYTES",
    "VALUE_BYTES",
    "WATCHDOG",
    "ResultTooLarge",
    "Watchdog",
    "prepare_connection",
    "watch_database",
]

MIB = 1024 * 1024
VALUE_BYTES = 16 * MIB  # one string or blob (an article's text, a compressed page: far less)
SQL_BYTES = 1 * MIB  # one SQL text
LIKE_PATTERN_BYTES = 500  # a LIKE or GLOB pattern (Datasette's __contains, __startswith)
RESULT_BYTES = 64 * MIB  # the text and blobs of one query's rows, all together

T = TypeVar("T")


class ResultTooLarge(sqlite3.DataError):
    """A query's rows hold more than :data:`RESULT_BYTES` (an error Datasette shows)."""


@hookimpl()
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, SQL_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, LIKE_PATTERN_BYTES)
    conn.row_factory = _counted_rows(RESULT_BYTES)


def _counted_rows(limit: int) -> Callable[[sqlite3.Cursor, tuple[Any, ...]], sqlite3.Row]:
    """A row factory making :class:`sqlite3.Row` (as Datasette's) that fails a query once
    the text and blobs of its rows (per cursor: one query) pass *limit* bytes."""
    used: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()

    def row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> sqlite3.Row:
        size = used.get(cursor, 0)
        for value in values:
            if isinstance(value, str | bytes):
                size += len(value)
        if size > limit:
            raise ResultTooLarge(
                f"the result holds more than {limit // MIB} MiB of text and blobs: "
                "ask for fewer rows or columns"
            )
        used[cursor] = size
        return sqlite3.Row(cursor, values)

    return row


class Watchdog:
    """Interrupts (``sqlite3_interrupt``) a connection's work that outlives its deadline.

    One daemon thread serves every watch. Past the deadline the connection is interrupted,
    and again every :attr:`REPEAT` seconds until the work ends (an interrupt that finds no
    statement running is a no-op, so a work of several statements is stopped at the next).
    """

    REPEAT = 0.25

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._watched: dict[int, tuple[float, sqlite3.Connection]] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None
        self.interrupts = 0  # how many times a connection was interrupted

    @contextmanager
    def watch(self, conn: sqlite3.Connection, seconds: float) -> Iterator[None]:
        """Interrupt *conn* if the block still runs *seconds* from now."""
        key = next(self._keys)
        with self._lock:
            self._watched[key] = (time.monotonic() + seconds, conn)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="culturewatch-sql-watchdog", daemon=True
                )
                self._thread.start()
            self._lock.notify()
        try:
            yield
        finally:
            with self._lock:  # under the lock: never interrupted once the block has ended
                del self._watched[key]

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for key, (deadline, conn) in list(self._watched.items()):
                    if deadline <= now:
                        conn.interrupt()
                        self.interrupts += 1
                        self._watched[key] = (now + self.REPEAT, conn)
                deadlines = [deadline for deadline, _ in self._watched.values()]
                self._lock.wait(max(0.0, min(deadlines) - now) if deadlines else None)


WATCHDOG = Watchdog()


def watch_database(database: Any, datasette: Any, watchdog: Watchdog = WATCHDOG) -> None:
    """Make every ``execute_fn`` of the Datasette *database* (each of its reads) run under
    *watchdog* with the time limit of *datasette* (``sql_time_limit_ms``)."""
    execute_fn: Callable[[Callable[[sqlite3.Connection], T]], Awaitable[T]] = database.execute_fn

    async def watched_execute_fn(fn: Callable[[sqlite3.Connection], T]) -> T:
        seconds = float(datasette.setting("sql_time_limit_ms")) / 1000

        def watched(conn: sqlite3.Connection) -> T:
            with watchdog.watch(conn, seconds):
                return fn(conn)

        return await execute_fn(watched)

    database.execute_fn = watched_execute_fn
