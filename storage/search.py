"""Full-text search that works for Chinese as well as English.

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
- :func:`highlight_html` makes a ``snippet()`` of the table safe HTML: the search query
  marks matches with the private-use characters :data:`MARK_START` and :data:`MARK_END`
  (never indexed: :func:`search_row` drops them from the text), the rest is HTML-escaped
  and only the marks become ``<mark>``; matches side by side are one ``<mark>``, so no
  markup in an article reaches the browser and a term is marked whole.
- :func:`fts_query` turns what a user types into an FTS5 query: terms are quoted (as
  Datasette's ``escape_fts`` does) and a Chinese term becomes "the phrase of its
  characters and the phrase of its bigrams": 马面裙 is ``("马 面 裙" AND grams : "马面 面裙")``,
  exactly the articles that contain it; the character phrase is what snippets highlight.

The index keeps no copy of the text (``m020_search_size``: it was 60 % of the file): it
is an FTS5 table of *external content*, the view :data:`SEARCH_SOURCE`, which gives every
article with a text (a pruned one has none) segmented by the SQL functions
:func:`register_search_functions` adds to every connection of ours (the archive's, the
readers', Datasette's). Inserts are indexed by the write path (:func:`index_articles`);
triggers on ``articles`` make the index forget a title and text before they change and an
article that goes (FTS5 must be told the values it indexed). A plain SQLite client without
the functions reads every ordinary table and the rowids of a ``MATCH``, but not the index's
columns or ``snippet()``, and cannot change a title or text or delete an article.

What one search may cost (the web's search box and concept search, :mod:`storage.web`):
SQLite runs FTS5's ``MATCH``, ``rank`` and ``snippet()`` each as one step of its virtual
machine, and a time limit can stop a query only between steps. ``snippet()`` on one row
costs about the square of the matches in that row, and ``MATCH``/``rank``/``snippet()`` grow
with the phrases of the expression, so one step could run for minutes. Hence:

- :func:`bounded_fts_query` (and :func:`storage.concepts.bounded_concept_query`) refuse, with
  :class:`SearchTooLarge` and a message in words, a search of more than
  :data:`MAX_SEARCH_CHARS` characters or whose expression has more than
  :data:`MAX_SEARCH_PHRASES` phrases (:func:`phrase_count`);
- :func:`storage.search_excerpts.snippet_fits` says whether FTS5's ``snippet()`` is cheap on a text (at most
  :data:`SNIPPET_MAX_TOKENS` tokens); a longer text gets :func:`storage.search_excerpts.excerpt` instead: the same
  marks, found in one pass over at most :data:`EXCERPT_SCAN_TOKENS` tokens.

English and other space-separated text pass through unchanged (the table's tokenizer
lower-cases, folds diacritics and stems English with Porter).
"""

from __future__ import annotations

import functools
import html
import logging
import operator
import re
import sqlite3
from typing import Any

from storage.scripts import HAN, HAN_CHAR, HAN_RUN

__all__ = [
    "MARK_END",
    "MARK_START",
    "MAX_SEARCH_CHARS",
    "MAX_SEARCH_PHRASES",
    "GRAMS_FUNCTION",
    "SEARCH_COLUMNS",
    "SEARCH_SOURCE",
    "SEARCH_TABLE",
    "SEARCH_TOKENIZER",
    "SEP",
    "TEXT_FUNCTION",
    "SearchTooLarge",
    "bounded_fts_query",
    "check_search_expression",
    "check_search_length",
    "create_search_table",
    "fts_query",
    "grams",
    "han_words",
    "highlight_html",
    "index_articles",
    "phrase_count",
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
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
_ADJACENT = re.compile(f"{MARK_END}{SEP}?{MARK_START}")  # two matches side by side

_HAN_RUN = HAN_RUN
_HAS_HAN = HAN_CHAR
_WORD = re.compile(r"\w")
_QUERY_BITS = re.compile(r'\s+|(".*?")')  # as datasette.utils.escape_fts

# what one search may cost (see the module's docstring)
MAX_SEARCH_CHARS = 500  # a search as typed
MAX_SEARCH_PHRASES = 500  # phrases in its FTS5 expression, aliases expanded


def segment(text: str | None) -> str | None:
    """*text* with U+200B around and between the characters of each run of Han characters."""
    if not text or text.isascii() or not _HAS_HAN.search(text):  # isascii: ~1000x faster
        return text
    return _HAN_RUN.sub(lambda m: SEP + SEP.join(m.group(0)) + SEP, text)


def _bigrams(run: str) -> str:
    return " ".join(map(operator.add, run[:-1], run[1:]))  # twice as fast as slicing


def grams(text: str | None) -> str:
    """The character bigrams of each run of Han characters in *text*, space-separated."""
    if not text or text.isascii() or not _HAS_HAN.search(text):
        return ""
    return " ".join(_bigrams(run) for run in _HAN_RUN.findall(text) if len(run) > 1)


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


def highlight_html(snippet: str) -> str:
    """*snippet* as HTML: escaped, with each MARK_START...MARK_END pair made ``<mark>``.

    Matches side by side (the characters of a Chinese term, two terms next to each other)
    are one ``<mark>``. Unpaired markers (from an index written before they were stripped)
    are dropped.
    """
    # outside, marked, outside, marked, ..., outside
    pieces = _MARKED.split(_ADJACENT.sub("", snippet))
    return "".join(
        f"<mark>{html.escape(piece)}</mark>" if i % 2 else html.escape(piece.translate(_NO_MARKS))
        for i, piece in enumerate(pieces)
    )


def _characters(run: str) -> str:
    return " ".join(run)


def _han_term(term: str, *, words: bool = True) -> str:
    """A run of Han characters as FTS5: the token of one character; for more, the phrase
    of its characters (what snippets mark) and the phrase of its bigrams (in one run).

    With *words*, a run of four or more characters that jieba cuts into words of two or
    more is also found where its words stand apart (哪吒电影: 哪吒 AND 电影), as a search
    engine would.
    jieba is loaded by the first such query, in the process that searches (Datasette,
    alerts): indexing, and so the crawl, never needs it.
    """
    if len(term) < 2:
        return f'"{term}"'
    whole = f'("{_characters(term)}" AND grams : "{_bigrams(term)}")'
    cut = han_words(term) if words and len(term) > 3 else [term]
    if len(cut) < 2 or min(map(len, cut)) < 2:  # 马面|裙: a lone character is no word
        return whole
    apart = " AND ".join(_han_term(word, words=False) for word in cut)
    return f"({whole} OR ({apart}))"


@functools.cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def han_words(run: str) -> list[str]:
    """jieba's words of a run of Han characters (loaded by the first call: a query's
    process, or ``evaluate``'s suggestions; indexing, and so the crawl, never calls it)."""
    return [w for w in _jieba().cut(run, HMM=True) if w.strip()]


def fts_query(query: str | None, *, words: bool = True) -> str:
    """An FTS5 query for what a user typed: every term quoted, Chinese ones by character.

    A quoted phrase stays a phrase (its Chinese characters adjacent); other terms are AND-ed.
    *words*: a Chinese term is also found as its words apart (:func:`_han_term`); False
    for a term that is a name as it stands (a themes.toml alias).
    Never raises on odd input: quotes are balanced and FTS5 operators are quoted.
    """
    query = query or ""
    if query.count('"') % 2:
        query += '"'
    parts: list[str] = []
    for bit in _QUERY_BITS.split(query):
        if not bit or not _WORD.search(bit):
            continue  # punctuation alone would be an empty phrase, which matches nothing
        if bit.startswith('"'):
            inner = bit[1:-1]
            if _HAS_HAN.search(inner):
                inner = _HAN_RUN.sub(lambda m: f" {_characters(m.group(0))} ", inner)
            parts.append(f'"{inner}"')
        elif _HAS_HAN.search(bit):
            for piece in re.split(f"([{HAN}]+)", bit):
                if _HAN_RUN.fullmatch(piece):
                    parts.append(_han_term(piece, words=words))
                elif _WORD.search(piece):
                    parts.append('"{}"'.format(piece.replace('"', "")))
        else:
            parts.append(f'"{bit}"')
    # explicit AND: FTS5 does not AND a phrase and a (group) implicitly
    return " AND ".join(parts) or '""'  # nothing to look for: an empty phrase matches nothing


# ---------------------------------------------------------------------------- limits
class SearchTooLarge(ValueError):
    """A search beyond what one query may cost; the message says which limit, in words."""


def check_search_length(text: str | None) -> None:
    """Raise :class:`SearchTooLarge` when *text* is longer than :data:`MAX_SEARCH_CHARS`."""
    if text and len(text) > MAX_SEARCH_CHARS:
        raise SearchTooLarge(
            f"The search is {len(text):,} characters long; at most {MAX_SEARCH_CHARS} are "
            "searched at once. Shorten it."
        )


def phrase_count(expression: str) -> int:
    """The phrases of an FTS5 expression made here: every term is quoted, and no phrase
    holds a quotation mark (:func:`fts_query`)."""
    return expression.count('"') // 2


def check_search_expression(expression: str) -> str:
    """*expression*, or :class:`SearchTooLarge` when it has more than
    :data:`MAX_SEARCH_PHRASES` phrases."""
    phrases = phrase_count(expression)
    if phrases > MAX_SEARCH_PHRASES:
        raise SearchTooLarge(
            f"The search stands for {phrases:,} words and phrases (a name the themes know "
            f"counts every spelling of it); at most {MAX_SEARCH_PHRASES} are searched at "
            "once. Search for fewer names or words."
        )
    return expression


def bounded_fts_query(query: str | None) -> str:
    """:func:`fts_query` for a search box: :class:`SearchTooLarge` beyond the limits."""
    check_search_length(query)
    return check_search_expression(fts_query(query))


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
    reindex_all(db)


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
    """(Re)index the articles with these ids in ``articles_search``, as they are now.

    The index of an article already in it is forgotten through the view, that is with the
    values it was indexed with, which the triggers keep true whenever a title or text
    changes; an article not in it yet is only added.
    """
    _ensure_functions(db.conn)
    marks = ",".join("?" * len(ids))
    indexed = [  # asked first: a delete from the table that finds nothing still costs
        row[0]
        for row in db.execute(
            f"select id from [{SEARCH_TABLE}_docsize] where id in ({marks})", ids
        ).fetchall()
    ]
    if indexed:
        db.execute(
            f"delete from [{SEARCH_TABLE}] where rowid in ({','.join('?' * len(indexed))})",
            indexed,
        )
    # read, then inserted as values: an insert ... select of the view took twice as long
    rows = db.execute(
        f"select id, title, text, grams from [{SEARCH_SOURCE}] where id in ({marks})",
        ids,
    ).fetchall()
    db.conn.executemany(
        f"insert into [{SEARCH_TABLE}] (rowid, {', '.join(SEARCH_COLUMNS)}) values (?, ?, ?, ?)",
        rows,
    )
