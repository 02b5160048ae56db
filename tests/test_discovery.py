"""The discovery kinds (gdelt, google_news): pure functions, then real crawls.

The crawls run ``culturewatch crawl`` in a subprocess against two local servers: a
stand-in for the search services (a GDELT ArtList JSON answer and a Google News RSS
page, in the recorded formats, written by the project) and the synthetic news site
whose pages they point at. Assertions are on the archive's rows.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from support import FixtureServer, Hit, Route, crawl_cli, write_settings, write_sources

from crawler.cli import cli
from crawler.config import ConfigError, load_sources, load_themes
from crawler.kinds.gdelt import GDELT_DELAY, gdelt_page_url, parse_gdelt
from crawler.kinds.google_news import decode_google_news_url, find_publisher_link, parse_google_news
from crawler.kinds.queries import DiscoveryError, parse_timespan, search_terms, search_url

REPO = Path(__file__).resolve().parents[1]
JSON = "application/json; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


# =========================================================================== fixtures
def google_token(payload: bytes) -> str:
    """A Google News article id: base64url of a protobuf whose field 4 is *payload*."""
    raw = b"\x08\x13\x22" + bytes([len(payload)]) + payload + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def gdelt_answer(records: list[tuple[str, str, datetime]]) -> str:
    """An ArtList JSON answer, as the DOC 2.0 API sends it: (url, title, seen) each."""
    return json.dumps(
        {
            "articles": [
                {
                    "url": url,
                    "url_mobile": "",
                    "title": title,
                    "seendate": seen.strftime("%Y%m%dT%H%M%SZ"),
                    "socialimage": "",
                    "domain": urlsplit(url).hostname,
                    "language": "English",
                    "sourcecountry": "United Kingdom",
                }
                for url, title, seen in records
            ]
        },
        indent=1,
    )


def google_news_rss(items: list[tuple[str, str, str, str]]) -> str:
    """A Google News RSS search page: (link, title, publisher, publisher home) each."""
    body = "".join(
        f"""<item><title>{title} - {publisher}</title><link>{link}</link>
<guid isPermaLink="false">{link.rsplit("/", 1)[-1]}</guid>
<pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate>
<description>&lt;a href="{link}"&gt;{title}&lt;/a&gt;&amp;nbsp;&amp;nbsp;\
&lt;font color="#6f6f6f"&gt;{publisher}&lt;/font&gt;</description>
<source url="{home}">{publisher}</source></item>
"""
        for link, title, publisher, home in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<generator>NFE/5.0</generator><title>search - Google News</title>
<link>https://news.google.com/search?hl=en-US&amp;gl=US&amp;ceid=US:en</link>
<language>en-US</language><webMaster>news-webmaster@google.com</webMaster>
<lastBuildDate>Mon, 03 Mar 2025 09:00:00 GMT</lastBuildDate><description>Google News</description>
{body}</channel></rss>
"""


class SearchServer(FixtureServer):
    """The search services' stand-in: timestamps every request; GDELT pages by window end."""

    def __init__(self) -> None:
        super().__init__(host="127.0.0.1")
        self.times: list[tuple[float, Hit]] = []
        self.gdelt_pages: dict[str | None, str] = {}  # enddatetime (None: any) -> JSON
        self.gdelt_queries: dict[str, str] = {}  # query -> JSON, before gdelt_pages

    def _record(self, hit: Hit) -> None:
        super()._record(hit)
        self.times.append((time.monotonic(), hit))

    def match(self, path_with_query: str) -> Route | None:
        parts = urlsplit(path_with_query)
        if parts.path == "/api/v2/doc/doc":
            params = parse_qs(parts.query)
            end = params.get("enddatetime", [None])[0]
            body = self.gdelt_queries.get(params.get("query", [""])[0])
            if body is None:
                body = self.gdelt_pages.get(end, self.gdelt_pages.get(None, ""))
            return Route(body, content_type=JSON)
        return super().match(path_with_query)


def rows(db: Path, sql: str, *params: object) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def themes():
    return load_themes(REPO / "config" / "themes.toml")


# =========================================================================== pure functions
def test_timespan() -> None:
    assert parse_timespan("90min") == timedelta(minutes=90)
    assert parse_timespan("12h") == timedelta(hours=12)
    assert parse_timespan(None) == timedelta(days=1)
    assert parse_timespan("2w") == timedelta(days=14)
    with pytest.raises(DiscoveryError):
        parse_timespan("1y")


def test_google_news_ids() -> None:
    url = "https://www.example.org/culture/2025/03/nezha-abroad.html?id=7"
    old = google_token(url.encode())
    assert decode_google_news_url(f"https://news.google.com/rss/articles/{old}?oc=5") == url
    assert decode_google_news_url(f"https://news.google.com/articles/{old}") == url
    current = google_token(b"AU_yqLOpaqueIdOfTheCurrentFormat")
    assert decode_google_news_url(f"https://news.google.com/rss/articles/{current}?oc=5") is None
    assert decode_google_news_url("https://news.google.com/rss/articles/!!notbase64") is None
    assert decode_google_news_url("https://news.google.com/topics/abc") is None


def test_parse_google_news_page() -> None:
    url = "https://www.example.org/a.html"
    link = f"https://news.google.com/rss/articles/{google_token(url.encode())}?oc=5"
    opaque = f"https://news.google.com/rss/articles/{google_token(b'AU_yqLxyz')}?oc=5"
    body = google_news_rss(
        [
            (link, "Nezha sequel tops charts", "Example Daily", "https://www.example.org"),
            (opaque, "Hanfu on the high street", "Other Post", "https://other.example.net"),
        ]
    )
    items = parse_google_news(body.encode(), "https://news.google.com/rss/search?q=x")
    assert [i.url for i in items] == [url, None]
    assert [i.title for i in items] == ["Nezha sequel tops charts", "Hanfu on the high street"]
    assert items[1].publisher_url == "https://other.example.net"
    assert items[0].published_at == "2025-03-03T08:00:00+00:00"
    with pytest.raises(DiscoveryError):
        parse_google_news(b"<html><body>consent page</body></html>", "https://news.google.com/")


def test_parse_gdelt_answers() -> None:
    seen = datetime(2025, 3, 3, 8, 15, tzinfo=UTC)
    found = parse_gdelt(gdelt_answer([("https://a.example/x", "Title", seen)]).encode())
    assert [(e.url, e.title, e.language, when) for e, when in found] == [
        ("https://a.example/x", "Title", "en", seen)
    ]
    assert parse_gdelt(b"") == [] and parse_gdelt(b"{}") == []
    with pytest.raises(DiscoveryError, match="one every 5 seconds"):
        parse_gdelt(b"Please limit requests to one every 5 seconds or contact us.\n")
    # GDELT's JSON is not always valid: the URLs are still read
    broken = b'{"articles": [{"url": "https://a.example/y", "title": "bad \\q escape"}]}'
    assert [e.url for e, _ in parse_gdelt(broken)] == ["https://a.example/y"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"articles": 5}',
        b'{"articles": "https://a.example/x"}',
        b'{"articles": {"url": "https://a.example/x"}}',
    ],
)
def test_gdelt_answers_of_another_shape_are_errors(body: bytes) -> None:
    with pytest.raises(DiscoveryError, match="another shape"):
        parse_gdelt(body)


def test_malformed_gdelt_records_are_skipped_one_by_one() -> None:
    good = {"url": "https://a.example/ok", "title": "Fine", "seendate": "20250303T081500Z"}
    body = json.dumps(
        {
            "articles": [
                5,
                "https://a.example/string",
                None,
                {"url": 7},
                {"url": ["https://a.example/list"]},
                {"url": "http://[::1/b"},  # not a URL: urlsplit raises ValueError on it
                {"url": "mailto:x@a.example"},
                {**good, "title": {"x": 1}, "language": ["English"], "socialimage": 3},
                good,
            ]
        }
    ).encode()
    found = parse_gdelt(body)
    assert [(e.url, e.title, e.language, e.image) for e, _ in found] == [
        ("https://a.example/ok", None, None, None),
        ("https://a.example/ok", "Fine", None, None),
    ]
    # invalid JSON with a bad \u escape in one URL: that URL is lost, the other one is read
    broken = b'{"articles": [{"url": "https://a.example/\\u12"}, {"url": "https://a.example/z"}'
    assert [e.url for e, _ in parse_gdelt(broken)] == ["https://a.example/z"]
    with pytest.raises(DiscoveryError, match="cannot be read"):
        parse_gdelt(b'{"articles": [{"url": "https://a.example/\\u12"}')


def test_publisher_link_on_a_google_page() -> None:
    base = "https://news.google.com/rss/articles/abc"
    page = (
        '<html><a href="https://policies.google.com/privacy">Privacy</a>'
        '<a href="https://www.example.org/">home</a>'
        '<a href="https://www.example.org/culture/story.html">story</a></html>'
    )
    assert find_publisher_link(page, base, "https://example.org") == (
        "https://www.example.org/culture/story.html"
    )
    assert find_publisher_link(page, base, "https://elsewhere.example") is None
    refresh = '<meta http-equiv="refresh" content="0;url=https://x.example/a.html">'
    assert find_publisher_link(refresh, base, None) == "https://x.example/a.html"
    # a link that is no URL is skipped, not fatal
    bad = (
        '<meta http-equiv="refresh" content="0;url=http://[::1/b">'
        + page.replace("https://www.example.org/culture", "http://[::1/b")
        + '<a href="https://www.example.org/culture/later.html">later</a>'
    )
    assert find_publisher_link(bad, base, "https://example.org") == (
        "https://www.example.org/culture/later.html"
    )


def test_queries_follow_the_themes(themes) -> None:
    for theme in themes.themes:
        weights = {}
        for concept in theme.concepts:
            if not concept.context:
                for alias in (concept.name, *concept.aliases):
                    weights.setdefault(alias.rstrip("*").strip().casefold(), concept.weight)
        for script in ("latin", "plain", "hans", "hant"):
            terms = search_terms(themes, theme.key, script)
            assert terms, (theme.key, script)
            # every term is an alias of a stand-alone concept of this theme, strongest first
            found = [weights[t.casefold()] for t in terms]
            assert found == sorted(found, reverse=True), (theme.key, script, terms)
            if script in ("hans", "hant"):
                assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in terms)
            else:
                assert not any("\u4e00" <= ch <= "\u9fff" for t in terms for ch in t)
    with pytest.raises(DiscoveryError, match="not in themes.toml"):
        search_terms(themes, "no_such_theme", "latin")


def test_search_urls(tmp_path: Path, themes) -> None:
    path = write_sources(
        tmp_path / "sources.toml",
        [
            {
                "name": "g",
                "url": "https://api.gdeltproject.org/api/v2/doc/doc",
                "kind": "gdelt",
                "theme": "films_games",
                "language": "zh",
                "page_size": 50,
            },
            {
                "name": "n",
                "url": "https://news.google.com/rss/search",
                "kind": "google_news",
                "theme": "heritage_unesco",
                "language": "zh-Hant",
                "timespan": "90min",
            },
            {
                "name": "q",
                "url": "https://news.google.com/rss/search?q=hanfu&hl=en-GB&gl=GB&ceid=GB:en",
                "kind": "google_news",
                "query": "ignored, the URL has one",
            },
        ],
    )
    gdelt, google, fixed = load_sources(path)
    g = parse_qs(urlsplit(search_url(gdelt, themes)).query)
    assert (g["mode"], g["format"], g["maxrecords"], g["sort"]) == (
        ["ArtList"],
        ["json"],
        ["50"],
        ["DateDesc"],
    )
    assert g["query"][0].endswith(" sourcelang:chinese")
    assert search_terms(themes, "films_games", "plain")[0] in g["query"][0]
    window = parse_qs(
        urlsplit(
            gdelt_page_url(
                search_url(gdelt, themes),
                datetime(2025, 3, 2, tzinfo=UTC),
                datetime(2025, 3, 3, 6, tzinfo=UTC),
            )
        ).query
    )
    assert (window["startdatetime"], window["enddatetime"]) == (
        ["20250302000000"],
        ["20250303060000"],
    )
    n = parse_qs(urlsplit(search_url(google, themes)).query)
    assert (n["hl"], n["gl"], n["ceid"]) == (["zh-TW"], ["TW"], ["TW:zh-Hant"])
    assert n["q"][0].endswith(" when:2h")  # Google knows hours, not minutes
    assert search_terms(themes, "heritage_unesco", "hant")[0] in n["q"][0]
    assert parse_qs(urlsplit(search_url(fixed, themes)).query)["q"] == ["hanfu"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "gdelt"}, "needs a 'query' or a 'theme'"),
        ({"kind": "gdelt", "query": "hanfu", "timespan": "3 days"}, "'timespan'"),
        ({"kind": "gdelt", "query": "hanfu", "page_size": 500}, "'page_size'"),
        ({"kind": "google_news", "query": "hanfu", "page_size": 10}, "'page_size'"),
        ({"kind": "feed", "theme": "films_games"}, "'theme' is only for kinds"),
    ],
)
def test_discovery_fields_are_validated(tmp_path: Path, entry: dict, message: str) -> None:
    path = write_sources(
        tmp_path / "s.toml", [{"name": "x", "url": "https://example.org/", **entry}]
    )
    with pytest.raises(ConfigError, match=message) as info:
        load_sources(path)
    assert f"{path}:1:" in str(info.value)  # file and line


# =========================================================================== crawls
@pytest.fixture
def discovery_setup(news_server, tmp_config: Path, tmp_path: Path):
    """The search stand-in, the news site, and a sources file with one source per kind."""
    srv, site = news_server
    shutil.copy(REPO / "config" / "themes.toml", tmp_config / "themes.toml")
    wukong, hanfu, football = (site.article(k) for k in ("wukong", "hanfu", "football"))
    nezha, unesco, tourism = (site.article(k) for k in ("nezha", "unesco", "tourism"))
    now = datetime.now(UTC).replace(microsecond=0)
    t1, t2, t3 = now - timedelta(hours=1), now - timedelta(hours=2), now - timedelta(hours=3)
    with SearchServer() as search:
        # GDELT: a full first page (page_size 3), then the older part of the window
        search.gdelt_pages[None] = gdelt_answer(
            [
                (wukong.url, wukong.title, t1),
                (site.missing, "Withdrawn", t1),
                (hanfu.url, hanfu.title, t2),
            ]
        )
        search.gdelt_pages[t2.strftime("%Y%m%d%H%M%S")] = gdelt_answer(
            [(football.url, football.title, t3)]
        )
        # Google News: one decodable id, one redirect, one page naming the publisher, one opaque
        redirect = f"/rss/articles/{google_token(b'AU_yqLRedirectsToPublisher')}"
        linking = f"/rss/articles/{google_token(b'AU_yqLPageLinksPublisher')}"
        opaque = f"/rss/articles/{google_token(b'AU_yqLNothingToFollow')}"
        decodable = f"/rss/articles/{google_token(nezha.url.encode())}"
        search.routes[redirect] = Route(status=302, location=unesco.url, content_type="text/plain")
        search.routes[linking] = Route(
            f'<html><body><a href="{srv.url("/")}">Home</a>'
            f'<a href="{tourism.url}">{tourism.title}</a></body></html>'
        )
        search.routes[opaque] = Route(
            "<html><body><script>/* nothing here */</script></body></html>"
        )
        home = srv.base_url
        search.routes["/rss/search"] = Route(
            google_news_rss(
                [
                    (search.url(decodable) + "?oc=5", nezha.title, "Fixture News", home),
                    (search.url(redirect) + "?oc=5", unesco.title, "Fixture News", home),
                    (search.url(linking) + "?oc=5", tourism.title, "Fixture News", home),
                    (search.url(opaque) + "?oc=5", "Nothing to follow", "Fixture News", home),
                ]
            ),
            content_type=RSS,
        )
        sources = write_sources(
            tmp_path / "sources.toml",
            [
                {
                    "name": "gdelt-films",
                    "url": search.url("/api/v2/doc/doc"),
                    "kind": "gdelt",
                    "theme": "films_games",
                    "language": "en",
                    "page_size": 3,
                },
                {
                    "name": "gnews-zh",
                    "url": search.url("/rss/search"),
                    "kind": "google_news",
                    "theme": "films_games",
                    "language": "zh",
                },
            ],
        )
        yield (
            search,
            srv,
            site,
            sources,
            {"opaque": search.url(opaque), "redirect": search.url(redirect)},
        )


@pytest.mark.slow
def test_discovery_crawl(discovery_setup, tmp_config: Path, tmp_path: Path, themes) -> None:
    search, srv, site, sources, links = discovery_setup
    db = tmp_path / "archive.db"
    result = crawl_cli(tmp_config, sources, db, "--allow-private-networks")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr

    by_source = {
        row["source"]: sorted(
            r["url"] for r in rows(db, "select url from articles where source = ?", row["source"])
        )
        for row in rows(db, "select distinct source from articles")
    }

    def key(*keys: str) -> list[str]:
        return sorted(site.article(k).url for k in keys)

    assert by_source["gdelt-films"] == key("wukong", "hanfu", "football")
    assert by_source["gnews-zh"] == key("nezha", "unesco", "tourism")
    outcome = {r["url"]: r["outcome"] for r in rows(db, "select url, outcome from pages")}
    assert outcome[site.missing] == "gone"
    assert outcome[links["opaque"] + "?oc=5"] == "unresolved"
    assert outcome[links["redirect"] + "?oc=5"] == "archived"  # the Google link is known now
    health = {r["name"]: r for r in rows(db, "select * from sources")}
    assert health["gdelt-films"]["last_status"] == "ok"
    assert health["gnews-zh"]["last_status"] == "ok"
    relevant = {r["url"] for r in rows(db, "select url from articles where relevant = 1")}
    assert site.article("wukong").url in relevant and site.article("football").url not in relevant

    # the API: two requests (the window sliced at the first page's oldest article), 5 s apart,
    # with the query built from the theme
    api = [(t, hit) for t, hit in search.times if hit.path.startswith("/api/v2/doc/doc")]
    assert len(api) == 2
    assert api[1][0] - api[0][0] >= GDELT_DELAY - 0.1
    query = parse_qs(urlsplit(api[0][1].path).query)
    expected = parse_qs(urlsplit(search_url(load_sources(sources)[0], themes)).query)["query"]
    assert query["query"] == expected and "sourcelang:english" in expected[0]
    first_end = datetime.strptime(query["enddatetime"][0], "%Y%m%d%H%M%S")
    second = parse_qs(urlsplit(api[1][1].path).query)
    assert second["startdatetime"] == query["startdatetime"]
    assert datetime.strptime(second["enddatetime"][0], "%Y%m%d%H%M%S") < first_end
    google = [hit for _t, hit in search.times if hit.path.startswith("/rss/search")]
    q = parse_qs(urlsplit(google[0].path).query)
    assert search_terms(themes, "films_games", "hans")[0] in q["q"][0]  # a Chinese query
    assert (q["hl"], q["ceid"]) == (["zh-CN"], ["CN:zh-Hans"])

    # a second crawl fetches no article again: the archive knows them, the opaque link too
    article_hits = len(srv.requests(lambda h: h.path.endswith(".html")))
    google_pages = len(search.requests("/rss/articles/"))
    again = crawl_cli(tmp_config, sources, db, "--allow-private-networks")
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(srv.requests(lambda h: h.path.endswith(".html"))) == article_hits
    assert len(search.requests("/rss/articles/")) == google_pages
    # the first GDELT page held nothing new: the window was not sliced again
    assert len([h for _t, h in search.times if h.path.startswith("/api/v2/doc/doc")]) == 3
    assert rows(db, "select count(*) as n from articles")[0]["n"] == 6

    # and `culturewatch sources` shows what each found
    listing = CliRunner().invoke(
        cli, ["sources", "--config", str(tmp_config), "--sources", str(sources), "--db", str(db)]
    )
    assert listing.exit_code == 0, listing.output
    lines = {line.split()[1]: line for line in listing.output.splitlines() if line.startswith("│")}
    assert " 3 " in lines["gdelt-films"] and " 3 " in lines["gnews-zh"]


@pytest.mark.slow
def test_discovery_refuses_private_networks(
    discovery_setup, tmp_config: Path, tmp_path: Path
) -> None:
    search, srv, _site, sources, _links = discovery_setup
    db = tmp_path / "archive.db"
    result = crawl_cli(tmp_config, sources, db)
    assert "Traceback" not in result.stderr
    health = {r["name"]: r for r in rows(db, "select * from sources")}
    for name in ("gdelt-films", "gnews-zh"):
        assert health[name]["last_status"] == "failed"
        assert "private network" in health[name]["last_error"]
    assert search.requests() == [] and srv.requests() == []
    assert rows(db, "select count(*) as n from articles")[0]["n"] == 0


@pytest.mark.slow
def test_sources_check_on_local_services(discovery_setup, tmp_config: Path) -> None:
    _search, _srv, _site, sources, _links = discovery_setup
    result = CliRunner().invoke(
        cli,
        [
            "sources",
            "check",
            "--config",
            str(tmp_config),
            "--sources",
            str(sources),
            "--allow-private-networks",
            "--timeout",
            "5",
        ],
    )
    lines = {
        line.split()[1]: line for line in result.output.splitlines() if line[:4] in ("ok  ", "FAIL")
    }
    assert result.exit_code == 0, result.output
    assert "gdelt artlist json, 3 items" in lines["gdelt-films"]
    assert "google news rss, 4 items" in lines["gnews-zh"]
    assert "1 links decoded" in lines["gnews-zh"]
    refused = CliRunner().invoke(
        cli, ["sources", "check", "--config", str(tmp_config), "--sources", str(sources)]
    )
    assert refused.exit_code == 1
    assert refused.output.count("private network address") == 2


@pytest.mark.slow
def test_a_broken_gdelt_answer_fails_its_source_only(
    news_server, tmp_config: Path, tmp_path: Path
) -> None:
    """The first of two GDELT sources gets an answer of another shape; the second is searched."""
    srv, site = news_server
    wukong = site.article("wukong")
    seen = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with SearchServer() as search:
        search.gdelt_queries["brokenanswer"] = '{"articles": 5}'
        search.gdelt_queries["goodanswer"] = gdelt_answer([(wukong.url, wukong.title, seen)])
        api = search.url("/api/v2/doc/doc")
        sources = write_sources(
            tmp_path / "sources.toml",
            [
                {"name": "gdelt-broken", "url": api, "kind": "gdelt", "query": "brokenanswer"},
                {"name": "gdelt-good", "url": api, "kind": "gdelt", "query": "goodanswer"},
            ],
        )
        db = tmp_path / "archive.db"
        result = crawl_cli(tmp_config, sources, db, "--allow-private-networks")
        asked = [parse_qs(urlsplit(h.path).query)["query"][0] for h in search.requests("/api/")]
    assert "Traceback" not in result.stdout + result.stderr
    assert asked == ["brokenanswer", "goodanswer"]
    health = {r["name"]: r for r in rows(db, "select * from sources")}
    assert health["gdelt-good"]["last_status"] == "ok"
    assert health["gdelt-broken"]["last_status"] == "failed"
    error = health["gdelt-broken"]["last_error"]
    assert "another shape" in error and "\n" not in error
    archived = rows(db, "select source, url from articles")
    assert [(r["source"], r["url"]) for r in archived] == [("gdelt-good", wukong.url)]


@pytest.mark.slow
def test_sources_check_survives_hostile_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Corrupt gzip, a gzip bomb, odd JSON, HTML for a feed: one FAIL line each, no traceback.

    The group's --config and --sources reach `check` (this directory has no ./config).
    """
    import gzip

    sitemap = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://a.example/one.html</loc></url>"
        b"<url><loc>https://a.example/two.html</loc></url></urlset>"
    )
    gz = "application/gzip"
    routes = {
        "/good.xml.gz": Route(gzip.compress(sitemap), content_type=gz),
        "/corrupt.xml.gz": Route(gzip.compress(sitemap)[:10] + b"\xff" * 40, content_type=gz),
        "/bomb.xml.gz": Route(gzip.compress(b" " * (3 * 1024 * 1024)), content_type=gz),
        "/api/v2/doc/doc": Route('{"articles": 5}', content_type=JSON),
        "/feed.xml": Route("<html><body><p>Not a feed</p></body></html>"),
    }
    config = tmp_path / "config"
    write_settings(config, **{"politeness.max_response_size": 1024 * 1024})
    with FixtureServer(routes) as srv:
        sources = write_sources(
            tmp_path / "hostile.toml",
            [
                {"name": "good-gz", "url": srv.url("/good.xml.gz"), "kind": "sitemap"},
                {"name": "corrupt-gz", "url": srv.url("/corrupt.xml.gz"), "kind": "sitemap"},
                {"name": "bomb-gz", "url": srv.url("/bomb.xml.gz"), "kind": "sitemap"},
                {
                    "name": "odd-gdelt",
                    "url": srv.url("/api/v2/doc/doc"),
                    "kind": "gdelt",
                    "query": "x",
                },
                {"name": "html-feed", "url": srv.url("/feed.xml"), "kind": "feed"},
            ],
        )
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("CULTUREWATCH_CONFIG", raising=False)
        args = ["sources", "--config", str(config), "--sources", str(sources), "check"]
        result = CliRunner().invoke(cli, [*args, "--allow-private-networks", "--timeout", "5"])
        # the subcommand's own --sources wins over the group's
        only_good = write_sources(
            tmp_path / "good.toml",
            [{"name": "only-good", "url": srv.url("/good.xml.gz"), "kind": "sitemap"}],
        )
        own = CliRunner().invoke(
            cli, [*args, "--sources", str(only_good), "--allow-private-networks"]
        )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    lines = {
        line.split()[1]: line for line in result.output.splitlines() if line[:4] in ("ok  ", "FAIL")
    }
    assert set(lines) == {"good-gz", "corrupt-gz", "bomb-gz", "odd-gdelt", "html-feed"}
    assert lines["good-gz"].startswith("ok") and "sitemap, 2 items" in lines["good-gz"]
    assert lines["corrupt-gz"].startswith("FAIL") and "unreadable" in lines["corrupt-gz"]
    assert lines["bomb-gz"].startswith("FAIL")
    assert f"larger than {1024 * 1024} bytes" in lines["bomb-gz"]
    assert lines["odd-gdelt"].startswith("FAIL") and "another shape" in lines["odd-gdelt"]
    assert lines["html-feed"].startswith("FAIL") and "not a feed" in lines["html-feed"]
    assert result.output.strip().splitlines()[-1].endswith("1 ok, 4 failed")
    assert own.exit_code == 0, own.output
    assert "only-good" in own.output and "1 ok, 0 failed" in own.output
