"""Kind ``site``: discovery of an outlet's listing from its page, remembered, re-discovered.

Three synthetic outlets, each the project's news site on a loopback server of its own: one
advertises its feed only with ``<link rel="alternate">``, one names its news sitemap only in
robots.txt, one has no feed or sitemap at all (its home page's article links are the
listing). ``culturewatch crawl`` runs twice in a subprocess; assertions are on the archive
and on what each server was asked.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support import FixtureServer, Route, build_news_site, crawl_cli, write_settings, write_sources

from crawler.listings.discovery import (
    FEED_PATHS,
    article_links,
    feed_candidates,
    read_listing,
    robots_sitemaps,
)

NO_SITEMAPS = "User-agent: *\nDisallow: /private/\n"


def home(alternate: str | None, links: list[str] = ()) -> str:
    head = (
        f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{alternate}">'
        if alternate
        else ""
    )
    anchors = "".join(f'<li><a href="{link}">story</a></li>' for link in links)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Outlet</title>'
        f'{head}<link rel="stylesheet" href="/s.css"></head><body><nav><a href="/about">About'
        f'</a><a href="/tag/film">Film</a><a href="/page/2">More</a><a href="/login">Log in</a>'
        f"</nav><ul>{anchors}</ul></body></html>"
    )


def test_discovery_reads_pages_robots_and_listings() -> None:
    base = "http://outlet.example"
    page = home("/feeds/culture.xml", ["/2025/03/ne-zha-abroad.html", "/culture/a-b-c"]).encode()
    assert feed_candidates(page, base + "/") == [base + "/feeds/culture.xml"]
    # no alternate: links that look like feeds, comment feeds left out
    plain = b'<html><body><a href="/comments/feed">c</a><a href="/rss.xml">r</a></body></html>'
    assert feed_candidates(plain, base + "/") == [base + "/rss.xml"]
    assert article_links(page, base + "/") == [
        base + "/2025/03/ne-zha-abroad.html",
        base + "/culture/a-b-c",
    ]  # not /about, /tag/film, /page/2, /login, the stylesheet or other sites
    robots = (
        b"User-agent: *\nSitemap: /sitemap.xml # all\nSitemap: http://outlet.example/news.xml\n"
    )
    assert robots_sitemaps(robots, base + "/") == [base + "/news.xml", base + "/sitemap.xml"]
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Old</title><link>http://o/1</link><pubDate>Mon, 03 Mar 2025 08:00:00 GMT"
        b"</pubDate></item><item><title>New</title><link>http://o/2</link><pubDate>Tue, 04 Mar"
        b" 2025 08:00:00 GMT</pubDate></item></channel></rss>"
    )
    found = read_listing(rss, base + "/f", "text/xml", 10**6)
    assert found is not None and (found.kind, found.format, found.items) == ("feed", "rss20", 2)
    assert found.titles == ["New", "Old"]
    assert read_listing(page, base + "/", "text/html", 10**6) is None
    assert read_listing(b"not found", base + "/feed", "text/plain", 10**6) is None
    assert "feed" in FEED_PATHS


def outcomes(db: Path, source: str) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("select url, outcome from pages where source = ?", [source]))
    finally:
        conn.close()


def listing(db: Path, source: str) -> tuple[str, str, str | None]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "select kind, url, last_error from source_listings where source = ?", [source]
        ).fetchone()
    finally:
        conn.close()


@pytest.mark.slow  # end-to-end crawls
def test_site_sources_are_discovered_remembered_and_rediscovered(tmp_path: Path) -> None:
    config = write_settings(tmp_path / "config").parent
    db = tmp_path / "archive.db"
    with (
        FixtureServer() as alt_srv,
        FixtureServer() as robots_srv,
        FixtureServer() as links_srv,
    ):
        alt, robots, links = (build_news_site(s) for s in (alt_srv, robots_srv, links_srv))
        # the feed only through <link rel="alternate">: no sitemap, no feed link on the page
        alt_srv.routes["/robots.txt"] = Route(NO_SITEMAPS, content_type="text/plain")
        alt_srv.routes["/"] = Route(home("/feeds/rss2.xml"))
        # robots.txt names the sitemaps (the news one is chosen); the page has only links
        # no feed, no sitemap anywhere: the home page's own article links
        links_srv.routes["/robots.txt"] = Route(NO_SITEMAPS, content_type="text/plain")
        article_paths = [a.path for a in links.articles.values()]
        links_srv.routes["/"] = Route(home(None, article_paths))
        sources = write_sources(
            tmp_path / "sources.toml",
            [
                {"name": "alt", "url": alt_srv.url("/"), "kind": "site"},
                {"name": "robots", "url": robots_srv.url("/"), "kind": "site"},
                {"name": "links", "url": links_srv.url("/"), "kind": "site"},
            ],
        )
        first = crawl_cli(config, sources, db, "--allow-private-networks")
        private_hits = alt_srv.hits("/private/")
        first_alt = outcomes(db, "alt")

        # the feed moves: the old one is gone, the page now advertises the Atom feed
        alt_srv.routes["/feeds/rss2.xml"] = Route("gone", status=410, content_type="text/plain")
        alt_srv.routes["/"] = Route(home("/feeds/atom.xml"))
        for srv in (alt_srv, robots_srv, links_srv):
            srv.clear_log()
        second = crawl_cli(config, sources, db, "--allow-private-networks")
        robots_second = [h.path for h in robots_srv.log]
        alt_second = [h.path for h in alt_srv.log]

    assert first.returncode == 0, first.stdout + first.stderr
    assert "3 sources (3 ok" in first.stdout, first.stdout
    # the outlet that advertises its feed only with <link rel="alternate">: its articles
    expected = {u for u in alt.listed["rss2"] if u in alt.articles}
    assert {u for u, o in first_alt.items() if o in ("archived", "duplicate")} == expected
    assert first_alt[alt.missing] == "gone" and private_hits == 0  # robots.txt still obeyed
    assert listing(db, "robots")[:2] == ("sitemap", robots.sitemaps["news"])
    assert {u for u, o in outcomes(db, "robots").items() if o in ("archived", "duplicate")} == set(
        robots.listed["news"]
    )
    assert listing(db, "links")[:2] == ("links", links_srv.url("/"))
    assert set(outcomes(db, "links")) == set(links.articles)

    assert second.returncode == 0, second.stdout + second.stderr
    # re-discovered: the Atom feed is remembered now, and its new articles archived
    assert listing(db, "alt") == ("feed", alt.feeds["atom"], None)
    got = outcomes(db, "alt")
    assert {u for u in alt.listed["atom"] if u in alt.articles} <= set(got)
    assert "/feeds/rss2.xml" in alt_second and "/" in alt_second
    # remembered: the news sitemap is read directly, the page is not fetched again
    assert "/" not in robots_second and "/sitemap-news.xml" in robots_second


def test_discovery_follows_only_web_urls() -> None:
    from crawler.config import load_settings
    from crawler.crawl_settings import scrapy_settings
    from crawler.listings.discovery import article_links, feed_candidates, robots_sitemaps

    robots = (
        b"Sitemap: file:///etc/passwd\nSitemap: data:text/plain,x\n"
        b"Sitemap: ftp://a.example/s.xml\nSitemap: https://a.example/news-sitemap.xml\n"
    )
    assert robots_sitemaps(robots, "https://a.example") == ["https://a.example/news-sitemap.xml"]
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="file:///etc/x">'
        b'<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>'
        b'<a href="file:///2025/01/02/a-b-c.html">x</a>'
        b'<a href="/2025/01/02/a-b-c.html">y</a></body></html>'
    )
    assert feed_candidates(page, "https://a.example/") == ["https://a.example/rss.xml"]
    assert article_links(page, "https://a.example/") == ["https://a.example/2025/01/02/a-b-c.html"]
    # and Scrapy itself has no handler left for them
    shipped = load_settings(Path(__file__).resolve().parents[1] / "config")
    handlers = scrapy_settings(shipped)["DOWNLOAD_HANDLERS"]
    assert {handlers[s] for s in ("file", "data", "ftp", "s3")} == {None}
