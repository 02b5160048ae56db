"""The daily counts made in Python from the articles' rows: what ``daily_counts`` (kept by
triggers, storage/daily_counts.py) must equal, for the tests and the scale bench's check."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

__all__ = ["counts_from_articles"]


def counts_from_articles(conn: sqlite3.Connection) -> dict[tuple[str, ...], tuple[int, int]]:
    """(basis, day, source, group, language, theme) -> (articles, relevant ones)."""
    articles: Counter[tuple[str, ...]] = Counter()
    relevant: Counter[tuple[str, ...]] = Counter()
    for published, fetched, source, group, language, rel, themes in conn.execute(
        "select published_at, fetched_at, source, source_group, language, relevant, themes "
        "from articles"
    ):
        try:
            keys = {t for t in json.loads(themes or "[]") if isinstance(t, str)}
        except ValueError:
            keys = set()
        for basis, day in (("published", published or fetched), ("fetched", fetched)):
            for theme in {"", *keys}:
                key = (basis, (day or "")[:10], source or "", group or "", language or "", theme)
                articles[key] += 1
                relevant[key] += rel == 1
    return {key: (n, relevant[key]) for key, n in articles.items()}
