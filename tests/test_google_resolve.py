"""Google News links of the current format resolved to the publisher, end to end on loopback.

A stand-in for Google News (``support/gnews.py``: the RSS search, the article pages and the
decoding endpoint, in Google's formats, with synthetic ids and pages of the project's own)
and the synthetic news site as the publisher. ``culturewatch crawl`` runs in a subprocess;
assertions are on the archive and on what the stand-in was asked.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browse_helpers import browse_server, get_json, url
from support import FixtureServer, build_news_site, crawl_cli, write_settings, write_sources
from support.gnews import GoogleNewsStandIn, Story, article_page, current_id, decoding_answer

from crawler.kinds.google_links import (
    article_id,
    batchexecute_body,
    is_current_format,
    parse_batchexecute,
    parse_signature,
    signature_page_url,
)
from crawler.kinds.google_news import decode_google_news_url

DELAY = 0.4  # google_news.resolve_delay of the crawl


def test_the_steps_on_recorded_formats() -> None:
    story = Story("Pub0001", "A title", "Pub", "https://pub.example", "https://pub.example/a/1")
    link = f"https://news.google.com/rss/articles/{story.id}?oc=5"
    assert story.id.startswith("CBMi") and article_id(link) == story.id
    assert is_current_format(story.id) and decode_google_news_url(link) is None
    assert not is_current_format("not-base64!") and not is_current_format(current_id("")[:4])
    page = signature_page_url(link, "https://news.google.com/rss/search?q=x&hl=zh-CN&gl=CN")
    parts = urlsplit(page)
    assert parts.path == f"/rss/articles/{story.id}"
    assert parse_qs(parts.query) == {"hl": ["zh-CN"], "gl": ["CN"], "ceid": ["US:en"]}
    assert parse_signature(article_page(story)) == (story.signature, str(story.timestamp))
    assert parse_signature(article_page(Story("x", "t", "p", "h", None, signed=False))) is None
    body = parse_qs(batchexecute_body(story.id, str(story.timestamp), story.signature))
    rpc = json.loads(body["f.req"][0])[0][0]
    assert rpc[0] == "Fbv4je" and json.loads(rpc[1])[2:] == [
        story.id,
        story.timestamp,
        story.signature,
    ]
    assert (
        parse_batchexecute(decoding_answer("https://pub.example/a/1")) == "https://pub.example/a/1"
    )
    assert parse_batchexecute(decoding_answer(None)) is None
    assert parse_batchexecute(")]}'\n\nnot json") is None


def rows(db: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.slow  # end-to-end crawls
def test_current_ids_resolve_to_the_publisher(tmp_path: Path) -> None:
    with FixtureServer(host="127.0.0.1") as publisher:
        site = build_news_site(publisher)
        nezha, wukong = site.article("nezha"), site.article("wukong")
        home = publisher.base_url
        stories = [
            Story("Nezha0001", nezha.title, "Lantern", home, nezha.url),
            Story("Wukong002", wukong.title, "Lantern", home, wukong.url),
            Story(
                "NoSign003",
                "A story behind a page with no signature",
                "Elsewhere",
                home,
                None,
                signed=False,
            ),  # fmt: skip
            Story("NoUrl0004", "A story Google cannot decode", "Elsewhere", home, None),
        ]
        with GoogleNewsStandIn(stories) as google:
            config = write_settings(
                tmp_path / "config", google_news={"resolve_delay": DELAY}
            ).parent
            sources = write_sources(
                tmp_path / "sources.toml",
                [
                    {
                        "name": "gnews",
                        "url": google.url("/rss/search"),
                        "kind": "google_news",
                        "query": "culture",
                    }
                ],
            )
            db = tmp_path / "archive.db"
            result = crawl_cli(config, sources, db, "--allow-private-networks")
            posts = google.requests("/_/DotsSplashUi/", method="POST")
            signature_pages = google.requests("/rss/articles/", method="GET")
            decoded = list(google.decoded)

    assert result.returncode == 0, result.stdout + result.stderr
    articles = {r["url"]: r for r in rows(db, "select url, source, title from articles")}
    assert set(articles) == {nezha.url, wukong.url}  # the publisher's URLs, not Google's
    assert all(r["source"] == "gnews" for r in articles.values())
    pages = {r["url"]: r for r in rows(db, "select * from pages")}
    link = {s.tag: f"{google.base_url}/rss/articles/{s.id}?oc=5" for s in stories}
    assert pages[link["Nezha0001"]]["outcome"] == "archived"
    assert pages[link["Nezha0001"]]["article_url"] == nezha.url
    # unresolved: the step that failed, and what the RSS said of the story, are kept
    for tag, step in (("NoSign003", "no signature"), ("NoUrl0004", "decoding endpoint")):
        row = pages[link[tag]]
        assert row["outcome"] == "unresolved" and step in row["error"], dict(row)
        story = next(s for s in stories if s.tag == tag)
        assert row["title"] == story.title and row["publisher"] == "Elsewhere"
        assert row["published_at"] == "2025-03-03T08:00:00+00:00"
    # the documented steps: the edition's article page, then one POST per signed id, with
    # that page's signature and timestamp
    assert all("hl=en-US" in h.path and "ceid=US%3Aen" in h.path for h in signature_pages)
    assert len(signature_pages) == 4 and len(posts) == 3
    signed = [s for s in stories if s.signed]
    assert sorted(decoded) == sorted((s.id, str(s.timestamp), s.signature) for s in signed)
    # a rate limit of its own: the resolving requests one at a time, DELAY apart
    times = sorted(h.time for h in [*signature_pages, *posts])
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= DELAY * 0.9, gaps
    # the analyst sees them in Datasette
    with browse_server(db) as server:
        shown = get_json(url(server, "/culturewatch/unresolved_google_news.json", _shape="array"))
    assert sorted(r["title"] for r in shown) == sorted(s.title for s in stories if not s.target)
    assert all(r["publisher"] == "Elsewhere" and r["published_at"] for r in shown)
