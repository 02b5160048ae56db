"""Stories written straight into an archive, for the tests of what reads them (the digest,
Datasette), without the grouping that fills them during a crawl.

:func:`assign_stories` makes each given group of URLs one story and every other article a
story of its own, with the ``stories`` row the grouping would write: the first copy's title,
source and URL, the outlets in the order they first carried it, and the spread in hours.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

__all__ = ["assign_stories"]


def assign_stories(db: Path, groups: Iterable[Sequence[str]] = ()) -> dict[str, int]:
    """Group the articles of *db* into stories: each of *groups* (article URLs) is one, every
    other article a story of one. Returns URL -> story id (the id of its first article)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "select id, url, title, source, fetched_at, language from articles"
        ).fetchall()
        by_url = {r[1]: r for r in rows}
        story_of: dict[str, list[tuple]] = {}
        grouped = set()
        for group in groups:
            members = [by_url[u] for u in group]
            grouped.update(group)
            story_of[group[0]] = members
        for row in rows:
            if row[1] not in grouped:
                story_of[row[1]] = [row]
        with conn:
            conn.execute("delete from stories")
            out = {}
            for members in story_of.values():
                members = sorted(members, key=lambda r: (_when(r[4]), r[0]))
                story_id = min(r[0] for r in members)
                sources = list(dict.fromkeys(r[3] for r in members))
                first_by_source = {}
                for r in members:
                    first_by_source.setdefault(r[3], _when(r[4]))
                first = members[0]
                spread = (max(first_by_source.values()) - _when(first[4])).total_seconds() / 3600
                languages = sorted({r[5] for r in members if r[5]})
                conn.execute(
                    "insert into stories (id, title, first_seen, first_source, first_url, "
                    "last_seen, article_count, source_count, languages, sources, spread_hours) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        story_id, first[2], first[4], first[3], first[1], members[-1][4],
                        len(members), len(sources), json.dumps(languages),
                        json.dumps(sources, ensure_ascii=False), round(spread, 2),
                    ],
                )  # fmt: skip
                for r in members:
                    conn.execute("update articles set story_id = ? where id = ?", [story_id, r[0]])
                    out[r[1]] = story_id
        return out
    finally:
        conn.close()


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)
