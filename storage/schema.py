"""The archive's shape: its tables, the columns of ``articles``, bringing a file up to date.

The migrations themselves, in order, are in :mod:`storage.migrations` (never rename,
reorder or change one, add the next instead).

Tables
    articles        one row per canonical URL: text, metadata, relevance
    article_themes  article x theme x score (filled by the scorer)
    raw_html        the fetched HTML, gzip-compressed, for re-extraction
    pages           every fetched article URL and what became of it
    sources         each configured source and its health
    http_validators ETag / Last-Modified per feed or sitemap URL (conditional GET)
    runs            one row per crawl: start, end, counts, per-source errors
    articles_search Chinese-aware full-text index of articles (storage/search.py)
    jobs            one row per scheduled job (crawl or digest) and how it ended
    stories         one row per story (copies of one text across outlets): storage/stories.py
    story_signatures, story_bands, story_keys   what the story assignment looks up
    source_listings what the discovery of each `site` source found (storage/listings.py)
    labels          every judgement of an analyst on an article (storage/labels.py)
    alert_sends, alert_items   what each alert delivered to each target: storage/alert_state.py
"""

from __future__ import annotations

import os

import sqlite_utils

from storage.migrations import ARTICLE_COLUMNS, migrations

__all__ = ["ARTICLE_COLUMNS", "bring_up_to_date", "migrate", "migrations"]


def migrate(db: sqlite_utils.Database) -> None:
    """Bring the schema of *db* up to date (idempotent)."""
    migrations.apply(db)


def bring_up_to_date(path: str | os.PathLike[str]) -> None:
    """Apply the pending migrations of the archive at *path*, if any, before a command that
    only reads it (digest, stories): an archive of an older release is read with the new
    columns. An archive already up to date is only looked at, read-only."""
    from storage.connection import connect, reading

    with reading(path) as db:
        if not migrations.pending(db):
            return
    conn = connect(path)
    try:
        migrate(sqlite_utils.Database(conn))
    finally:
        conn.close()
