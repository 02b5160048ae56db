"""The digest as data (``YYYY-MM-DD.json``): ``date``, ``articles`` and the chart's numbers."""

from __future__ import annotations

import json

from storage.digest.view import AVERAGE_DAYS, Digest

__all__ = ["render_json"]


def render_json(digest: Digest) -> str:
    data = {
        "date": digest.name,
        "timezone": digest.timezone,
        "max_age_days": digest.max_age_days,
        "updated": digest.updated,
        "count": len(digest.entries),
        "theme_counts": [
            {
                "theme": row.theme,
                "label": row.label,
                "count": row.count,
                f"average_previous_{AVERAGE_DAYS}_days": row.average,
            }
            for row in digest.theme_counts
        ],
        "daily": [{"date": d.day.isoformat(), "counts": d.counts} for d in digest.daily],
        "chart": f"{digest.name}.png",
        "articles": [
            {
                "url": e.url,
                "title": e.title,
                "source": e.source,
                "published_at": e.published_at,
                "fetched_at": e.fetched_at,
                "language": e.language,
                "relevance": e.relevance,
                "themes": list(e.themes),
                "theme": e.theme,
                "extract": e.extract,
                "evidence": e.evidence,
                "published": e.published,
            }
            for e in digest.entries
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
