"""The digest as data (``YYYY-MM-DD.json``): ``date``, ``articles``, ``stories`` and the
chart's numbers.

``articles`` lists every article of the day (the contract: ``url``, ``title``, ``source``,
``published_at``, ``relevance``, ``themes`` and more, with its ``story_id``); ``stories`` lists
one entry per story, ranked as its best copy (``number`` is its place in the digest's
sections): its outlets, the spread and every copy's URL.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from storage.outputs.view import AVERAGE_DAYS, LABELLED_DAYS, Digest

__all__ = ["render_json"]


def render_json(digest: Digest) -> str:
    data = {
        "date": digest.name,
        "timezone": digest.timezone,
        "max_age_days": digest.max_age_days,
        "updated": digest.updated,
        "count": len(digest.entries),
        "story_count": len(digest.stories),
        "theme_counts": [
            {
                "theme": row.theme,
                "label": row.label,
                "count": row.count,
                "stories": row.stories,
                f"average_previous_{AVERAGE_DAYS}_days": row.average,
            }
            for row in digest.theme_counts
        ],
        "groups": [
            {"group": g.group, "label": g.label, "count": g.count} for g in digest.group_counts
        ],
        "daily": [{"date": d.day.isoformat(), "counts": d.counts} for d in digest.daily],
        "chart": f"{digest.name}.png",
        "labelled_precision": (
            None if digest.labelled is None else {"days": LABELLED_DAYS, **asdict(digest.labelled)}
        ),
        "articles": [
            {
                "url": e.url,
                "title": e.title,
                "source": e.source,
                "group": e.group,
                "published_at": e.published_at,
                "fetched_at": e.fetched_at,
                "language": e.language,
                "relevance": e.relevance,
                "themes": list(e.themes),
                "theme": e.theme,
                "extract": e.extract,
                "evidence": e.evidence,
                "published": e.published,
                "story_id": e.story_id,
            }
            for e in digest.entries
        ],
        "stories": [
            {
                "number": s.number,
                "id": s.id,
                "title": s.title,
                "theme": s.theme,
                "themes": list(s.themes),
                "first_source": s.first.source,
                "first_seen": s.first.seen,
                "first_basis": s.first.basis,
                "first_url": s.first.url,
                "outlets": s.outlets,
                "sources": [c.source for c in s.carriers],
                "spread_hours": s.spread_hours,
                "best_url": s.best.url,
                "also_carried_by": [{"source": c.source, "url": c.url} for c in s.also],
                "articles": list(s.urls),
            }
            for s in digest.stories
        ],
    }
    if digest.changes:  # only when a revisit saw a change that day
        data["changes"] = [
            {
                "url": c.url,
                "title": c.title,
                "source": c.source,
                "kinds": list(c.kinds),
                "summary": c.summary,
                "seen": c.seen,
            }
            for c in digest.changes
        ]
    if digest.attention:  # only when a source needs attention: the usual digest is unchanged
        data["sources_needing_attention"] = [
            {"name": f.name, "reason": f.reason} for f in digest.attention
        ]
    failing = digest.failing
    if failing and failing.count:  # only when sources fail: the usual digest is unchanged
        data["failing_sources"] = {
            "count": failing.count,
            "of": failing.enabled,
            "every": failing.every,
            "since": failing.since,
            "names": list(failing.names),
            "source_health": digest.health_page,
        }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
