"""``sources add``, a failing feed's check, and sources that need attention.

``sources add`` runs through the crawl's Scrapy stack (the check process); a fixture
server on loopback serves the synthetic news site. "Working" is proved by crawling the
file it wrote. Flags are read back from ``culturewatch sources``, the digest files and
the canned query of a real Datasette.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browse_helpers import browse_server, get_json, url
from click.testing import CliRunner
from support import FixtureServer, Route, build_news_site, crawl_cli, write_settings, write_sources

from crawler.cli import cli
from crawler.config import ConfigError, load_settings, load_sources
from storage.health import FlagRule, flag_reason

HEADER = "# My sources: kept as written.\n\n[[sources]]\nname = \"old\"  # a comment\nurl = \"http://127.0.0.1:9/feed.xml\"\nkind = \"feed\"\nenabled = false\n"  # fmt: skip


def add(config: Path, sources: Path, *args: str) -> object:
    return CliRunner().invoke(
        cli,
        ["sources", "add", *args, "--config", str(config), "--sources", str(sources)]
        + ["--allow-private-networks", "--timeout", "5"],
    )


@pytest.mark.slow  # end-to-end crawls
def test_sources_add_writes_working_entries(tmp_path: Path) -> None:
    config = write_settings(tmp_path / "config").parent
    sources = tmp_path / "sources.toml"
    sources.write_text(HEADER, encoding="utf-8")
    db = tmp_path / "archive.db"
    with FixtureServer() as feed_srv, FixtureServer() as map_srv, FixtureServer() as home_srv:
        feed_site, map_site, _home_site = (build_news_site(s) for s in (feed_srv, map_srv, home_srv))  # fmt: skip
        home_srv.routes["/"] = Route(
            '<html><head><link rel="alternate" type="application/atom+xml" '
            'href="/feeds/atom.xml"></head><body>Home</body></html>'
        )
        feed = add(config, sources, feed_site.feeds["rss2"], "--language", "en")
        sitemap = add(
            config,
            sources,
            map_site.sitemaps["news"],
            "--name",
            "lantern-news",
            "--group",
            "trade_press",
        )
        site = add(config, sources, home_srv.url("/"))
        again = add(config, sources, feed_site.feeds["rss2"] + "?")  # the same URL
        same_name = add(config, sources, feed_site.feeds["atom"], "--name", "lantern-news")
        written = sources.read_text(encoding="utf-8")
        nothing = add(config, sources, feed_srv.url("/no-such-page"))
        bad_language = add(config, sources, feed_site.feeds["atom"], "--language", "en_GB!")
        bad_group = add(config, sources, feed_site.feeds["atom"], "--group", "tabloids")
        crawl = crawl_cli(config, sources, db, "--allow-private-networks")

    assert feed.exit_code == 0, feed.output
    assert "rss20, 7 items" in feed.output and "latest: " in feed.output
    assert "added source" in sitemap.output and "(kind sitemap)" in sitemap.output
    assert site.exit_code == 0 and "(kind site)" in site.output, site.output
    assert "atom10" in site.output
    for refused, what in ((again, "URL"), (same_name, "name")):
        assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1
        assert f"has this {what}" in refused.output, refused.output
    assert nothing.exit_code == 1 and "nothing added" in nothing.output
    assert bad_language.exit_code == 2 and "--language" in bad_language.output
    assert bad_group.exit_code == 2 and "--group" in bad_group.output
    text = sources.read_text(encoding="utf-8")
    assert text == written and text.startswith(HEADER)  # comments kept, refusals wrote nothing
    assert text.count("# Added by `culturewatch sources add`") == 3
    entries = {s.name: s for s in load_sources(sources)}
    assert [(s.kind, s.url) for s in entries.values() if s.name != "old"] == [
        ("feed", feed_site.feeds["rss2"]),
        ("sitemap", map_site.sitemaps["news"]),
        ("site", home_srv.url("/")),
    ]
    assert entries["lantern-news"].verified and next(iter(entries.values())).name == "old"
    assert [s.language for s in entries.values()][1] == "en"
    assert [s.group for s in entries.values()][1:] == [None, "trade_press", None]
    # working: a crawl of the file it wrote brings articles from each added source
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    conn = sqlite3.connect(db)
    found = dict(
        conn.execute(
            "select source, count(*) from pages where outcome in ('archived', 'duplicate') "
            "group by source"
        ).fetchall()
    )
    conn.close()
    added = [name for name in entries if name != "old"]
    assert all(found.get(name, 0) >= 3 for name in added), found


def test_check_says_what_discovery_finds_for_a_failing_feed(tmp_path: Path) -> None:
    config = write_settings(tmp_path / "config").parent
    with FixtureServer() as srv:
        site = build_news_site(srv)
        srv.routes["/"] = Route(
            '<html><head><link rel="alternate" type="application/rss+xml" '
            'href="/feeds/rss2.xml"></head><body>Home</body></html>'
        )
        sources = write_sources(
            tmp_path / "sources.toml",
            [{"name": "moved", "url": srv.url("/feeds/old-culture.xml"), "kind": "feed"}],
        )
        result = CliRunner().invoke(
            cli,
            ["sources", "check", "--config", str(config), "--sources", str(sources)]
            + ["--allow-private-networks", "--timeout", "5"],
        )
    assert result.exit_code == 1, result.output
    line = next(ln for ln in result.output.splitlines() if "moved" in ln)
    assert line.startswith("FAIL") and "HTTP 404" in line
    assert (
        f"discovery at {srv.url('/')} now finds feed {site.feeds['rss2']} (rss20, 7 items)" in line
    )


def test_flag_rule() -> None:
    now = datetime(2025, 3, 10, tzinfo=UTC)
    rule = FlagRule(failed_crawls=3, quiet_days=7)
    ago = lambda days: (now - timedelta(days=days)).isoformat()  # noqa: E731
    facts = {"last_error": "HTTP 404", "last_new_at": ago(1), "first_attempt_at": ago(30)}
    assert flag_reason(rule, failures_in_row=2, now=now, **facts) is None
    assert flag_reason(rule, failures_in_row=3, now=now, **facts) == (
        "failed 3 crawls in a row: HTTP 404"
    )
    facts.update(last_new_at=ago(8))
    assert flag_reason(rule, failures_in_row=0, now=now, **facts) == "nothing new for 8 days"
    facts.update(last_new_at=None, first_attempt_at=ago(2))
    assert flag_reason(rule, failures_in_row=0, now=now, **facts) is None
    facts.update(first_attempt_at=ago(7))
    assert flag_reason(rule, failures_in_row=0, now=now, **facts) == "no article yet for 7 days"


def test_flag_settings_are_validated(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[flags]\nfailed_crawls = 0\n", encoding="utf-8")
    try:
        load_settings(tmp_path)
    except ConfigError as exc:
        assert "'flags.failed_crawls' must be at least 1" in str(exc)
        assert str(tmp_path / "settings.toml") in str(exc)
    else:
        raise AssertionError("flags.failed_crawls = 0 was accepted")


@pytest.mark.slow  # end-to-end crawls
def test_a_failing_source_is_flagged_everywhere(tmp_path: Path) -> None:
    config = write_settings(tmp_path / "config", flags={"failed_crawls": 1}).parent
    db = tmp_path / "archive.db"
    with FixtureServer() as srv:
        site = build_news_site(srv)
        sources = write_sources(
            tmp_path / "sources.toml",
            [
                {"name": "good", "url": site.feeds["rss2"], "kind": "feed"},
                {"name": "broken", "url": srv.url("/feeds/gone.xml"), "kind": "feed"},
            ],
        )
        crawl = crawl_cli(config, sources, db, "--allow-private-networks")
    assert crawl.returncode in (0, 1), crawl.stdout + crawl.stderr
    base = ["--config", str(config), "--sources", str(sources), "--db", str(db)]
    listing = CliRunner().invoke(cli, ["sources", *base])
    assert listing.exit_code == 0, listing.output
    broken = next(ln for ln in listing.output.splitlines() if "broken" in ln)
    assert "failed 1 crawl in a row" in broken
    assert "failed 1 crawl" not in next(ln for ln in listing.output.splitlines() if "good" in ln)
    assert "1 needing attention" in listing.output

    out = tmp_path / "digests"
    digest = CliRunner().invoke(
        cli, ["digest", "--config", str(config), "--db", str(db), "--out", str(out)]
    )
    assert digest.exit_code == 0, digest.output
    day = next(out.glob("*.json")).stem
    data = json.loads((out / f"{day}.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in data["sources_needing_attention"]] == ["broken"]
    markdown = (out / f"{day}.md").read_text(encoding="utf-8")
    assert "## Sources needing attention" in markdown and "- broken: failed 1 crawl" in markdown
    assert "Sources needing attention" in (out / f"{day}.html").read_text(encoding="utf-8")

    with browse_server(db) as server:
        flagged = get_json(url(server, "/culturewatch/sources_needing_attention.json", _shape="array"))  # fmt: skip
    assert [(r["name"], r["flag"].split(":")[0]) for r in flagged] == [
        ("broken", "failed 1 crawl in a row")
    ]


def test_discovery_keeps_the_private_network_guard(tmp_path: Path) -> None:
    config = write_settings(tmp_path / "config").parent
    sources = tmp_path / "sources.toml"
    with FixtureServer() as srv:
        build_news_site(srv)
        added = CliRunner().invoke(
            cli,
            ["sources", "add", srv.url("/"), "--config", str(config), "--sources", str(sources)],
        )
        hits = len(srv.log)
    assert added.exit_code == 1 and "nothing added" in added.output, added.output
    assert "private network" in added.output and not sources.exists()
    assert hits == 0
