"""``culturewatch sources check`` goes through the crawl's own Scrapy stack.

Its robots.txt is the crawl's (Protego): ``Disallow: /*.xml$`` forbids a feed at
``/feed.xml``, which the standard library's parser would let through. A local fixture
server on 127.0.0.1 serves the site; assertions are on the check's lines and on what the
server was asked.
"""

from __future__ import annotations

import json
import socket
import urllib.robotparser
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import FixtureServer, Route, write_settings, write_sources

from crawler.cli import cli
from crawler.config import DISCOVERY_KINDS, SOURCE_KINDS
from crawler.kinds import DISCOVERY_NAMES, KIND_NAMES, load
from crawler.kinds.gdelt import GDELT_DELAY

RSS = "application/rss+xml; charset=utf-8"
ROBOTS = "User-agent: *\nDisallow: /*.xml$\n"
JSON = "application/json; charset=utf-8"


def _feed(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Fixture</title><link>{base}/</link><description>d</description>"
        f"<item><title>One</title><link>{base}/one.html</link></item>"
        f"<item><title>Two</title><link>{base}/two.html</link></item>"
        "</channel></rss>"
    )


def _check_lines(output: str) -> dict[str, str]:
    return {line.split()[1]: line for line in output.splitlines() if line[:4] in ("ok  ", "FAIL")}


def test_a_feed_robots_txt_disallows_fails_the_check(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write_settings(config)
    with FixtureServer({"/robots.txt": Route(ROBOTS, content_type="text/plain")}) as srv:
        feed = _feed(srv.base_url)
        srv.routes["/feed.xml"] = Route(feed, content_type=RSS)
        srv.routes["/feed.rss"] = Route(feed, content_type=RSS)
        sources = write_sources(
            tmp_path / "sources.toml",
            [
                {"name": "disallowed-feed", "url": srv.url("/feed.xml"), "kind": "feed"},
                {"name": "allowed-feed", "url": srv.url("/feed.rss"), "kind": "feed"},
            ],
        )
        # the standard library's parser does not understand the pattern: it would fetch
        robots = urllib.robotparser.RobotFileParser(srv.url("/robots.txt"))
        robots.parse(ROBOTS.splitlines())
        assert robots.can_fetch("culturewatch", srv.url("/feed.xml"))

        args = ["sources", "check", "--config", str(config), "--sources", str(sources)]
        result = CliRunner().invoke(cli, [*args, "--allow-private-networks", "--timeout", "5"])
        feed_requests = srv.requests("/feed.xml")
        robots_requests = srv.requests("/robots.txt")

    assert result.exit_code == 1, result.output
    lines = _check_lines(result.output)
    assert set(lines) == {"disallowed-feed", "allowed-feed"}
    assert lines["disallowed-feed"].startswith("FAIL")
    assert "robots.txt" in lines["disallowed-feed"]
    assert lines["allowed-feed"].startswith("ok")
    assert "HTTP 200" in lines["allowed-feed"] and "2 items" in lines["allowed-feed"]
    assert result.output.strip().splitlines()[-1].endswith("1 ok, 1 failed")
    # the crawl's manners: robots.txt read once for the host, the disallowed feed never asked
    assert feed_requests == []
    assert len(robots_requests) == 1


def test_every_registered_kind_has_a_spider_and_a_check() -> None:
    assert SOURCE_KINDS == KIND_NAMES and DISCOVERY_KINDS == DISCOVERY_NAMES
    for name in KIND_NAMES:
        module = load(name)
        assert module.SPIDER.kind == name
        for hook in ("check_url", "check_meta", "describe"):
            assert callable(getattr(module, hook)), (name, hook)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_an_unreachable_host_fails_its_other_sources_at_once(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write_settings(config)
    base = f"http://127.0.0.1:{_closed_port()}"
    sources = write_sources(
        tmp_path / "sources.toml",
        [{"name": f"down-{i}", "url": f"{base}/feed{i}.xml", "kind": "feed"} for i in range(3)],
    )
    args = ["sources", "check", "--config", str(config), "--sources", str(sources)]
    result = CliRunner().invoke(cli, [*args, "--allow-private-networks", "--timeout", "5"])
    assert result.exit_code == 1, result.output
    lines = _check_lines(result.output)
    assert set(lines) == {"down-0", "down-1", "down-2"}
    assert all(line.startswith("FAIL") for line in lines.values())
    assert "refused" in lines["down-0"].lower()
    assert "not tried" in lines["down-1"] and "not tried" in lines["down-2"]
    assert result.output.strip().splitlines()[-1].endswith("0 ok, 3 failed")


@pytest.mark.slow
def test_gdelt_searches_are_checked_5_seconds_apart(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write_settings(config)
    answer = json.dumps({"articles": [{"url": "https://a.example/one.html", "title": "One"}]})
    with FixtureServer({"/api/v2/doc/doc": Route(answer, content_type=JSON)}) as srv:
        api = srv.url("/api/v2/doc/doc")
        sources = write_sources(
            tmp_path / "sources.toml",
            [
                {"name": "gdelt-a", "url": api, "kind": "gdelt", "query": "a"},
                {"name": "gdelt-b", "url": api, "kind": "gdelt", "query": "b"},
            ],
        )
        args = ["sources", "check", "--config", str(config), "--sources", str(sources)]
        result = CliRunner().invoke(cli, [*args, "--allow-private-networks", "--timeout", "5"])
        times = [hit.time for hit in srv.requests("/api/")]
    assert result.exit_code == 0, result.output
    lines = _check_lines(result.output)
    assert "gdelt artlist json, 1 items" in lines["gdelt-a"]
    assert "gdelt artlist json, 1 items" in lines["gdelt-b"]
    assert len(times) == 2 and times[1] - times[0] >= GDELT_DELAY - 0.1
