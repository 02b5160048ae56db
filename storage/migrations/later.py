"""The archive's migrations from m016 on, in order (:mod:`storage.migrations` has the rules)."""

from __future__ import annotations

import sqlite_utils

from storage.migrations.registry import migrations


@migrations()
def m018_archive_scale(db: sqlite_utils.Database) -> None:
    # Reads that stay fast on a million articles (tests/bench/archive_scale.py). An article's
    # text is stored before the columns these read, so reading them row by row reads the
    # text on the way; indexes that hold what a page reads spare it:
    #   relevance            the articles table's default order (most relevant first)
    #   fetched_at, ...      the front page's and the dashboard's counts of the last days
    #   date(published_at)   the articles table's publication day facet (Datasette groups by it)
    #   source, fetched_at   a source's newest article (sources_needing_attention, `sources`)
    #   pages source, outcome  source_health's pages to retry and given up, per source (a scan
    #                        of pages per source ran past the 3 s limit at 100,000 pages)
    articles = db.table("articles")
    articles.create_index(["relevance"], if_not_exists=True)
    articles.create_index(["fetched_at", "relevant", "source_group", "themes"], if_not_exists=True)
    articles.create_index(["source", "fetched_at"], if_not_exists=True)
    db.table("pages").create_index(["source", "outcome"], if_not_exists=True)
    db.execute(
        "create index if not exists idx_articles_published_day on articles (date(published_at))"
    )
    #   stories              its facets: first day, languages (per distinct array), first source
    db.execute("create index if not exists idx_stories_first_day on stories (date(first_seen))")
    db.table("stories").create_index(["languages"], if_not_exists=True)
    db.table("stories").create_index(["first_source"], if_not_exists=True)
