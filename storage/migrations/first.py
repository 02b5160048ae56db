"""The archive's first migrations, m001 to m015 (:mod:`storage.migrations` has the rules)."""

from __future__ import annotations

import json

import sqlite_utils

from storage.groups import add_source_groups
from storage.labels import create_labels
from storage.migrations.registry import ARTICLE_COLUMNS, migrations
from storage.search import create_search_table, reindex_all


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    articles = db.table("articles")
    articles.create(ARTICLE_COLUMNS, pk="id", not_null={"url", "fetched_at"})
    articles.create_index(["url"], unique=True)
    articles.create_index(["fetched_at"])
    articles.create_index(["published_at"])
    articles.create_index(["source"])
    articles.create_index(["relevant", "relevance"])
    articles.create_index(["fingerprint"])
    article_themes = db.table("article_themes")
    article_themes.create(
        {"article_id": int, "theme": str, "score": float},
        pk=("article_id", "theme"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    article_themes.create_index(["theme", "score"])
    db.table("raw_html").create(
        {"url": str, "html_gz": bytes, "encoding": str, "content_type": str, "fetched_at": str},
        pk="url",
    )
    pages = db.table("pages")
    pages.create(
        {
            "url": str,
            "source": str,
            "outcome": str,
            "http_status": int,
            "article_url": str,
            "error": str,
            "fetched_at": str,
        },
        pk="url",
    )
    pages.create_index(["outcome"])
    db.table("sources").create(
        {
            "name": str,
            "url": str,
            "kind": str,
            "language": str,
            "enabled": int,
            "last_attempt_at": str,
            "last_success_at": str,
            "last_status": str,
            "last_error": str,
            "failures_in_row": int,
            "last_new": int,
        },
        pk="name",
    )
    db.table("http_validators").create(
        {"url": str, "source": str, "etag": str, "last_modified": str, "updated_at": str},
        pk="url",
    )
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "sources_ok": int,
            "sources_failed": int,
            "requests": int,
            "fetched": int,
            "new": int,
            "known": int,
            "relevant": int,
            "failed": int,
            "errors": str,
            "pid": int,
        },
        pk="id",
    )


@migrations()
def m002_scheduled_jobs(db: sqlite_utils.Database) -> None:
    # One row per job the scheduler ran (crawl or digest), whatever became of it.
    jobs = db.table("jobs")
    jobs.create(
        {
            "id": int,
            "job": str,
            "scheduled_for": str,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "exit_code": int,
            "run_id": int,
            "detail": str,
            "pid": int,
        },
        pk="id",
    )
    jobs.create_index(["job", "started_at"])


@migrations()
def m003_search_chinese(db: sqlite_utils.Database) -> None:
    # articles_search: title and text segmented for Chinese (jieba words when it was
    # written, every Han character since m014) plus Han bigrams, so that Chinese terms of
    # two characters are found (storage/search.py). Filled from the
    # existing articles; upsert_article keeps it in step, a trigger handles deletes.
    create_search_table(db)


@migrations()
def m004_browse_indexes(db: sqlite_utils.Database) -> None:
    # Datasette's facets on articles read only these columns: an index each keeps them
    # from reading every row past its text (tests/bench/canned_queries.py).
    db.table("articles").create_index(["language"], if_not_exists=True)
    db.table("articles").create_index(["themes"], if_not_exists=True)


@migrations()
def m005_page_retries(db: sqlite_utils.Database) -> None:
    # The give-up policy: how often a failing page was fetched, and when it may be again.
    db.table("pages").add_column("attempts", int)
    db.table("pages").add_column("retry_at", str)


@migrations()
def m006_stories(db: sqlite_utils.Database) -> None:
    # Stories: the copies of one story (syndicated, re-published with edits) grouped across
    # outlets. Every article belongs to exactly one story (a story of one is fine).
    #   stories            one row per story: its title and first copy, how far it spread
    #   articles.story_id  the story of each article
    #   story_signatures   each article's MinHash signature (pipelines/stories/signatures.py)
    #   story_bands        the LSH bands of the signatures: a new article's candidates are
    #                      found by an indexed lookup, so nothing is held in memory
    db.table("stories").create(
        {
            "id": int,
            "title": str,
            "first_seen": str,
            "first_source": str,
            "first_url": str,
            "last_seen": str,
            "article_count": int,
            "source_count": int,
            "languages": str,
            "sources": str,
            "spread_hours": float,
        },
        pk="id",
    )
    db.table("stories").create_index(["first_seen"])
    db.table("stories").create_index(["source_count"])
    db.table("articles").add_column("story_id", int)
    db.table("articles").create_index(["story_id"])
    db.table("story_signatures").create({"article_id": int, "minhash": bytes}, pk="article_id")
    db.table("story_bands").create(
        {"article_id": int, "band": int, "hash": int}, pk=("article_id", "band")
    )
    db.table("story_bands").create_index(["band", "hash"])
    # the articles already archived: a story of one each, until `culturewatch stories rebuild`
    db.execute(
        # the same rules as storage.stories.refresh_story: first seen when published (else
        # fetched), the primary language subtag, no source when there is none
        "insert into stories (id, title, first_seen, first_source, first_url, last_seen, "
        "article_count, source_count, languages, sources, spread_hours) "
        "select id, title, coalesce(published_at, fetched_at), source, url, "
        "coalesce(published_at, fetched_at), 1, source is not null, "
        "case when coalesce(trim(language), '') = '' then '[]' else json_array(lower("
        "substr(replace(trim(language), '_', '-'), 1, "
        "instr(replace(trim(language), '_', '-') || '-', '-') - 1))) end, "
        "case when source is null then '[]' else json_array(source) end, 0 from articles"
    )
    db.execute("update articles set story_id = id")


@migrations()
def m007_story_keys(db: sqlite_utils.Database) -> None:
    # The cross-language signal (pipelines/stories/crosslang.py, setting stories.cross_language):
    # per article what survives translation (theme concepts, numbers, Latin names) as a
    # JSON array, whether it is Chinese, and when it was first seen (published, else
    # fetched), indexed so that a new article reads only the other language's window.
    keys = db.table("story_keys")
    keys.create({"article_id": int, "chinese": int, "seen": str, "keys": str}, pk="article_id")
    keys.create_index(["chinese", "seen"])


@migrations()
def m008_article_authors(db: sqlite_utils.Database) -> None:
    # Metadata an analyst can trust (pipelines/extraction/metadata.py):
    #   authors            the authors as a JSON array, for Datasette's _facet_array=authors
    #   date_source        the evidence of published_at: jsonld, meta, time, url, feed, htmldate
    #   feed_published_at  the feed's or news sitemap's date, kept beside the page's
    # A fresh archive has them from m001 (ARTICLE_COLUMNS); an older one gets them here.
    articles = db.table("articles")
    have = set(articles.columns_dict)
    for column in ("authors", "date_source", "feed_published_at"):
        if column not in have:
            articles.add_column(column, str)
    # the authors already archived: their "; "-joined author string as a list
    rows = db.execute(
        "select id, author from articles where authors is null and coalesce(author, '') != ''"
    ).fetchall()
    for row_id, author in rows:
        names = [name.strip() for name in author.split(";") if name.strip()]
        db.execute(
            "update articles set authors = ? where id = ?",
            [json.dumps(names, ensure_ascii=False), row_id],
        )


@migrations()
def m009_source_groups(db: sqlite_utils.Database) -> None:
    # Source groups (storage/groups.py): sources.source_group from the `group` of
    # sources.toml, copied to articles.source_group by triggers (facets, dashboards).
    add_source_groups(db)


@migrations()
def m010_source_discovery(db: sqlite_utils.Database) -> None:
    # Sources that keep working (storage/listings.py, storage/health.py):
    #   source_listings   what the discovery of a `site` source found (its feed, sitemap or
    #                     the page's own article links) and whether it still works
    #   pages.title, published_at, publisher   what the listing said of a page that did not
    #                     become an article (a Google News item left unresolved)
    #   sources.first_attempt_at, flag, flagged_at   why a source needs attention
    db.table("source_listings").create(
        {
            "source": str,
            "site": str,
            "url": str,
            "kind": str,
            "format": str,
            "found_at": str,
            "last_ok_at": str,
            "last_failed_at": str,
            "last_error": str,
        },
        pk="source",
        if_not_exists=True,
    )
    for table, columns in (
        ("pages", ("title", "published_at", "publisher")),
        ("sources", ("first_attempt_at", "flag", "flagged_at")),
    ):
        have = set(db.table(table).columns_dict)
        for column in columns:
            if column not in have:
                db.table(table).add_column(column, str)
    db.execute(
        "update sources set first_attempt_at = coalesce((select min(fetched_at) from articles "
        "where articles.source = sources.name), last_attempt_at) where first_attempt_at is null"
    )


@migrations()
def m011_labels(db: sqlite_utils.Database) -> None:
    # The analysts' judgements (storage/labels.py): one row per label given, history kept;
    # the view current_labels keeps the latest of each person per article and theme.
    create_labels(db)


@migrations()
def m012_robots_txt(db: sqlite_utils.Database) -> None:
    # robots.txt per host (scheme://host:port), remembered across crawls for a bounded
    # time (politeness.robots_txt_max_age) so that a recrawl asks only for its listings
    # (storage/robots.py). status: the HTTP status it was fetched with (a 4xx is kept
    # with an empty body: everything allowed).
    db.table("robots_txt").create(
        {"host": str, "status": int, "body": bytes, "fetched_at": str}, pk="host"
    )


@migrations()
def m013_alerts(db: sqlite_utils.Database) -> None:
    # Alerts (config/alerts.toml, storage/alert_state.py): what each alert sent to each target.
    #   alert_sends  one row per message or webhook call: sending, then sent or failed
    #   alert_items  alert x target x article claimed by a send; a failed send's are freed
    #                unless it may have arrived (then sent again under the same id)
    db.table("alert_sends").create(
        {
            "id": str,
            "alert": str,
            "target": str,
            "status": str,
            "created_at": str,
            "sent_at": str,
            "attempts": int,
            "stories": int,
            "articles": int,
            "error": str,
        },
        pk="id",
    )
    db.table("alert_sends").create_index(["alert", "target", "created_at"])
    db.table("alert_items").create(
        {"alert": str, "target": str, "article_id": int, "send_id": str},
        pk=("alert", "target", "article_id"),
    )
    db.table("alert_items").create_index(["send_id"])


@migrations()
def m014_search_han_characters(db: sqlite_utils.Database) -> None:
    # articles_search: every Han character a token of its own (storage/search.py), where
    # m003 indexed jieba's words. Every article is indexed again, so that the queries of
    # this release (the phrase of a term's characters) find and mark it; then optimized.
    reindex_all(db)


@migrations()
def m015_warc_captures(db: sqlite_utils.Database) -> None:
    # Raw captures in WARC files beside the archive (storage/captures.py): each article
    # points at its response record (Common Crawl's index names). The pages an earlier
    # release kept in raw_html stay there until `culturewatch archive migrate` moves them
    # out (storage/raw_pages.py); a new archive, whose raw_html is empty, drops it now.
    articles = db.table("articles")
    have = set(articles.columns_dict)
    for column, kind in (
        ("warc_filename", str),
        ("warc_record_offset", int),
        ("warc_record_length", int),
    ):
        if column not in have:
            articles.add_column(column, kind)
    raw = db.table("raw_html")
    if raw.exists() and raw.count == 0:
        raw.drop()
