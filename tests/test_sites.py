"""The fixture sites themselves: what the integration tests rely on them to serve."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit, urlunsplit

import feedparser
import pytest
import trafilatura
from protego import Protego
from support import (
    FixtureServer,
    Route,
    fetch,
    loopback_alias,
    shingle_f1,
    write_settings,
    write_sources,
)

from crawler.config import load_settings, load_sources

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def _plain(url: str) -> str:
    """*url* without query and fragment."""
    return urlunsplit(urlsplit(url)._replace(query="", fragment=""))


# ------------------------------------------------------------------ the server
def test_conditional_get_gets_304(news_server):
    srv, site = news_server
    first = fetch(site.feeds["rss2"])
    assert first.status == 200 and first.body
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    by_etag = fetch(site.feeds["rss2"], headers={"If-None-Match": etag})
    by_date = fetch(site.feeds["rss2"], headers={"If-Modified-Since": modified})
    assert (by_etag.status, by_etag.body) == (304, b"")
    assert (by_date.status, by_date.body) == (304, b"")
    assert fetch(site.feeds["rss2"], headers={"If-None-Match": '"old"'}).status == 200
    assert fetch(site.feeds["atom"], headers={"If-None-Match": etag}).status == 200  # no etag

    srv.routes["/feeds/rss2.xml"].etag = '"rss2-v2"'  # the feed changed
    assert fetch(site.feeds["rss2"], headers={"If-None-Match": etag}).status == 200
    assert [h.status for h in srv.requests("/feeds/rss2.xml")] == [200, 304, 304, 200, 200]


def test_redirect_missing_not_html_and_head(news_server):
    _srv, site = news_server
    moved = fetch(site.redirect_from)
    assert moved.status == 301 and moved.headers["location"] == site.redirect_to
    assert site.redirect_to in site.articles
    assert fetch(site.missing).status == 404
    pdf = fetch(site.not_html)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body.startswith(b"%PDF")
    head = fetch(site.redirect_to, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["content-length"]) == len(fetch(site.redirect_to).body)


def test_routes_change_while_running_and_requests_are_logged(news_server):
    srv, site = news_server
    srv.routes["/late.html"] = Route("<p>late</p>", headers={"X-Test": "1"})
    late = fetch(srv.url("/late.html"))
    assert late.body == b"<p>late</p>" and late.headers["x-test"] == "1"
    srv.routes["/late.html"] = Route("gone", status=410)
    assert fetch(srv.url("/late.html")).status == 410
    srv.routes["/q?id=3"] = Route("three")
    assert fetch(srv.url("/q?id=3")).body == b"three"
    assert fetch(srv.url("/q?id=4")).status == 404  # neither "/q?id=4" nor "/q"

    fetch(srv.url("/late.html"), headers={"User-Agent": "probe"})
    assert srv.hits("/late.html") == 3
    assert srv.hits(srv.url("/late.html")) == 3
    assert srv.hits(lambda h: h.headers.get("user-agent") == "probe") == 1
    assert srv.hits("/q", method="GET") == 2 and srv.hits(method="HEAD") == 0
    assert srv.errors == []


def test_servers_on_two_loopback_addresses():
    one = FixtureServer({"/": Route("a")})
    two = FixtureServer({"/": Route("b")}, host=loopback_alias())
    with one, two:
        assert one.base_url != two.base_url
        assert fetch(one.url("/")).body == b"a" and fetch(two.url("/")).body == b"b"


def test_delay_is_honoured():
    with FixtureServer({"/slow": Route("z", delay=0.3)}) as srv:
        with pytest.raises(TimeoutError):
            fetch(srv.url("/slow"), timeout=0.1)


# ------------------------------------------------------------------ the news site
def test_articles_extract_with_their_metadata(news_server):
    _srv, site = news_server
    for url, info in site.articles.items():
        page = fetch(url)
        assert page.status == 200 and page.headers["content-type"].startswith("text/html")
        html = page.body.decode("utf-8")
        assert f'<html lang="{info.lang_tag}">' in html
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        assert doc.title == info.title and doc.url == url
        assert doc.date == info.published[:10]
        assert info.phrase in doc.text, info.key
        assert len(doc.text) > (300 if info.language == "zh" else 800), info.key
        assert "Subscribe" not in doc.text and "Privacy" not in doc.text  # boilerplate


def test_article_mix(news_server):
    _srv, site = news_server
    infos = list(site.articles.values())
    assert len(infos) >= 12
    assert sum(a.lang_tag == "zh-Hans" for a in infos) == 3
    assert sum(a.lang_tag == "zh-Hant" for a in infos) == 1
    assert sum(not a.relevant_expected for a in infos) == 3
    assert len(site.relevant) == len(infos) - 3
    nezha = fetch(site.article("nezha").url).body.decode()
    assert "哪吒" in site.article("nezha").title and nezha.count("哪吒") >= 4
    assert "Black Myth: Wukong" in fetch(site.article("wukong").url).body.decode()


def test_canonical_and_tracking_links(news_server):
    _srv, site = news_server
    amp = fetch(site.canonical_from)
    assert amp.status == 200 and urlsplit(site.canonical_from).path.startswith("/amp/")
    assert f'<link rel="canonical" href="{site.canonical_to}">' in amp.body.decode()
    assert site.canonical_to in site.articles and site.canonical_from not in site.articles

    assert "utm_source=rss" in site.tracking_url and "#" in site.tracking_url
    plain = _plain(site.tracking_url)
    assert plain in site.articles
    assert fetch(site.tracking_url).body == fetch(plain).body
    assert site.tracking_url in site.listed["atom"] and plain in site.listed["rss2"]


def test_robots_txt_disallows_private(news_server):
    _srv, site = news_server
    robots = fetch(site.robots)
    assert robots.headers["content-type"].startswith("text/plain")
    rules = Protego.parse(robots.body.decode())
    for url in site.disallowed:
        assert not rules.can_fetch(url, "culturewatch")
        assert fetch(url).status == 200  # it exists: only robots.txt keeps crawlers out
    assert site.disallowed[0] in site.listed["rss2"]
    private_feed = feedparser.parse(fetch(site.disallowed_feed).body)
    assert [e.link for e in private_feed.entries] == [site.disallowed[0]]
    assert all(rules.can_fetch(url, "culturewatch") for url in site.articles)
    assert set(rules.sitemaps) == {site.sitemaps["index"], site.sitemaps["news"]}


def test_every_feed_parses(news_server):
    _srv, site = news_server
    versions = {"rss2": "rss20", "rss1": "rss10", "rss091": "rss091u", "atom": "atom10"}
    for name, version in versions.items():
        parsed = feedparser.parse(fetch(site.feeds[name]).body)
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert parsed.version == version
        assert [e.link for e in parsed.entries] == site.listed[name]
        assert all(e.title for e in parsed.entries)
    rss2 = feedparser.parse(fetch(site.feeds["rss2"]).body)
    first = rss2.entries[0]
    assert first.id == first.link and first.published_parsed and first.tags

    response = fetch(site.feeds["jsonfeed"])
    assert response.headers["content-type"].startswith("application/feed+json")
    feed = json.loads(response.body)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["url"] for i in feed["items"]] == site.listed["jsonfeed"]
    assert all(i["id"] and i["title"] and i["date_published"] for i in feed["items"])


def test_feeds_reach_every_article(news_server):
    _srv, site = news_server
    reached = set()
    for name in site.feeds:
        for link in site.listed[name]:
            if link == site.redirect_from:
                link = site.redirect_to
            elif link == site.canonical_from:
                link = site.canonical_to
            reached.add(_plain(link))
    assert set(site.articles) <= reached
    assert {site.missing, site.not_html, site.disallowed[0]} <= reached


def test_sitemaps(news_server):
    _srv, site = news_server
    news = ET.fromstring(fetch(site.sitemaps["news"]).body)
    entries = news.findall(f"{SM}url")
    assert [e.findtext(f"{SM}loc") for e in entries] == site.listed["news"]
    for entry in entries:
        assert entry.findtext(f"{SM}lastmod")
        for tag in ("title", "publication_date", "keywords"):
            assert entry.findtext(f"{NEWS}news/{NEWS}{tag}"), tag
    assert set(site.listed["news"]) <= set(site.articles)

    index = ET.fromstring(fetch(site.sitemaps["index"]).body)
    children = [e.text for e in index.iter(f"{SM}loc")]
    assert children == [site.sitemaps["urlset"], site.sitemaps["urlset_gz"]]
    gz = fetch(site.sitemaps["urlset_gz"])
    assert gz.headers["content-type"] in ("application/gzip", "application/x-gzip")
    assert "content-encoding" not in gz.headers
    urlset = ET.fromstring(gzip.decompress(gz.body))
    assert [e.text for e in urlset.iter(f"{SM}loc")] == site.listed["urlset_gz"]
    plain = ET.fromstring(fetch(site.sitemaps["urlset"]).body)
    assert [e.text for e in plain.iter(f"{SM}loc")] == site.listed["urlset"]
    assert site.disallowed[0] in site.listed["urlset"]
    assert set(site.articles) == set(site.listed["index"]) - set(site.disallowed)


# ------------------------------------------------------------------ config helpers
def test_written_settings_and_sources_load(tmp_config, tmp_path):
    settings = load_settings(tmp_config)
    assert settings["politeness.download_delay"] == 0
    assert settings["politeness.autothrottle"] is False
    assert settings["politeness.retry_times"] == 1
    assert settings["politeness.timeout"] == 10
    assert settings["politeness.obey_robots_txt"] is True

    overrides = {"crawl.max_items_per_source": 2}
    write_settings(
        tmp_path / "other", allow_private_networks=True, politeness={"timeout": 3}, **overrides
    )
    other = load_settings(tmp_path / "other")
    assert other.allow_private_networks is True
    assert other["politeness.timeout"] == 3 and other["politeness.retry_times"] == 1
    assert other["crawl.max_items_per_source"] == 2

    path = write_sources(
        tmp_path / "sources.toml",
        [
            {"name": "site-rss", "url": "http://127.0.0.1:1/feeds/rss2.xml", "kind": "feed"},
            {
                "name": "site-news",
                "url": "http://127.0.0.1:1/s.xml",
                "kind": "sitemap",
                "language": "zh",
                "max_items": 5,
                "note": 'quote " and 汉字',
            },
        ],
    )
    sources = load_sources(path)
    assert [s.name for s in sources] == ["site-rss", "site-news"]
    assert sources[1].max_items == 5 and sources[1].note == 'quote " and 汉字'


# ------------------------------------------------------------------ metric
def test_shingle_f1():
    text = "Lanterns lit the old town square as families gathered for the festival dinner."
    assert shingle_f1([(text, text)])["f1"] == 1.0
    unrelated = "The striker scored twice before the break and the visitors never recovered."
    assert shingle_f1([(unrelated, text)])["f1"] < 0.5

    # Half of the truth extracted, nothing extra: precision 1, recall 1/2 on that page.
    truth = "one two three four five six seven eight nine ten eleven"  # 8 shingles
    half = "one two three four five six seven"  # its first 4 shingles
    assert shingle_f1([(half, truth)]) == pytest.approx(
        {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "pages": 1}
    )
    # Texts under four tokens are one short shingle; empty predictions give no precision.
    assert shingle_f1([("a b", "a b")])["f1"] == 1.0
    assert shingle_f1([("a b", "a b c")])["f1"] == 0.0
    scores = shingle_f1([("", truth), (truth, truth)])
    assert scores["precision"] == 1.0 and scores["recall"] == 0.5
    assert shingle_f1([])["f1"] == 0.0


# ------------------------------------------------------------------ benchmark mirror
@pytest.mark.quality  # the real pages of ../shared
def test_benchmark_mirror(benchmark_mirror, benchmark_corpus):
    feed_srv, sitemap_srv, mirror = benchmark_mirror
    total = len(list((benchmark_corpus / "html").glob("*.html.gz")))
    assert len(mirror.truth) == total and all(mirror.truth.values())

    feed = feedparser.parse(fetch(mirror.feed_url).body)
    assert not feed.bozo
    feed_links = [e.link for e in feed.entries]
    assert all(e.title.startswith("Article ") for e in feed.entries)
    sitemap = ET.fromstring(fetch(mirror.sitemap_url).body)
    sitemap_links = [e.text for e in sitemap.iter(f"{SM}loc")]
    assert len(feed_links) + len(sitemap_links) == total
    assert set(feed_links) | set(sitemap_links) == set(mirror.truth)
    assert all(u.startswith(feed_srv.base_url) for u in feed_links)
    assert all(u.startswith(sitemap_srv.base_url) for u in sitemap_links)

    url = sitemap_links[0]
    page = fetch(url)
    expected = (benchmark_corpus / "html" / f"{mirror.ids[url]}.html.gz").read_bytes()
    assert page.status == 200 and page.body == gzip.decompress(expected)
