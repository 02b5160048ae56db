"""The crawl's write path with the work moved off the writer (pipelines/prepare.py): the
extraction worker builds an article's WARC records, fingerprint and word count; the writer
appends the records as they are and inserts the rows, the score in the row as inserted.

What is checked: a worker's answer carries records the writer appends byte for byte, which
``warcio index`` reads and whose body is the page; an article that comes without them (a
crawl without workers, a cluster worker's JSON) is archived alike; the rows, scores,
stories and daily counts are the same either way, and the counts equal a recount.
"""

from __future__ import annotations

import errno
import io
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from test_daily_counts import counted, direct
from test_faults import article_html
from twisted.internet.defer import Deferred
from warcio.archiveiterator import ArchiveIterator

from crawler.cluster import serializer
from crawler.cluster.stream import page_from_dict, page_to_dict
from crawler.config import load_themes
from pipelines.extraction.extract import extract
from pipelines.items import FetchedPage
from pipelines.prepare import Fetch, fetch_of, prepare
from pipelines.scoring.relevance import score
from pipelines.workers.links import _article, _Frames
from pipelines.workers.loop import serve
from pipelines.writer import ArchiveWriter, write_item
from storage import captures
from storage.archive import Archive, RetryPolicy
from storage.captures import Records

REPO = Path(__file__).resolve().parents[1]
POLICY = RetryPolicy(attempts=4, spacing=3600)
# a page the project's themes score as relevant (the others are not)
RELEVANT = (
    "<p>China's Ministry of Culture said the hanfu festival and the film Ne Zha 2 drew "
    "record crowds; UNESCO World Heritage sites in China reported more visitors.</p>"
)


def page(n: int) -> bytes:
    html = article_html(n)
    if n % 3 == 0:
        html = html.replace("<article>", f"<article>{RELEVANT * 3}")
    return html.encode()


def fetched(
    url: str, body: bytes, *, requested: str | None = None, prepared: bool = True
) -> FetchedPage:
    """*body* fetched at *url* and extracted; *prepared*: its fingerprint, word count and
    WARC records made as the extraction workers (and a cluster's workers) make them."""
    article = extract(body, url)
    assert article is not None
    item = FetchedPage(
        source="s",
        requested_url=requested or url,
        url=url,
        status=200,
        body=body,
        content_type="text/html",
        headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
        request_headers=[("User-Agent", "culturewatch")],
        article=article,
    )
    if prepared:
        prepare(article, body, fetch_of(item))
    return item


def items(count: int, *, prepared: bool) -> list[FetchedPage]:
    """Fetched and extracted pages, scored; *prepared* as the extraction workers make them."""
    themes = load_themes(REPO / "config" / "themes.toml")
    out = []
    for n in range(count):
        item = fetched(f"https://news.example/{n}.html", page(n), prepared=prepared)
        assert item.article is not None
        item.relevance = score(item.article, themes)
        out.append(item)
    return out


def write(db: Path, batch: list[FetchedPage]) -> None:
    with Archive(db) as archive:
        with archive.transaction():
            for item in batch:
                write_item(archive, item, POLICY, None)
            archive.raw_pages.sync()


def test_a_worker_answers_with_the_warc_records_of_the_page(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CULTUREWATCH_WORKER_VERBOSE", "1")  # logging stays as the tests have it
    body = page(3)
    url = "http://127.0.0.1/news/3.html"
    fetch = Fetch(url, 200, [("Content-Type", "text/html")], [("User-Agent", "cw")])
    request = pickle.dumps((body, url, None, "utf-8", fetch))
    sent: list[bytes] = []
    serve(io.BytesIO(struct.pack(">I", len(request)) + request), sent.append)
    replies: list[dict] = []
    frames = _Frames(replies.append)  # the crawl's end of the link reads them
    for chunk in sent:
        frames.dataReceived(chunk)
    article = _article(replies[1])
    assert article is not None and isinstance(article.records, Records)
    assert article.words == article.word_count > 20 and article.text_print
    data = article.records.data
    response = data[article.records.start : article.records.start + article.records.length]
    headers, payload = captures.read_record(tmp_path, _file(tmp_path, response), 0, len(response))
    assert payload == body and headers["WARC-Target-URI"] == url
    assert headers["WARC-Payload-Digest"] == article.records.digest
    # without a fetch (an older crawl's request) the answer is JSON alone, as it was
    request = pickle.dumps((body, url, None, "utf-8"))
    sent.clear()
    serve(io.BytesIO(struct.pack(">I", len(request)) + request), sent.append)
    assert b"\0" not in sent[1][4:]


def _file(directory: Path, data: bytes) -> str:
    (directory / "one.warc.gz").write_bytes(data)
    return "one.warc.gz"


def test_the_writer_appends_the_workers_records_as_they_are(tmp_path: Path) -> None:
    batch = items(6, prepared=True)
    write(tmp_path / "a.db", batch)
    with Archive(tmp_path / "a.db", readonly=True) as archive:
        for item in batch:
            assert item.article is not None and item.article.records is not None
            file, offset, length = archive.raw_pages.place(item.article.url) or ("", 0, 0)
            on_disk = (tmp_path / file).read_bytes()
            records = item.article.records
            start = offset - records.start  # the request record, then the response
            assert on_disk[start : start + len(records.data)] == records.data
            assert length == records.length
            assert archive.raw_html(item.article.url) == item.body
    index = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "index", str(tmp_path / file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert index.count('"warc-type": "response"') == len(batch)
    assert index.count('"warc-type": "request"') == len(batch)


def test_prepared_or_not_the_archive_is_the_same(tmp_path: Path) -> None:
    columns = (
        "url, title, text, word_count, fingerprint, relevance, relevant, themes, evidence, "
        "story_id, first_url"
    )
    found = {}
    for prepared in (True, False):
        db = tmp_path / f"{prepared}.db"
        write(db, items(9, prepared=prepared))
        with Archive(db) as archive:
            rows = archive.db.execute(f"select {columns} from articles order by id").fetchall()
            themes = archive.db.execute("select * from article_themes order by 1, 2").fetchall()
            stories = archive.db.execute("select id, article_count from stories").fetchall()
            assert counted(archive) == direct(archive)  # the triggers counted each once
            found[prepared] = (rows, themes, stories, counted(archive))
    rows, themes, stories, counts = found[True]
    assert found[True] == found[False]
    assert len(rows) == 9 and 0 < sum(r[6] for r in rows) < 9  # relevant and not
    assert themes and len(stories) == 9


def test_a_cluster_workers_page_keeps_its_records_through_the_stream(tmp_path: Path) -> None:
    (item,) = items(1, prepared=True)
    again = page_from_dict(serializer.loads(serializer.dumps(page_to_dict(item))))
    assert item.article is not None and again.article is not None
    assert isinstance(again.article.records, Records)
    assert again.article.records == item.article.records
    write(tmp_path / "a.db", [again])
    with Archive(tmp_path / "a.db", readonly=True) as archive:
        assert archive.raw_html(again.article.url) == item.body


class Counters:
    """A source's counters (pipelines.context.SourceCounters), from 0."""

    def __getattr__(self, name: str) -> int:
        return 0


@pytest.mark.parametrize("body_sent", [True, False], ids=["with-body", "records-only"])
def test_a_batch_retried_after_a_full_disk_writes_no_record_id_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body_sent: bool
) -> None:
    """The first try's records are on disk (orphans); the retry appends records of its own,
    of the body read back from the first ones for a page that came without it (a cluster
    worker's: crawler.cluster.stream)."""
    batch = items(3, prepared=True)
    bodies = [item.body for item in batch]
    if not body_sent:
        for item in batch:
            item.body = b""
    calls: list[int] = []
    real_fsync = captures.os.fsync

    def full_once(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(captures.os, "fsync", full_once)
    writer = ArchiveWriter(
        tmp_path / "a.db", report=lambda source: Counters(), retry_seconds=5, policy=POLICY
    )
    with Archive(tmp_path / "a.db") as archive:
        writer._commit(archive, [(item, Deferred()) for item in batch])
        assert writer.stopped is None and len(calls) == 2
        for item, body in zip(batch, bodies, strict=True):
            assert item.article is not None
            assert archive.raw_html(item.article.url) == body
    ids = []
    for path in (tmp_path / "warc").glob("*.warc.gz"):
        with open(path, "rb") as handle:
            ids += [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(handle)]
    assert len(ids) == 1 + 2 * 2 * len(batch)  # warcinfo, and each fetch's pair twice
    assert len(set(ids)) == len(ids)
