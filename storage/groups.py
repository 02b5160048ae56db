"""Source groups: what kind of outlet a source is (state media, Hong Kong and Taiwan, ...).

A source in ``sources.toml`` may have a ``group``, one of :data:`SOURCE_GROUPS` (the crawler
validates it). The archive keeps it in ``sources.source_group`` and, for facets and
dashboards on articles without a join, in ``articles.source_group``: triggers (created by
:func:`add_source_groups`, migration m009) copy a source's group to its articles when an
article is inserted and when the source's group changes, so no write path has to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["SOURCE_GROUPS", "add_source_groups", "group_label"]

# key -> label (digests and the front page show the label)
SOURCE_GROUPS: dict[str, str] = {
    "state_media": "State media",
    "hk_taiwan": "Hong Kong and Taiwan",
    "international": "International media",
    "trade_press": "Trade press",
    "think_tank": "Think tanks and research",
    "multilateral": "UN and UNESCO",
    "discovery": "Discovery searches",
}
UNGROUPED = "ungrouped"


def group_label(key: str | None) -> str:
    """The label of a group key; a key not (or no longer) known is shown as it is."""
    if not key:
        return "No group"
    return SOURCE_GROUPS.get(key, key)


_TRIGGERS = (
    # a new article takes its source's group
    "create trigger if not exists articles_source_group_ai after insert on articles "
    "begin update articles set source_group = "
    "(select source_group from sources where name = new.source) where id = new.id; end",
    # a source given a group (or another one) passes it to the articles it has
    "create trigger if not exists sources_group_ai after insert on sources "
    "when new.source_group is not null "
    "begin update articles set source_group = new.source_group where source = new.name; end",
    "create trigger if not exists sources_group_au after update of source_group on sources "
    "when new.source_group is not old.source_group "
    "begin update articles set source_group = new.source_group where source = new.name; end",
)


def add_source_groups(db: sqlite_utils.Database) -> None:
    """m009: ``sources.source_group``, ``articles.source_group`` (indexed) and the triggers
    that keep the second in step with the first. *db* is a :class:`sqlite_utils.Database`."""
    for table in ("sources", "articles"):
        if "source_group" not in db.table(table).columns_dict:
            db.table(table).add_column("source_group", str)
    db.execute("create index if not exists idx_articles_source_group on articles (source_group)")
    for sql in _TRIGGERS:
        db.execute(sql)
    db.execute(
        "update articles set source_group = "
        "(select s.source_group from sources s where s.name = articles.source) "
        "where source_group is not (select s.source_group from sources s "
        "where s.name = articles.source)"
    )
