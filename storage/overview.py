"""What an archive holds, in a few figures: articles, relevant ones by theme and language,
the sources and the most amplified story (``culturewatch demo`` prints them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from storage.connection import reading

__all__ = ["Overview", "archive_overview"]


@dataclass(frozen=True)
class Overview:
    articles: int = 0
    relevant: int = 0
    themes: dict[str, int] = field(default_factory=dict)  # theme -> relevant articles
    languages: dict[str, int] = field(default_factory=dict)  # language -> relevant articles
    sources: dict[str, str] = field(default_factory=dict)  # name -> URL
    top_story: str | None = None  # title of the story carried by the most sources
    top_story_sources: int = 0


def archive_overview(path: str | os.PathLike[str]) -> Overview:
    """The :class:`Overview` of the archive at *path*; an empty one when there is no file
    or nothing was written yet. Raises :class:`sqlite3.Error` when it cannot be read."""
    if not Path(path).exists():
        return Overview()
    with reading(path) as db:
        tables = set(db.table_names())
        sources = (
            {r["name"]: r["url"] for r in db.query("select name, url from sources")}
            if "sources" in tables
            else {}
        )
        if "articles" not in tables:
            return Overview(sources=sources)
        total, relevant = db.execute(
            "select count(*), coalesce(sum(relevant), 0) from articles"
        ).fetchone()
        themes = {
            r["theme"]: r["n"]
            for r in db.query(
                "select t.value as theme, count(*) as n from articles a, json_each(a.themes) t "
                "where a.relevant = 1 and json_valid(a.themes) group by t.value "
                "order by n desc, theme"
            )
        }
        languages = {
            r["language"]: r["n"]
            for r in db.query(
                "select coalesce(language, '?') as language, count(*) as n from articles "
                "where relevant = 1 group by 1 order by n desc, language"
            )
        }
        story = None
        if "stories" in tables:
            story = db.execute(
                "select title, source_count from stories where source_count > 1 "
                "order by source_count desc, article_count desc, id limit 1"
            ).fetchone()
    return Overview(
        articles=total,
        relevant=relevant,
        themes=themes,
        languages=languages,
        sources=sources,
        top_story=story[0] if story else None,
        top_story_sources=story[1] if story else 0,
    )
