"""robots.txt remembered across crawls: a recrawl of an unchanged feed is one conditional
request; after ``politeness.robots_txt_max_age`` the host is asked again."""

from __future__ import annotations

import time

import pytest
from support import FixtureServer, Route, write_settings, write_sources
from test_faults import crawl, news_site, rows

pytestmark = pytest.mark.slow  # end-to-end crawls


def _site(tmp_path, srv, max_age):
    news_site(srv, 3)
    srv.routes["/robots.txt"] = Route(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    config = tmp_path / "config"
    write_settings(config, politeness={"robots_txt_max_age": max_age})
    sources = write_sources(
        tmp_path / "s.toml", [{"name": "s", "url": srv.url("/feed.xml"), "kind": "feed"}]
    )
    return config, sources, tmp_path / "a.db"


def test_a_recrawl_of_an_unchanged_feed_is_one_conditional_request(tmp_path):
    with FixtureServer() as srv:
        config, sources, db = _site(tmp_path, srv, 86400)
        first = crawl(config, sources, db)
        assert first.returncode == 0, first.stdout + first.stderr
        assert srv.hits("/robots.txt") == 1
        assert rows(db, "select host, status from robots_txt") == [(srv.base_url, 200)]
        srv.clear_log()
        second = crawl(config, sources, db)
        assert second.returncode == 0, second.stdout + second.stderr
        assert [(h.path, h.status) for h in srv.log] == [("/feed.xml", 304)]
        assert "if-none-match" in srv.log[0].headers
        # the remembered rules still apply: a listed page they forbid is not fetched
        srv.routes["/private/x.html"] = srv.routes["/news/0.html"]
        srv.routes["/feed.xml"].body = srv.routes["/feed.xml"].body.replace(  # type: ignore[union-attr]
            srv.url("/news/0.html"), srv.url("/private/x.html")
        )
        srv.routes["/feed.xml"].etag = "v2"
        srv.clear_log()
        third = crawl(config, sources, db)
        assert third.returncode == 0, third.stdout + third.stderr
        assert srv.hits("/robots.txt") == 0 and srv.hits("/private/") == 0
        (outcome,) = rows(
            db, "select outcome from pages where url = ?", srv.url("/private/x.html")
        )[0]
        assert outcome == "refused"


def test_robots_txt_older_than_its_max_age_is_fetched_again(tmp_path):
    with FixtureServer() as srv:
        config, sources, db = _site(tmp_path, srv, 1)
        crawl(config, sources, db)
        time.sleep(1.5)
        srv.clear_log()
        crawl(config, sources, db)
        assert srv.hits("/robots.txt") == 1
