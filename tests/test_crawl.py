"""End to end: `culturewatch crawl` (real CLI, real Scrapy engine) against the fixture site."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import FixtureServer, Route, build_news_site, write_settings, write_sources

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # end-to-end crawls, one of them module-scoped and shared


def crawl(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of every listing of the fixture site, then a second one."""
    tmp = tmp_path_factory.mktemp("crawl")
    config = tmp / "config"
    write_settings(config)
    shutil.copy(REPO / "config" / "themes.toml", config / "themes.toml")
    with FixtureServer(host="127.0.0.1") as srv:
        site = build_news_site(srv)
        entries = [
            {"name": f"site-{fmt}", "url": url, "kind": "feed"} for fmt, url in site.feeds.items()
        ]
        entries += [
            {"name": "site-news", "url": site.sitemaps["news"], "kind": "sitemap"},
            {"name": "site-index", "url": site.sitemaps["index"], "kind": "sitemap"},
            {"name": "site-private", "url": site.disallowed_feed, "kind": "feed"},
            {"name": "dead", "url": "http://127.0.0.1:9/feed.xml", "kind": "feed"},
            {"name": "off", "url": "http://127.0.0.1:9/off.xml", "kind": "feed", "enabled": False},
        ]
        sources = write_sources(tmp / "sources.toml", entries)
        db = tmp / "archive.db"
        args = ("--config", config, "--sources", sources, "--db", db, "--allow-private-networks")
        first = crawl(*args)
        first_log = list(srv.log)
        second = crawl(*args)
        second_log = srv.log[len(first_log) :]
        yield {
            "site": site,
            "db": db,
            "first": first,
            "second": second,
            "srv": srv,
            "first_log": first_log,
            "second_log": second_log,
            "args": args,
        }


def test_crawl_exits_0_and_prints_a_summary(crawled):
    out = crawled["first"]
    assert out.returncode == 0, out.stderr
    assert "crawl finished" in out.stdout
    assert "failed source dead" in out.stdout
    assert "failed source site-private" in out.stdout


def test_every_article_is_archived_once_under_its_canonical_url(crawled):
    site, db = crawled["site"], crawled["db"]
    archived = dict(rows(db, "select url, title from articles"))
    assert set(archived) == set(site.articles)
    for info in site.articles.values():
        title, text, language = rows(
            db, "select title, text, language from articles where url = ?", info.url
        )[0]
        assert title == info.title
        assert info.phrase in text
        assert language == info.language


def test_contract_columns_are_filled(crawled):
    db = crawled["db"]
    for _url, source, published, fetched in rows(
        db, "select url, source, published_at, fetched_at from articles"
    ):
        assert source.startswith("site-")
        assert published and published[:4].isdigit()
        assert fetched.endswith("+00:00")
    raw = rows(db, "select count(*) from articles where warc_filename is not null")[0][0]
    assert raw == len(crawled["site"].articles)


def test_relevance_is_scored_in_the_pipeline(crawled):
    site, db = crawled["site"], crawled["db"]
    for info in site.articles.values():
        relevance, relevant, themes, evidence = rows(
            db, "select relevance, relevant, themes, evidence from articles where url = ?", info.url
        )[0]
        assert 0 <= relevance <= 1
        assert bool(relevant) == info.relevant_expected, (info.key, relevance, evidence)
        if relevant:
            assert json.loads(themes)
            assert (
                rows(
                    db,
                    "select count(*) from article_themes a join articles b on a.article_id = b.id where b.url = ?",
                    info.url,
                )[0][0]
                >= 1
            )


def test_robots_txt_is_obeyed(crawled):
    private = [
        h for h in crawled["first_log"] + crawled["second_log"] if h.path.startswith("/private/")
    ]
    assert private == []
    error = rows(crawled["db"], "select last_error from sources where name = 'site-private'")[0][0]
    assert "robots.txt" in error


def test_redirect_404_and_non_html_are_recorded_not_archived(crawled):
    site, db = crawled["site"], crawled["db"]
    pages = {
        url: (outcome, status, article)
        for url, outcome, status, article in rows(
            db, "select url, outcome, http_status, article_url from pages"
        )
    }
    # archived through the redirect, or a duplicate when another listing got there first
    assert pages[site.redirect_from][0] in ("archived", "duplicate")
    assert pages[site.redirect_from][2] == site.redirect_to
    assert pages[site.missing][:2] == ("gone", 404)
    assert pages[site.not_html][0] == "not_html"
    archived = {u for (u,) in rows(db, "select url from articles")}
    assert not {site.redirect_from, site.missing, site.not_html} & archived


def test_tracking_parameters_and_rel_canonical_do_not_duplicate(crawled):
    site, db = crawled["site"], crawled["db"]
    urls = [u for (u,) in rows(db, "select url from articles")]
    assert not any("utm_" in u or "#" in u for u in urls)
    assert site.canonical_to in urls and site.canonical_from not in urls
    wukong = site.article("wukong").url
    assert urls.count(wukong) == 1


def test_failed_sources_are_recorded_and_the_crawl_goes_on(crawled):
    db = crawled["db"]
    state = {
        name: (status, failures)
        for name, status, failures in rows(
            db, "select name, last_status, failures_in_row from sources"
        )
    }
    assert state["dead"] == ("failed", 2)  # two crawls, two failures in a row
    assert state["site-rss2"][1] == 0
    assert rows(db, "select last_attempt_at from sources where name = 'off'") == [(None,)]
    run = rows(
        db, "select status, new, sources_failed, errors, relevant from runs order by id limit 1"
    )[0]
    # an article reached by two listings or spiders is counted, and scored, once
    assert run[4] == len(crawled["site"].relevant)
    assert run[0] == "finished" and run[1] == len(crawled["site"].articles) and run[2] == 2
    assert "dead" in json.loads(run[3])


def test_second_crawl_fetches_no_article_and_adds_no_row(crawled):
    site, db = crawled["site"], crawled["db"]
    article_paths = {info.path for info in site.articles.values()}
    refetched = [h.path for h in crawled["second_log"] if h.path.split("?")[0] in article_paths]
    assert refetched == []
    rss2 = [h for h in crawled["second_log"] if site.feeds["rss2"].endswith(h.path)]
    assert rss2 and rss2[0].status == 304  # conditional GET
    assert rows(db, "select count(*) from articles")[0][0] == len(site.articles)
    second = rows(db, "select status, new from runs order by id desc limit 1")[0]
    assert second == ("finished", 0)
    assert "not modified" in crawled["second"].stdout


def test_new_item_in_a_listing_is_fetched_on_the_next_crawl(crawled, tmp_path):
    srv, db = crawled["srv"], crawled["db"]
    before = rows(db, "select count(*) from articles")[0][0]
    path = "/extra/late-story.html"
    body = "<p>" + " ".join(["A late story about a cultural festival abroad."] * 12) + "</p>"
    srv.routes[path] = Route(
        f"<html lang='en'><head><title>Late story</title></head><body><article>{body * 3}</article></body></html>"
    )
    srv.routes["/late.xml"] = Route(
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item><title>Late</title>"
        f"<link>{srv.url(path)}</link></item></channel></rss>",
        content_type="application/rss+xml",
    )
    sources = write_sources(
        tmp_path / "late.toml", [{"name": "late", "url": srv.url("/late.xml"), "kind": "feed"}]
    )
    args = list(crawled["args"])
    args[args.index("--sources") + 1] = sources
    assert crawl(*args).returncode == 0
    assert rows(db, "select count(*) from articles")[0][0] == before + 1


def test_private_network_is_refused_without_the_flag(tmp_path, tmp_config):
    with FixtureServer(host="127.0.0.1") as srv:
        site = build_news_site(srv)
        for host in ("127.0.0.1", "localhost"):  # an address, and a name resolving to one
            url = site.feeds["rss2"].replace("127.0.0.1", host)
            sources = write_sources(
                tmp_path / f"{host}.toml", [{"name": "s", "url": url, "kind": "feed"}]
            )
            db = tmp_path / f"{host}.db"
            result = crawl("--config", tmp_config, "--sources", sources, "--db", db)
            assert result.returncode == 69  # the only source was not reached (issue 29)
            assert "private network address" in result.stderr
            error = rows(db, "select last_error from sources where name = 's'")[0][0]
            assert "private network address" in error
        assert srv.log == []


def test_retry_after_is_honoured_then_the_page_is_recorded_as_failed(tmp_path):
    tmp_config = tmp_path / "config"
    write_settings(tmp_config, **{"crawl.page_retry_spacing": 0})  # due again at once
    with FixtureServer(host="127.0.0.1") as srv:
        srv.routes["/busy.html"] = Route("busy", status=503, headers={"Retry-After": "1"})
        srv.routes["/feed.xml"] = Route(
            "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item><title>b</title>"
            f"<link>{srv.url('/busy.html')}</link></item></channel></rss>",
            content_type="application/rss+xml",
        )
        sources = write_sources(
            tmp_path / "s.toml", [{"name": "s", "url": srv.url("/feed.xml"), "kind": "feed"}]
        )
        db = tmp_path / "a.db"
        crawl("--config", tmp_config, "--sources", sources, "--db", db, "--allow-private-networks")
        busy = srv.requests("/busy.html")
        assert len(busy) == 2  # retry_times = 1 in the test settings
        assert busy[1].time - busy[0].time >= 0.95  # the retry waited for Retry-After
        assert rows(db, "select outcome, http_status from pages") == [("failed", 503)]
        # a failed page is retried by the next crawl
        crawl("--config", tmp_config, "--sources", sources, "--db", db, "--allow-private-networks")
        assert len(srv.requests("/busy.html")) == 4
