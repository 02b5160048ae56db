"""Feed and sitemap parsers: every format, what they say about each item, hostile input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.listings.feeds import FeedError, parse_feed
from crawler.listings.sitemaps import SitemapError, SitemapRef, iter_sitemap, parse_sitemap

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


# ---------------------------------------------------------------------------- broken feeds
def _cut(body: bytes, before: bytes) -> bytes:
    """*body* cut off just before the first occurrence of *before*."""
    return body[: body.index(before)]


@pytest.mark.parametrize(
    "body",
    [
        _cut(RSS2, b"<item>"),  # ends inside the channel, before any item
        _cut(RSS2, b"</link>"),  # ends inside the first item's link
        _cut(RSS2, b"<link>"),  # the first item has a title, not yet a link
        _cut(ATOM, b"<link"),
        _cut(RSS1, b"<item"),
        # not cut, but not well-formed either, and no item
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>A & B</title></channel></rss>",
    ],
)
def test_truncated_feed_without_a_complete_item_fails(body):
    with pytest.raises(FeedError, match=r"^truncated or malformed feed: .*, no items$") as info:
        parse_feed(body, BASE)
    assert "\n" not in str(info.value)


def test_truncated_feed_keeps_the_items_it_has():
    fmt, entries = parse_feed(_cut(RSS2, b"<item><title>Relative"), BASE)
    assert fmt == "rss20"
    assert [e.url for e in entries] == ["https://news.example/a/1?utm_source=rss"]


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>Quiet</title></channel></rss>",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>Quiet</title></feed>",
        # feedparser flags the declared encoding, but the XML is fine
        b"<?xml version='1.0' encoding='us-ascii'?><rss version='2.0'><channel>"
        b"<title>caf\xc3\xa9</title></channel></rss>",
    ],
)
def test_valid_feed_without_items_is_ok(body):
    fmt, entries = parse_feed(body, BASE)
    assert fmt.startswith(("rss", "atom")) and entries == []


@pytest.mark.parametrize("cut", [b'"items"', b'"url": "https://news.example/a/6"', b'"tags"'])
def test_truncated_json_feed_fails(cut):
    with pytest.raises(FeedError, match=r"^not a feed: invalid JSON \(") as info:
        parse_feed(_cut(JSONFEED, cut), BASE, "application/feed+json")
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------- blank links
def test_json_feed_items_with_blank_urls_are_skipped():
    items = [
        {"id": "1", "url": ""},
        {"id": "2", "url": "   "},
        {"id": "3", "external_url": " \t"},
        {"id": "4", "url": "", "external_url": "https://elsewhere.example/story"},
        {"id": "5", "url": BASE},  # the feed itself
        {"id": "6", "url": "#item-6"},  # the feed itself, with a fragment
        {"id": "7", "url": "/a/7"},
    ]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    _, entries = parse_feed(body, BASE, "application/feed+json")
    assert [e.url for e in entries] == [
        "https://elsewhere.example/story",
        "https://news.example/a/7",
    ]


def test_feed_entries_whose_link_is_blank_or_the_feed_are_skipped():
    rss = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        b"<item><title>empty</title><link></link></item>"
        b"<item><title>spaces</title><link>   </link></item>"
        b"<item><title>fragment</title><link>#top</link></item>"
        b"<item><title>itself</title><link>https://news.example/feeds/main</link></item>"
        b"<item><title>guid</title><link></link><guid>https://news.example/g/1</guid></item>"
        b"<item><title>good</title><link>https://news.example/a/1</link></item>"
        b"</channel></rss>"
    )
    _, entries = parse_feed(rss, BASE)
    assert [(e.title, e.url) for e in entries] == [
        ("guid", "https://news.example/g/1"),
        ("good", "https://news.example/a/1"),
    ]
    atom = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>x</title>"
        b"<entry><title>empty</title><link href=''/><id>urn:x:1</id></entry>"
        b"<entry><title>blank</title><link rel='alternate' href='  '/><id>urn:x:2</id></entry>"
        b"<entry><title>good</title><link href='/a/5'/><id>urn:x:3</id></entry>"
        b"</feed>"
    )
    _, entries = parse_feed(atom, BASE)
    assert [(e.title, e.url) for e in entries] == [("good", "https://news.example/a/5")]


def test_a_feed_whose_only_items_lack_links_is_ok_when_well_formed():
    rss = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        b"<item><title>empty</title><link></link></item></channel></rss>"
    )
    assert parse_feed(rss, BASE) == ("rss20", [])


# ---------------------------------------------------------------------------- iter_sitemap
def test_iter_sitemap_gives_what_parse_sitemap_gives():
    items = iter_sitemap(NEWS, "https://news.example/sitemap.xml")
    assert items.kind == "urlset"
    entries = list(items)
    assert entries == parse_sitemap(NEWS, "https://news.example/sitemap.xml").entries
    assert [e.url for e in entries] == ["https://news.example/a/8", "https://news.example/a/9"]
    assert (entries[0].title, entries[0].keywords) == (
        "哪吒 sequel overseas",
        ["film", "animation", "box office"],
    )
    index = iter_sitemap(INDEX, "https://news.example/robots-sitemap.xml")
    assert index.kind == "index"
    assert list(index) == [
        SitemapRef("https://news.example/sitemap-1.xml", "2025-03-01"),
        SitemapRef("https://news.example/sitemap-2.xml.gz", None),
    ]


def test_iter_sitemap_skips_what_is_not_an_item():
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://news.example/a/1</loc></url>"
        b"<sitemap><loc>https://news.example/not-here.xml</loc></sitemap>"
        b"<junk><url><loc>https://news.example/nested</loc></url></junk>"
        b"<!-- a comment --><url><loc>  </loc></url>"
        b"<url><loc>https://news.example/a/2</loc></url></urlset>"
    )
    assert [e.url for e in iter_sitemap(body, BASE)] == [
        "https://news.example/a/1",
        "https://news.example/a/2",
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><p>hi</p>" + b"<p>more</p>" * 10_000 + b"</html>", "root element <html>"),
        (b"<rss version='2.0'><channel>", "root element <rss>"),
        (b"", "not a sitemap"),
        (b"\x00\x01\x02", "empty or not XML"),
        (b"plain words", "empty or not XML"),
    ],
)
def test_iter_sitemap_refuses_a_non_sitemap_at_once(body, reason):
    """Before a single item is asked for: the root is read when the iterator is made."""
    with pytest.raises(SitemapError, match="not a sitemap") as info:
        iter_sitemap(body, BASE)
    assert reason in str(info.value) and "\n" not in str(info.value)


BENCH = Path(__file__).resolve().parent / "bench" / "sitemap_memory.py"


@pytest.mark.slow
def test_iter_sitemap_memory_does_not_grow_with_the_sitemap():
    """Peak memory above the body, in fresh processes: the full list grows, the iterator not.

    tests/bench/sitemap_memory.py on 40,000 URLs (by hand, it runs on 1,000,000).
    """
    done = subprocess.run(
        [sys.executable, str(BENCH), "--urls", "40000"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    above = {}  # MiB above the body, per parser
    for line in done.stdout.splitlines():
        fields = line.split()
        if fields and fields[0] in ("parse_sitemap", "iter_sitemap"):
            above[fields[0]] = float(fields[3])
    assert above["parse_sitemap"] > 10, done.stdout  # 40,000 entries: tens of MiB
    assert above["iter_sitemap"] < above["parse_sitemap"] / 5, done.stdout


def test_sitemap_memory_benchmark_runs():
    """The benchmark's smoke test: a small sitemap, both parsers, both rows printed."""
    done = subprocess.run(
        [sys.executable, str(BENCH), "--urls", "2000"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.strip()}
    for parser in ("parse_sitemap", "iter_sitemap"):
        assert rows[parser][1] == "2,000", done.stdout  # items read
        assert float(rows[parser][2]) > 0 and float(rows[parser][4]) >= 0  # MiB, seconds


def test_plain_text_sitemap_with_any_line_ends():
    body = (
        b"https://news.example/a/1\rhttps://news.example/a/2\r\n"
        b"\nnot a url\nhttps://news.example/a/3"
    )
    items = iter_sitemap(body, BASE)
    assert items.kind == "urlset"
    assert [e.url for e in items] == [f"https://news.example/a/{i}" for i in (1, 2, 3)]
