"""Feed and sitemap parsers: every format, what they say about each item, hostile input."""

from __future__ import annotations

import json

import pytest

from crawler.feeds import FeedError, parse_feed
from crawler.sitemaps import SitemapError, parse_sitemap

BASE = "https://news.example/feeds/main"

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Example</title><language>en-gb</language>
<item><title>Animated epic tops charts</title><link>https://news.example/a/1?utm_source=rss</link>
<pubDate>Tue, 04 Mar 2025 08:30:00 +0800</pubDate><category>Film</category>
<media:content url="https://news.example/img/1.jpg"/></item>
<item><title>Relative link</title><link>/a/2</link></item>
<item><title>No link at all</title></item>
</channel></rss>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example/"><title>Example</title></channel>
<item rdf:about="https://news.example/a/3"><title>Heritage listing</title>
<link>https://news.example/a/3</link><dc:date>2025-01-02T10:00:00Z</dc:date></item>
</rdf:RDF>"""

RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
<item><title>Old style</title><link>https://news.example/a/4</link></item></channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Example</title>
<entry><title>Atom entry</title><link rel="alternate" href="https://news.example/a/5"/>
<id>tag:news.example,2025:5</id><updated>2025-02-01T00:00:00Z</updated>
<author><name>A. Writer</name></author></entry></feed>"""

JSONFEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Example",
        "language": "zh-CN",
        "items": [
            {
                "id": "6",
                "url": "https://news.example/a/6",
                "title": "汉服走红",
                "date_published": "2025-03-01T12:00:00+08:00",
                "tags": ["文化"],
                "authors": [{"name": "李明"}],
            },
            {"id": "7", "title": "no url"},
            "not an object",
        ],
    }
).encode()


def test_rss2_entries_keep_metadata_and_resolve_links():
    fmt, entries = parse_feed(RSS2, BASE)
    assert fmt == "rss20"
    assert [e.url for e in entries] == [
        "https://news.example/a/1?utm_source=rss",
        "https://news.example/a/2",
    ]
    first = entries[0]
    assert first.title == "Animated epic tops charts"
    assert first.published_at == "2025-03-04T00:30:00+00:00"
    assert first.tags == ["Film"]
    assert first.image == "https://news.example/img/1.jpg"
    assert first.language == "en"


@pytest.mark.parametrize(
    ("body", "fmt", "url"),
    [
        (RSS1, "rss10", "https://news.example/a/3"),
        (RSS091, "rss091u", "https://news.example/a/4"),
        (ATOM, "atom10", "https://news.example/a/5"),
    ],
)
def test_other_feed_formats(body, fmt, url):
    found, entries = parse_feed(body, BASE)
    assert found.startswith(fmt[:5])
    assert [e.url for e in entries] == [url]


def test_atom_author_and_date():
    _, (entry,) = parse_feed(ATOM, BASE)
    assert entry.author == "A. Writer"
    assert entry.published_at == "2025-02-01T00:00:00+00:00"


def test_json_feed():
    fmt, entries = parse_feed(JSONFEED, BASE, "application/feed+json")
    assert fmt == "jsonfeed"
    (entry,) = entries
    assert entry.title == "汉服走红"
    assert entry.published_at == "2025-03-01T04:00:00+00:00"
    assert (entry.author, entry.tags, entry.language) == ("李明", ["文化"], "zh")


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Not a feed</body></html>", b"", b"{not json", b'{"items": 3}', b"\x00\xff" * 50],
)
def test_not_a_feed_is_a_clear_error(body):
    with pytest.raises(FeedError, match="not a feed"):
        parse_feed(body, BASE)


NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc>https://news.example/a/8</loc><lastmod>2025-03-02</lastmod>
<news:news><news:publication><news:name>Example</news:name><news:language>zh-cn</news:language>
</news:publication><news:publication_date>2025-03-02T09:00:00+08:00</news:publication_date>
<news:title>哪吒 sequel overseas</news:title><news:keywords>film, animation , box office</news:keywords>
</news:news><image:image><image:loc>https://news.example/i/8.jpg</image:loc></image:image></url>
<url><loc>https://news.example/a/9</loc><lastmod>2025-03-01T10:00:00Z</lastmod></url>
<url><lastmod>2025-03-01</lastmod></url>
</urlset>""".encode()

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sitemap-1.xml</loc><lastmod>2025-03-01</lastmod></sitemap>
<sitemap><loc>/sitemap-2.xml.gz</loc></sitemap>
</sitemapindex>"""


def test_news_sitemap_keeps_news_fields():
    sitemap = parse_sitemap(NEWS, "https://news.example/sitemap.xml")
    assert sitemap.kind == "urlset"
    first, second = sitemap.entries
    assert first.url == "https://news.example/a/8"
    assert first.title == "哪吒 sequel overseas"
    assert first.published_at == "2025-03-02T01:00:00+00:00"
    assert first.keywords == ["film", "animation", "box office"]
    assert (first.language, first.image) == ("zh", "https://news.example/i/8.jpg")
    assert second.published_at == "2025-03-01T10:00:00+00:00"  # lastmod when no news date


def test_sitemap_index_lists_children():
    sitemap = parse_sitemap(INDEX, "https://news.example/robots-sitemap.xml")
    assert sitemap.kind == "index"
    assert sitemap.sitemaps == [
        ("https://news.example/sitemap-1.xml", "2025-03-01"),
        ("https://news.example/sitemap-2.xml.gz", None),
    ]


def test_plain_text_sitemap():
    sitemap = parse_sitemap(b"https://news.example/a/1\nhttps://news.example/a/2\n", BASE)
    assert [e.url for e in sitemap.entries] == [
        "https://news.example/a/1",
        "https://news.example/a/2",
    ]


def test_sitemap_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://news.example/&e;</loc></url></urlset>"
    ).encode()
    sitemap = parse_sitemap(body, BASE)
    assert all("TOP-SECRET" not in e.url for e in sitemap.entries)


@pytest.mark.parametrize("body", [b"<html><p>hi</p></html>", b"", b"\x00\x01\x02"])
def test_not_a_sitemap_is_a_clear_error(body):
    with pytest.raises(SitemapError, match="not a sitemap"):
        parse_sitemap(body, BASE)


def test_malformed_items_are_skipped_and_the_rest_kept():
    rss = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        b"<item><title>bad</title><link>http://[::1/b</link></item>"
        b"<item><title>good</title><link>https://news.example/a/1</link></item>"
        b"</channel></rss>"
    )
    assert [e.url for e in parse_feed(rss, BASE)[1]] == ["https://news.example/a/1"]
    jsonfeed = json.dumps(
        {
            "items": [
                {"url": "https://news.example/a/2", "authors": 5},
                {"url": "http://[::1/b"},
                {"url": 7},
                {"url": "https://news.example/a/3", "title": "ok"},
            ]
        }
    ).encode()
    assert [e.url for e in parse_feed(jsonfeed, BASE, "application/feed+json")[1]] == [
        "https://news.example/a/3"
    ]
    sitemap = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>http://[::1/b</loc></url><url><loc>https://news.example/a/4</loc></url>"
        b"</urlset>"
    )
    assert [e.url for e in parse_sitemap(sitemap, BASE).entries] == ["https://news.example/a/4"]
