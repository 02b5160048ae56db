"""The archive's migrations from m016 on, in order (:mod:`storage.migrations` has the rules)."""

from __future__ import annotations

import sqlite_utils

from storage.daily_counts import create_daily_counts
from storage.migrations.registry import migrations
from storage.search import create_search_table


@migrations()
def m016_article_versions(db: sqlite_utils.Database) -> None:
    # Revisits (storage/revisits.py, crawler/revisits/): relevant articles fetched again.
    #   article_versions  one row per version of an article, never updated: version 1 is what
    #                     was first archived (written when the first change is seen), each
    #                     later one a change (its kinds, a word-level diff against the one
    #                     before) or a removal / restoration; WARC pointer of its capture
    #   article_revisits  per article: revisits done, when the next is due, the validators
    #                     of the last fetch (ETag, Last-Modified), a removal awaiting its
    #                     confirmation, the current state
    versions = db.table("article_versions")
    versions.create(
        {
            "id": int,
            "article_id": int,
            "version": int,
            "fetched_at": str,
            "http_status": int,
            "url": str,
            "title": str,
            "text": str,
            "author": str,
            "authors": str,
            "published_at": str,
            "changes": str,
            "diff_summary": str,
            "diff": str,
            "share_changed": float,
            "words_added": int,
            "words_removed": int,
            "warc_filename": str,
            "warc_record_offset": int,
            "warc_record_length": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    versions.create_index(["article_id", "version"], unique=True, if_not_exists=True)
    versions.create_index(["fetched_at"], if_not_exists=True)
    revisits = db.table("article_revisits")
    revisits.create(
        {
            "article_id": int,
            "url": str,
            "revisits": int,
            "next_due_at": str,
            "last_revisit_at": str,
            "last_status": int,
            "last_outcome": str,
            "last_error": str,
            "etag": str,
            "last_modified": str,
            "state": str,
            "removal_seen_at": str,
            "removal_status": int,
            "removal_reason": str,
            "removed_at": str,
        },
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    revisits.create_index(["next_due_at"], if_not_exists=True)
    revisits.create_index(["state"], if_not_exists=True)


@migrations()
def m017_saved_alerts_and_mutes(db: sqlite_utils.Database) -> None:
    # Alerts saved from the web pages (storage/saved_alerts.py), run beside those of
    # alerts.toml, and mutes: a source or a term hidden from the front page, the digest
    # and the alerts. With them, the index that lets attention over time for a search
    # (storage/attention.py) count a day's articles per language and source group without
    # reading their text: 645 -> 55 ms for a year of 100,000 articles.
    db.table("saved_alerts").create(
        {
            "name": str, "query": str, "frequency": str, "email": str, "webhook": str,
            "created_by": str, "created_at": str,
        },
        pk="name", not_null={"query", "frequency", "created_at"}, if_not_exists=True,
    )  # fmt: skip
    db.table("mutes").create(
        {"id": int, "kind": str, "value": str, "created_by": str, "created_at": str},
        pk="id", not_null={"kind", "value", "created_at"}, if_not_exists=True,
    )  # fmt: skip
    db.table("mutes").create_index(["kind", "value"], unique=True, if_not_exists=True)
    db.table("articles").create_index(
        ["published_at", "fetched_at", "language", "source_group"],
        index_name="articles_day_slices",
        if_not_exists=True,
    )


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


@migrations()
def m019_daily_counts(db: sqlite_utils.Database) -> None:
    # Articles counted per day x source x language x theme (storage/daily_counts.py), kept
    # exact by triggers on articles: the dashboard's charts and the front page's counts
    # read a few thousand rows of it instead of every article of the period.
    create_daily_counts(db)
    # With them, the lists filtered on one column (a facet clicked: ?language=zh,
    # ?relevant=1, ?source=..., ?source_group=...): an index per column that holds what the
    # facets count and the default order reads, so neither reads the matching articles'
    # rows (their text comes first); it replaces the index on that column alone.
    counted = ["source", "source_group", "language", "relevant", "themes", "published_at"]
    for column, replaced in (
        ("language", "idx_articles_language"),
        ("relevant", "idx_articles_relevant_relevance"),
        ("source", "idx_articles_source"),
        ("source_group", "idx_articles_source_group"),
    ):
        rest = [c for c in counted if c != column]
        db.table("articles").create_index(
            [column, "relevance", *rest], index_name=f"articles_{column}_list", if_not_exists=True
        )
        db.execute(f"drop index if exists {replaced}")
    # stories?source_count__gte=2: its facets from one index; the indexes of m018 on
    # first_source and date(first_seen) made SQLite scan them whole (reading each story)
    # rather than the stories that spread.
    db.table("stories").create_index(
        ["source_count", "first_source", "first_seen", "languages"],
        index_name="stories_source_count_list",
        if_not_exists=True,
    )
    for replaced in (
        "idx_stories_source_count", "idx_stories_first_source", "idx_stories_first_day",
        "idx_stories_languages",
    ):  # fmt: skip
        db.execute(f"drop index if exists {replaced}")


@migrations()
def m020_search_size(db: sqlite_utils.Database) -> None:
    # The search index without its copy of every text (issue 32: <= 15 KB an article; it
    # held title and text segmented plus the Han bigrams, ~10 KB an article, 60 % of the
    # file at 100,000 articles): articles_search becomes an FTS5 table of external content,
    # the view articles_search_source, which segments articles through SQL functions every
    # connection of ours registers (storage/search.py); triggers on articles tell it what
    # to forget when a title or text changes or an article goes. The index is built again
    # from articles, in this migration's transaction (an interrupted run leaves the old
    # one); the pages the old copy held are free pages until the file is vacuumed.
    create_search_table(db)
    # Two indexes of m001 that longer ones begin with: fetched_at (m018's fetched_at,
    # relevant, source_group, themes) and published_at (m017's articles_day_slices).
    for redundant in ("idx_articles_fetched_at", "idx_articles_published_at"):
        db.execute(f"drop index if exists {redundant}")


@migrations()
def m021_scale_reads(db: sqlite_utils.Database) -> None:
    # The stories table's facets of first_source and languages over every story: each from
    # an index of its own that also holds source_count, so the stories that spread
    # (?source_count__gte=2) are counted there too without reading a story (why m019 dropped
    # the indexes on those columns alone). The unfiltered stories table at 100,000 articles:
    # 712 -> 323 ms (tests/bench/archive_scale.py).
    stories = db.table("stories")
    for column in ("first_source", "languages"):
        stories.create_index(
            [column, "source_count"], index_name=f"stories_{column}_count", if_not_exists=True
        )


SEARCH_ROWS = (
    "search_id", "id", "relevance", "source", "source_group", "language", "relevant",
    "themes", "published_at", "date(published_at)", "fetched_at",
)  # fmt: skip


@migrations()
def m022_search_rows(db: sqlite_utils.Database) -> None:
    # The articles table's own search box (?_search=) at a million articles (issue 32):
    # Datasette asks for the matches as `id in (select rowid from articles_search ...)`,
    # and SQLite answers `id = ?` from the table itself, one row of ~6 KB (text, overflow
    # pages) per match, for the page, its count and each facet: a word in 14 % of the
    # articles took 2.5-4.8 s. `search_id` is the id again, a virtual column (stored
    # nowhere; SELECT * shows it), that the search box asks on instead (metadata fts_pk),
    # and this index on it holds what the page sorts on and the facets count: the count and
    # facets read the index alone, the page its sort key and then the 51 rows it shows (id
    # is in it, second: else, sorted on id, SQLite reads every match's row for its rowid).
    # At a million articles, "heritage" (141,790 matches): the page's query 577 -> 198 ms,
    # its count 243 -> 111 ms, sorted on published_at or fetched_at ~200 ms, on id 24 ->
    # 209 ms (the one read this makes slower: `id in` walked the matches in id order).
    columns = {row[1] for row in db.execute("pragma table_xinfo(articles)")}
    if "search_id" not in columns:
        db.execute(
            "alter table articles add column search_id integer generated always as (id) virtual"
        )
    db.execute(
        f"create index if not exists articles_search_rows on articles ({', '.join(SEARCH_ROWS)})"
    )
