"""The archive's shape: its tables, the columns of ``articles``, bringing a file up to date.

The migrations themselves, in order, are in :mod:`storage.migrations` (never rename,
reorder or change one, add the next instead).

The archive is SQLite, ``./data/culturewatch.db`` by default (the ``archive`` setting,
``$CULTUREWATCH_DB``, ``--db``). Every time in it is ISO 8601, UTC (:mod:`storage.formats`).

Tables
    articles        one row per canonical URL: ``url``, ``title``, ``text``, ``source``,
                    ``published_at``, ``fetched_at``, ``language``, ``relevance``,
                    ``relevant``, ``themes``, and author, site name, description, tags,
                    image, keywords; ``authors`` (a JSON array of names: facet with
                    ``?_facet_array=authors``; ``author`` is the same names joined with
                    ``; ``), ``date_source`` (where ``published_at`` came from: ``jsonld``,
                    ``meta``, ``time``, ``url``, ``feed`` or ``htmldate``), ``feed_published_at`` (the
                    feed's or news sitemap's date, beside the page's), ``source_group`` (its
                    source's ``group``) and ``story_id`` (its story)
    articles_search Chinese-aware full-text index over title and text (every Han character
                    a token, and Han bigrams), used by the browse search (storage/search.py);
                    no copy of the text: it reads the view ``articles_search_source``
    article_themes  article x theme x score (filled by the scorer)
    raw_html        the fetched HTML, gzip-compressed, to re-extract or rescore without
                    fetching
    pages           every fetched article URL and what became of it; for one that did not
                    become an article, the ``title``, ``publisher`` and ``published_at`` its
                    listing gave
    sources         each configured source's health: last attempt, last success, last error,
                    failures in a row, its ``source_group``, and ``flag`` (why it needs
                    attention, if it does)
    source_listings what the discovery of each ``site`` source found (its feed, sitemap or
                    page links), when, and whether it still works (storage/listings.py)
    http_validators ETag / Last-Modified per feed or sitemap URL (conditional GET)
    robots_txt      each host's robots.txt, remembered across crawls (storage/robots.py)
    runs            one row per crawl: start, end, status, counts, per-source errors
    jobs            one row per scheduled job (crawl, digest or alerts): start, end, status
                    (ok, failed, skipped, interrupted), exit status, the crawl's ``runs`` id,
                    what it did
    stories         one row per story (copies of one text across outlets): ``id``, ``title``,
                    ``first_seen``, ``first_source``, ``first_url``, ``last_seen``,
                    ``article_count``, ``source_count``, ``languages`` and ``sources`` (JSON
                    arrays, in the order of first carrying), ``spread_hours``
                    (storage/stories.py, :mod:`pipelines.stories`)
    story_signatures each article's MinHash signature (128 x uint32)
    story_bands     article x band -> the band's hash, indexed on (band, hash): the
                    candidate lookup
    story_keys      each article's cross-language keys, when ``stories.cross_language`` is on
    labels          every label an analyst gave: ``article_id``, ``label`` (1/0), ``theme``
                    (NULL: the article as a whole), ``note``, ``labelled_by``,
                    ``labelled_at``; the view ``current_labels`` keeps each person's latest
                    per article and theme (storage/labels.py)
    alert_sends     one row per e-mail or webhook call of an alert: ``alert``, ``target``
                    (``email:ADDRESS``, or ``webhook:`` and the URL's scheme, host and a hash
                    of it: a webhook's path is often its secret), ``status`` (sending, sent,
                    failed), ``created_at``, ``sent_at``, ``attempts``, ``stories``,
                    ``articles``, ``error`` (storage/alert_state.py)
    alert_items     alert x target x article: what was sent (or is being sent), so nothing
                    is sent twice
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from storage.connection import connect, reading
from storage.migrations import ARTICLE_COLUMNS, migrations

__all__ = [
    "ARTICLE_COLUMNS",
    "NotAnArchive",
    "bring_up_to_date",
    "migrate",
    "migrations",
    "refuse_foreign",
]


_SQLITE_NOTADB = 26  # "file is not a database"


class NotAnArchive(sqlite3.DatabaseError):
    """The file given as the archive is another program's (or not SQLite at all)."""


def refuse_foreign(path: str | os.PathLike[str]) -> None:
    """Raise :class:`NotAnArchive` when *path* is a file that is not a culturewatch archive,
    before anything is written to it (the file is only read, read-only).

    An archive is a SQLite file with culturewatch's migrations recorded in it, or one with
    no table yet; a missing or empty file becomes a new archive. Another program's
    database (tables, none of them ours) is never given our tables."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            return
    except FileNotFoundError:
        return
    try:
        with reading(path) as db:
            tables = [name for name in db.table_names() if not name.startswith("sqlite_")]
            if not tables or migrations.applied(db):
                return
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) != _SQLITE_NOTADB:
            return  # cannot be read now (locked, a permission): opening it will say so
        raise NotAnArchive(f"{path} is not a culturewatch archive: {exc}") from exc
    shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
    raise NotAnArchive(
        f"{path} is not a culturewatch archive (another program's tables: {shown}); "
        "it was left as it was: give another --db"
    )


def migrate(db: sqlite_utils.Database) -> None:
    """Bring the schema of *db* up to date (idempotent)."""
    migrations.apply(db)


def bring_up_to_date(path: str | os.PathLike[str]) -> None:
    """Apply the pending migrations of the archive at *path*, if any, before a command that
    only reads it (digest, stories): an archive of an older release is read with the new
    columns. An archive already up to date is only looked at, read-only. Another program's
    file is refused (:func:`refuse_foreign`)."""
    refuse_foreign(path)
    with reading(path) as db:
        if not migrations.pending(db):
            return
    conn = connect(path)
    try:
        migrate(sqlite_utils.Database(conn))
    finally:
        conn.close()
