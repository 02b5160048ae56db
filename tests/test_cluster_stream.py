"""A cluster worker's page travels once: its entry on the result stream (a real Redis).

An article's gzipped WARC records, built by the worker, hold its body: the entry carries
them raw and not the body besides, and the coordinator's writer reads the body back from
them when it needs it (a page fetched again, compared for a revisit record; a batch
retried, its records built anew). Checked: the entry's size, the archive the real writer
makes of such entries (rows, records, revisits, duplicates), and that the entries of an
older worker (the body in field ``b`` or in the JSON, the records in the JSON) still read.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest
from test_cluster import REDIS, redis_url  # noqa: F401 - the fixture, used by name
from test_faults import article_html
from test_write_path import POLICY, Counters, fetched
from warcio.archiveiterator import ArchiveIterator

from crawler.cluster import serializer
from crawler.cluster.frontier import Frontier, Keys
from crawler.cluster.stream import Result, ResultStream, page_to_dict
from pipelines.items import FetchedPage
from pipelines.writer import ArchiveWriter, body_of
from storage.archive import Archive
from storage.captures import response_body

pytestmark = pytest.mark.skipif(
    not os.access(REDIS, os.X_OK),
    reason="needs Debian's redis-server (apt-get install redis-server; .ci/run installs it)",
)


@pytest.fixture
def server(redis_url: str) -> Any:  # noqa: F811 - the imported fixture, by name
    """A client of the test's own redis-server (test_cluster's fixture)."""
    import redis

    return redis.Redis.from_url(redis_url)


def body(n: int, *, markup: int = 120_000) -> bytes:
    """An article page of *n*'s text, with as much markup around it as real pages have
    (scripts and navigation: most of a page's bytes), bytes that are not UTF-8 included."""
    rng = random.Random(n)
    script = ",".join(str(rng.randrange(10**6)) for _ in range(markup // 7))
    html = article_html(n).replace("</head>", f"<script>var d=[{script}];</script></head>")
    return html.encode() + b"<!-- \xff\xfe -->"


def sent(server: Any, *pages: FetchedPage) -> list[dict[bytes, bytes]]:
    """The stream entries of *pages*, sent as a worker sends them; their fields."""
    stream = ResultStream(server)
    for n, page in enumerate(pages):
        stream.send(Frontier(server), f"r{n}", worker="w", host="h", page=page, fetched=True)
    return [fields for _id, fields in server.xrange(Keys().results)]


def test_an_article_with_records_travels_once_raw_and_reads_back_whole(server) -> None:
    page = body(1)
    item = fetched("https://news.example/1", page)
    failed = FetchedPage(source="s", requested_url="https://news.example/x", url="", status=500,
                         body=page, outcome="failed", error="HTTP 500")  # fmt: skip
    (fields, no_article) = sent(server, item, failed)
    records = item.article.records  # type: ignore[union-attr]
    assert records is not None and len(records.data) < len(page) / 2
    assert set(fields) == {b"r", b"w"} and fields[b"w"] == records.data  # raw, not base64
    # the body once, in the gzipped response record: not as it is, nor base64-encoded
    assert sum(len(v) for v in fields.values()) < len(records.data) + 12_000 < len(page)
    assert set(no_article) == {b"r"}  # nothing of it is archived: its body is not sent
    assert len(no_article[b"r"]) < 2_000
    stream = ResultStream(server)
    stream.create_group()
    read = stream.read("c")
    again = read[0].page
    assert again is not None and again.article is not None and again.body == b""
    assert again.article.records == records
    assert body_of(again) == response_body(records) == page  # byte for byte
    assert again.article == item.article
    assert read[1].page is not None and read[1].page.error == "HTTP 500"


def older_entries(item: FetchedPage) -> list[dict[bytes, bytes]]:
    """*item*'s entry as the workers of the two releases before wrote it: the body in its
    own field and the records (base64) in the JSON; then the body in the JSON too."""
    page = page_to_dict(item)
    raw = page.pop("body")
    entry = {"id": "r9", "worker": "w", "host": "h", "fetched": True, "page": page}
    with_b = {b"r": serializer.dumps(entry), b"b": raw}
    page["body"] = raw
    return [with_b, {b"r": serializer.dumps(entry)}]


def test_the_coordinator_archives_such_entries_with_revisits_and_duplicates(
    server, tmp_path: Path
) -> None:
    """Two crawls: the first archives two pages; the second fetches one of them again
    unchanged (a revisit record), one changed (no revisit), and one's text under another URL
    (a duplicate), each from a page that came with its records only; and an older worker's
    entries of the first crawl's pages, left in the stream, read as they were."""
    one, two = "https://news.example/1", "https://news.example/2"
    first = [fetched(one, body(1)), fetched(two, body(2))]
    second = [
        fetched(one, body(1), requested="https://news.example/feed/1"),  # unchanged
        fetched(two, body(2) + b"<!-- changed -->", requested="https://news.example/feed/2"),
        fetched("https://news.example/copy-of-1", body(1)),  # the same text elsewhere
    ]
    written = {}
    for crawl, pages in (("first", first), ("second", second)):
        server.delete(Keys().results)
        fields = sent(server, *pages)
        if crawl == "second":
            assert all(b"b" not in f for f in fields)  # the body came in the records only
            for old in older_entries(first[0]):
                server.xadd(Keys().results, old)
        stream = ResultStream(server)
        stream.create_group()
        results = stream.read("coordinator")
        written[crawl] = archive_results(tmp_path / "a.db", results)
    assert written["first"] == {one: "archived", two: "archived"}
    assert written["second"] == {
        "https://news.example/feed/1": "duplicate",
        "https://news.example/feed/2": "duplicate",
        "https://news.example/copy-of-1": "duplicate",
        one: "duplicate",  # the older worker's entries: fetched again, both unchanged
    }
    with Archive(tmp_path / "a.db", readonly=True) as archive:
        urls = [r[0] for r in archive.db.execute("select url from articles order by id")]
        assert urls == [one, two]
        assert archive.raw_html(one) == body(1) and archive.raw_html(two) == body(2)
        twin = archive.db.execute(
            "select article_url from pages where url = 'https://news.example/copy-of-1'"
        ).fetchone()
        assert twin == (one,)
    kinds = []
    for path in sorted((tmp_path / "warc").glob("*.warc.gz")):  # as warcio reads the files
        with open(path, "rb") as handle:
            kinds += [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
                      for r in ArchiveIterator(handle) if r.rec_type != "warcinfo"]  # fmt: skip
    assert kinds == [
        ("request", one), ("response", one), ("request", two), ("response", two),
        ("revisit", one),  # the second crawl's unchanged page; the changed one has none
        ("revisit", one), ("revisit", one),  # the older worker's two entries
    ]  # fmt: skip


def archive_results(db: Path, results: list[Result]) -> dict[str, str]:
    """What the coordinator does with stream results: each page to the crawl's one archive
    writer (its thread, a batch per transaction); the pages' outcomes as recorded."""
    writer = ArchiveWriter(db, report=lambda source: Counters(), retry_seconds=5, policy=POLICY)
    writer.start()
    for result in results:
        assert result.page is not None
        writer.write(result.page)
    writer.close()
    assert writer.stopped is None
    with Archive(db, readonly=True) as archive:
        return {
            url: outcome
            for url, outcome in archive.db.execute("select url, outcome from pages")
            if url in {r.page.requested_url for r in results if r.page is not None}
        }
