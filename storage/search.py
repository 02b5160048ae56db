"""The full-text index of the archive, ``articles_search``, which works for Chinese too.

SQLite's FTS tokenizers do not segment Chinese: ``unicode61`` makes a whole run of Han
characters one token, and ``trigram`` cannot match a two-character term (哪吒, 汉服, 原神).
So the archive keeps a second FTS5 table, ``articles_search``, in which every Han character
is a token of its own (``tests/bench/fts_chinese.py`` measures the alternatives):

- :func:`segment` puts U+200B (zero width space) around and between the characters of
  every run of Han characters. FTS5's ``unicode61`` tokenizer treats U+200B as a separator,
  so each character is a token, and a snippet of the stored text reads as the original.
- :func:`grams` lists the overlapping character bigrams of each run of Han characters, in a
  column of their own (``grams``, never shown): the phrase of a term's bigrams is found
  only where its characters follow each other in one run, not across a comma or a space
  (which the phrase of its characters would cross), and its bigrams are rarer tokens than
  single characters, so the phrase is quick to find.
- the match marks :data:`MARK_START` and :data:`MARK_END` (private-use characters) are never
  indexed (:func:`unmarked`), so a search's ``snippet()`` can mark matches with them.

Reading the index is elsewhere: what a user types becomes an FTS5 query, within what one
search may cost, in :mod:`storage.search_query`; the marked matches of a result become
HTML or an excerpt in :mod:`storage.search_excerpts`.

The index keeps no copy of the text (``m020_search_size``: it was 60 % of the file): it
is an FTS5 table of *external content*, the view :data:`SEARCH_SOURCE`, which gives every
article with a text (a pruned one has none) segmented by the SQL functions
:func:`register_search_functions` adds to every connection of ours (the archive's, the
readers', Datasette's). Inserts are indexed by the write path (:func:`index_articles`);
triggers on ``articles`` make the index forget a title and text before they change and an
article that goes (FTS5 must be told the values it indexed). A plain SQLite client without
the functions reads every ordinary table and the rowids of a ``MATCH``, but not the index's
columns or ``snippet()``, and cannot change a title or text or delete an article.

English and other space-separated text pass through unchanged (the table's tokenizer
lower-cases, folds diacritics and stems English with Porter).
"""

from __future__ import annotations

import operator
import sqlite3
from typing import Any

from storage.scripts import HAN_CHAR, HAN_RUN

__all__ = [
    "MARK_END",
    "MARK_START",
    "GRAMS_FUNCTION",
    "SEARCH_COLUMNS",
    "SEARCH_SOURCE",
    "SEARCH_TABLE",
    "SEARCH_TOKENIZER",
    "SEP",
    "TEXT_FUNCTION",
    "bigrams",
    "create_search_table",
    "grams",
    "index_articles",
    "register_search_functions",
    "reindex_all",
    "search_grams",
    "search_row",
    "search_text",
    "segment",
    "unmarked",
]

SEARCH_TABLE = "articles_search"
SEARCH_COLUMNS = ("title", "text", "grams")
SEARCH_TOKENIZER = "porter unicode61 remove_diacritics 2"
SEP = "\u200b"  # zero width space: a token separator for unicode61, invisible when shown
# snippet() highlight markers: private-use characters, stripped from the indexed text
MARK_START = "\ue000"
MARK_END = "\ue001"
_NO_MARKS = str.maketrans("", "", MARK_START + MARK_END)


def segment(text: str | None) -> str | None:
    """*text* with U+200B around and between the characters of each run of Han characters."""
    if not text or text.isascii() or not HAN_CHAR.search(text):  # isascii: ~1000x faster
        return text
    return HAN_RUN.sub(lambda m: SEP + SEP.join(m.group(0)) + SEP, text)


def bigrams(run: str) -> str:
    """The overlapping character bigrams of *run* (Han characters), space-separated."""
    return " ".join(map(operator.add, run[:-1], run[1:]))  # twice as fast as slicing


def grams(text: str | None) -> str:
    """The character bigrams of each run of Han characters in *text*, space-separated."""
    if not text or text.isascii() or not HAN_CHAR.search(text):
        return ""
    return " ".join(bigrams(run) for run in HAN_RUN.findall(text) if len(run) > 1)


def unmarked(text: str | None) -> str | None:
    """*text* without the match marks (which are never indexed)."""
    # on every article written: translate() walks the whole text, ``in`` is a fast search
    if text and (MARK_START in text or MARK_END in text):
        return text.translate(_NO_MARKS)
    return text


def search_row(title: str | None, text: str | None) -> dict[str, str | None]:
    """The ``articles_search`` columns for an article (without highlight markers)."""
    return {
        "title": search_text(title),
        "text": search_text(text),
        "grams": search_grams(title, text),
    }


# ---------------------------------------------------------------------------- the table
# The index stores no copy of the text (m020_search_size): its content is the view
# SEARCH_SOURCE, which segments ``articles`` through the SQL functions that
# :func:`register_search_functions` adds to a connection (every connection of the
# archive has them: storage.connection, and Datasette's through storage.web.sql_functions).
SEARCH_SOURCE = "articles_search_source"
TEXT_FUNCTION = "cw_search_text"
GRAMS_FUNCTION = "cw_search_grams"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None  # a blob (TEXT affinity: never a number)


def search_text(value: object) -> str | None:
    """A title or text as ``articles_search`` indexes it: without marks, segmented."""
    return segment(unmarked(_text(value)))


def search_grams(title: object, text: object) -> str:
    """The ``grams`` column of an article: the bigrams of its title, then of its text."""
    return " ".join(filter(None, (grams(unmarked(_text(title))), grams(unmarked(_text(text))))))


def register_search_functions(conn: Any) -> None:
    """Add the SQL functions the search index reads its content through to *conn* (a
    :class:`sqlite3.Connection`). Without them a plain SQLite client still reads every
    ordinary table and the rowids a ``MATCH`` finds, but not the index's columns nor
    ``snippet()``, and it cannot change an article's title or text or delete an article."""
    conn.create_function(TEXT_FUNCTION, 1, search_text, deterministic=True)
    conn.create_function(GRAMS_FUNCTION, 2, search_grams, deterministic=True)


def _ensure_functions(conn: Any) -> None:
    """Register the functions on *conn* unless it has them: registering a function
    expires every prepared statement of the connection (FTS5's own too), which costs
    more than indexing an article."""
    try:
        conn.execute(f"select {TEXT_FUNCTION}(null), {GRAMS_FUNCTION}(null, null)")
    except sqlite3.OperationalError:
        register_search_functions(conn)


def _indexed(row: str) -> str:
    """The ``articles_search`` columns of *row* (``old`` or ``new`` in a trigger)."""
    return (
        f"{TEXT_FUNCTION}({row}.title), {TEXT_FUNCTION}({row}.text), "
        f"{GRAMS_FUNCTION}({row}.title, {row}.text)"
    )


# An external content table must be told the values it indexed to forget them ('delete'),
# before they change: the triggers do, for every writer. An article without text (pruned,
# storage/retention.py) is not indexed. Inserts are indexed by the archive's write path
# (:func:`index_articles`), so a bulk load may drop the index and build it at the end.
_TRIGGERS = {
    f"{SEARCH_TABLE}_au": (
        "after update of title, text on articles "
        "when old.title is not new.title or old.text is not new.text begin "
        f"insert into [{SEARCH_TABLE}] ([{SEARCH_TABLE}], rowid, {', '.join(SEARCH_COLUMNS)}) "
        f"select 'delete', old.id, {_indexed('old')} where old.text is not null; "
        f"insert into [{SEARCH_TABLE}] (rowid, {', '.join(SEARCH_COLUMNS)}) "
        f"select new.id, {_indexed('new')} where new.text is not null; end"
    ),
    f"{SEARCH_TABLE}_ad": (
        "after delete on articles begin "
        f"insert into [{SEARCH_TABLE}] ([{SEARCH_TABLE}], rowid, {', '.join(SEARCH_COLUMNS)}) "
        f"select 'delete', old.id, {_indexed('old')} where old.text is not null; end"
    ),
}


def create_search_table(db: Any) -> None:
    """Create ``articles_search`` (external content: the view :data:`SEARCH_SOURCE`), its
    triggers, and fill it from ``articles``; an index of an earlier release (which kept a
    segmented copy of every text) is replaced. In the caller's transaction: an interrupted
    run leaves the archive as it was.

    *db* is a :class:`sqlite_utils.Database`.
    """
    _ensure_functions(db.conn)
    row = db.execute("select sql from sqlite_master where name = ?", [SEARCH_TABLE]).fetchone()
    if row and SEARCH_SOURCE not in row[0]:
        db.execute(f"drop table [{SEARCH_TABLE}]")
    db.execute(
        f"create view if not exists [{SEARCH_SOURCE}] as select id, "
        f"{TEXT_FUNCTION}(title) as title, {TEXT_FUNCTION}(text) as text, "
        f"{GRAMS_FUNCTION}(title, text) as grams from articles where text is not null"
    )
    db.execute(
        f"create virtual table if not exists [{SEARCH_TABLE}] using fts5("
        f"{', '.join(SEARCH_COLUMNS)}, tokenize='{SEARCH_TOKENIZER}', "
        f"content='{SEARCH_SOURCE}', content_rowid='id')"
    )
    for name, body in _TRIGGERS.items():
        db.execute(f"drop trigger if exists [{name}]")  # the old _ad deleted by rowid
        db.execute(f"create trigger [{name}] {body}")
    db.execute(f"insert into [{SEARCH_TABLE}] ([{SEARCH_TABLE}]) values ('rebuild')")


def reindex_all(db: Any) -> None:
    """Index every article in ``articles_search`` again from ``articles`` (a migration
    calls it when the segmentation changes). Its segments are not merged into one
    ('optimize'): searches are as fast (tests/bench/archive_scale.py), and the merge would
    leave free pages the size of the index in the file."""
    _ensure_functions(db.conn)
    row = db.execute("select sql from sqlite_master where name = ?", [SEARCH_TABLE]).fetchone()
    if row is None or SEARCH_SOURCE not in row[0]:
        create_search_table(db)  # an index of an earlier release: replaced, then filled
        return
    db.execute(f"insert into [{SEARCH_TABLE}] ([{SEARCH_TABLE}]) values ('rebuild')")


def index_articles(db: Any, ids: list[int]) -> None:
    """Index the new articles *ids* in ``articles_search`` (the write path, on their insert:
    an id is never in the index then, the delete trigger forgets an article that goes). The
    connection has the SQL functions: every archive connection registers them
    (:mod:`storage.connection`)."""
    marks = ",".join("?" * len(ids))
    # read, then inserted as values: an insert ... select of the view took twice as long
    rows = db.execute(
        f"select id, title, text, grams from [{SEARCH_SOURCE}] where id in ({marks})",
        ids,
    ).fetchall()
    db.conn.executemany(
        f"insert into [{SEARCH_TABLE}] (rowid, {', '.join(SEARCH_COLUMNS)}) values (?, ?, ?, ?)",
        rows,
    )
