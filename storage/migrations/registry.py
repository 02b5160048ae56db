"""The archive's migrations set and the columns ``m001`` gives ``articles``.

The migrations themselves, in order, are in :mod:`storage.migrations.first` (m001 to m015)
and :mod:`storage.migrations.later` (m016 on); :mod:`storage.migrations` registers them.
"""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

__all__ = ["ARTICLE_COLUMNS", "migrations"]

# The columns of ``articles`` that m001 creates (and the archive writes: storage/archive.py).
ARTICLE_COLUMNS: dict[str, type] = {
    "id": int,
    "url": str,
    "title": str,
    "text": str,
    "source": str,
    "published_at": str,
    "fetched_at": str,
    "language": str,
    "relevance": float,
    "relevant": int,
    "themes": str,
    "evidence": str,
    "author": str,
    "sitename": str,
    "description": str,
    "tags": str,
    "image": str,
    "keywords": str,
    "word_count": int,
    "fingerprint": str,
    "first_url": str,
    "updated_at": str,
    # m008_article_authors (a fresh archive has them from m001, which reads this table)
    "authors": str,
    "date_source": str,
    "feed_published_at": str,
}


migrations = Migrations("culturewatch")
