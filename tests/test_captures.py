"""Raw captures as WARC files (storage/captures.py, storage/raw_pages.py) and the archive's
upkeep (`culturewatch archive stats|backup|migrate`, storage/upkeep.py)."""

from __future__ import annotations

import errno
import gzip
import random
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from browse_helpers import crawl_fixture_archive
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from crawler.cli import cli
from pipelines.scoring.rescore import reextract_archive
from storage import captures
from storage.archive import Archive
from storage.captures import CaptureMissing, CaptureWriter
from storage.raw_pages import move_raw_html
from storage.upkeep import backup_archive
from storage.web.article_page import article_page


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crawl_fixture_archive(tmp_path_factory.mktemp("warc"))


def copy_archive(db: Path, to: Path) -> Path:
    """A copy of the archive *db* and its warc/ folder in *to*."""
    to.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(db)) as src, closing(sqlite3.connect(to / db.name)) as out:
        src.backup(out)
    shutil.copytree(db.parent / "warc", to / "warc")
    return to / db.name


def records(directory: Path) -> list[tuple[str, str | None, int]]:
    """(type, target URI, payload bytes) of every record of the WARC files, read by warcio."""
    out = []
    for path in sorted(directory.glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                body = record.content_stream().read()
                out.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                            len(body)))  # fmt: skip
    return out


# ---------------------------------------------------------------------------- the crawl
def test_a_crawl_writes_warc_files_that_warcio_reads(crawled: Path) -> None:
    warc = crawled.parent / "warc"
    files = list(warc.glob("culturewatch-*.warc.gz"))
    assert files, "no WARC file beside the archive"
    found = records(warc)
    kinds = [kind for kind, _, _ in found]
    assert kinds[0] == "warcinfo" and "request" in kinds
    articles = rows(
        crawled, "select url, warc_filename, warc_record_offset, warc_record_length from articles"
    )
    assert articles and all(f and length for _, f, _, length in articles)
    responses = {uri for kind, uri, _ in found if kind == "response"}
    with Archive(crawled, readonly=True) as archive:
        for url, file, offset, length in articles:
            headers, body = captures.read_record(crawled.parent, file, offset, length)
            assert headers["WARC-Type"] == "response" and headers["WARC-Target-URI"] in responses
            assert body.lstrip().lower().startswith((b"<!doctype", b"<html")), url
            assert archive.raw_html(url) == body


def test_re_extraction_from_the_warc_reproduces_the_archived_text(
    crawled: Path, tmp_path: Path
) -> None:
    db = copy_archive(crawled, tmp_path / "copy")
    before = dict(rows(db, "select url, text from articles"))
    with Archive(db) as archive:
        counts = reextract_archive(archive)
    assert counts == {"articles": len(before), "extracted": len(before), "missing": 0, "pruned": 0}
    assert dict(rows(db, "select url, text from articles")) == before


def test_a_deleted_or_truncated_warc_file_is_skipped_and_said(
    crawled: Path, tmp_path: Path
) -> None:
    db = copy_archive(crawled, tmp_path / "copy")
    (name, n), *_ = rows(
        db, "select warc_filename, count(*) from articles group by 1 order by 2 desc"
    )
    path = db.parent / name
    path.write_bytes(path.read_bytes()[:1000])  # truncated
    total = rows(db, "select count(*) from articles")[0][0]
    config = tmp_path / "config"
    shutil.copytree(crawled.parent / "config", config)
    result = CliRunner().invoke(cli, ["rescore", "--reextract", "--db", str(db), "--config",
                                      str(config)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"re-extracted {total - n} of {total} articles ({n} skipped" in result.output
    article_id = rows(db, "select id from articles where warc_filename = ?", name)[0][0]
    with closing(sqlite3.connect(db)) as conn:
        page = article_page(conn, article_id, {})
    assert page is not None and "the raw capture is missing" in page.capture_problem
    assert "truncated" in page.capture_problem
    path.unlink()  # deleted
    with Archive(db) as archive:
        with pytest.raises(CaptureMissing):
            archive.raw_html(rows(db, "select url from articles where id = ?", article_id)[0][0])
        assert reextract_archive(archive)["missing"] == n
    with closing(sqlite3.connect(db)) as conn:
        page = article_page(conn, article_id, {})
    assert page is not None and "is gone" in page.capture_problem


# ---------------------------------------------------------------------------- writes
def test_records_rotate_by_size_and_a_full_disk_leaves_no_half_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = CaptureWriter(tmp_path / "warc", base=tmp_path, max_bytes=2000)
    body = b"<html>" + random.Random(1).randbytes(3000) + b"</html>"  # does not compress
    first = writer.response("https://a.example/1", body, status=200)
    second = writer.response("https://a.example/2", body, status=200)
    assert first.file != second.file  # the first file passed its 2000 bytes
    size = (tmp_path / second.file).stat().st_size

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(captures.os, "write", full)
    with pytest.raises(OSError, match=r"cannot write the WARC file .*\(disk full\)"):
        writer.response("https://a.example/3", body, status=200)
    monkeypatch.undo()
    assert (tmp_path / second.file).stat().st_size == size  # cut back: no half record
    writer.response("https://a.example/4", body, status=200)
    writer.sync()
    uris = [uri for kind, uri, _ in records(tmp_path / "warc") if kind == "response"]
    assert uris == ["https://a.example/1", "https://a.example/2", "https://a.example/4"]


def test_a_record_cut_short_by_a_killed_writer_leaves_every_other_record_readable(
    tmp_path: Path,
) -> None:
    body = b"<html>" + random.Random(2).randbytes(5000) + b"</html>"
    killed = CaptureWriter(tmp_path / "warc", base=tmp_path)
    kept = killed.response("https://a.example/1", body, status=200)
    cut = killed.response("https://a.example/2", body, status=200)
    killed.sync()
    with open(tmp_path / cut.file, "r+b") as handle:  # what kill -9 mid-write leaves
        handle.truncate(cut.offset + cut.length // 2)
    later = CaptureWriter(tmp_path / "warc", base=tmp_path)  # the next crawl
    new = later.response("https://a.example/3", body, status=200)
    later.sync()
    assert new.file != cut.file  # never appended after the half record
    assert captures.read_capture(tmp_path, new.file, new.offset, new.length) == body
    assert captures.read_capture(tmp_path, kept.file, kept.offset, kept.length) == body
    with open(tmp_path / new.file, "rb") as handle:  # read in sequence, as warcio index does
        assert [r.rec_type for r in ArchiveIterator(handle)] == ["warcinfo", "request", "response"]
    with open(tmp_path / cut.file, "rb") as handle:  # read in sequence: no record after the cut
        read = [(r.rec_headers.get_header("WARC-Target-URI"), len(r.content_stream().read()))
                for r in ArchiveIterator(handle) if r.rec_type == "response"]  # fmt: skip
    assert read[0] == ("https://a.example/1", len(body)) and len(read) == 2


def test_an_unchanged_page_fetched_again_is_a_revisit_record(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    url = "https://news.example/a"
    body = b"<html><p>same</p></html>"
    with Archive(db) as archive:
        article_id, _ = archive.upsert_article({"url": url, "title": "t", "text": "x"})
        archive.raw_pages.save(article_id, url, body)
        assert archive.raw_pages.revisit(url, body)
        assert not archive.raw_pages.revisit(url, body + b"changed")
        archive.raw_pages.sync()
    kinds = [kind for kind, _, _ in records(tmp_path / "warc")]
    assert kinds == ["warcinfo", "request", "response", "revisit"]


# ---------------------------------------------------------------------------- migration
def pre_warc_archive(tmp_path: Path, pages: int) -> tuple[Path, dict[str, bytes]]:
    """An archive as an earlier release left it: the pages gzipped in raw_html."""
    db = tmp_path / "old.db"
    kept: dict[str, bytes] = {}
    with Archive(db) as archive:
        archive.db.execute(
            "create table raw_html (url text primary key, html_gz blob, encoding text, "
            "content_type text, fetched_at text)"
        )
        for n in range(pages):
            url = f"https://news.example/{n}"
            body = f"<html><body><p>page {n} </p>{'x' * (n * 37)}</body></html>".encode()
            if n < pages - 1:  # the last: a page of no article
                archive.upsert_article({"url": url, "title": f"t{n}", "text": f"text {n}"})
            archive.db.execute(
                "insert into raw_html values (?, ?, 'utf-8', 'text/html', '2025-01-01')",
                [url, gzip.compress(body)],
            )
            kept[url] = body
        archive.db.conn.commit()
    return db, kept


def test_the_migration_moves_every_raw_page_to_warc_resumably(tmp_path: Path) -> None:
    db, kept = pre_warc_archive(tmp_path, 25)
    with Archive(db) as archive:

        def stop(done: int, total: int) -> None:
            raise KeyboardInterrupt  # stopped after its first batch

        with pytest.raises(KeyboardInterrupt):
            move_raw_html(archive.raw_pages, batch_size=10, progress=stop)
        assert archive.count("raw_html") == 15
    result = CliRunner().invoke(cli, ["archive", "migrate", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "moved 15 raw pages" in result.output
    assert not rows(db, "select name from sqlite_master where name = 'raw_html'")
    with Archive(db) as archive:
        for url, body in kept.items():
            if url != "https://news.example/24":
                assert archive.raw_html(url) == body
    # every capture kept: count and bytes (a page of no article has its record too)
    moved = {uri: size for kind, uri, size in records(tmp_path / "warc") if kind == "response"}
    assert len(moved) == len(kept)
    assert sum(moved.values()) == sum(len(b) for b in kept.values())
    again = CliRunner().invoke(cli, ["archive", "migrate", "--db", str(db)])
    assert again.exit_code == 0 and "nothing to move" in again.output


# ---------------------------------------------------------------------------- upkeep
def test_stats_reports_tables_warc_bytes_and_months(crawled: Path) -> None:
    result = CliRunner().invoke(cli, ["archive", "stats", "--db", str(crawled)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "KB per article in the SQLite file" in out and "KB per article in WARC" in out
    assert re.search(r"^  articles +table +[\d,]+$", out, re.M) and "articles per month" in out


def test_backup_copies_a_checked_archive_and_its_warc_files(crawled: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup"
    result = CliRunner().invoke(cli, ["archive", "backup", str(dest), "--db", str(crawled)])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    copy = dest / crawled.name
    assert rows(copy, "pragma integrity_check") == [("ok",)]
    with Archive(copy, readonly=True) as archive:
        for (url,) in rows(copy, "select url from articles"):
            assert archive.raw_html(url)
    again = CliRunner().invoke(cli, ["archive", "backup", str(dest), "--db", str(crawled)])
    assert again.exit_code == 0 and "(0.0 MB copied this time)" in again.output


def test_a_backup_of_warc_files_kept_elsewhere_reads_its_own_copies(
    crawled: Path, tmp_path: Path
) -> None:
    db = copy_archive(crawled, tmp_path / "live")
    elsewhere = tmp_path / "disk2" / "captures"  # warc_dir outside the archive's folder
    shutil.move(db.parent / "warc", elsewhere)
    with closing(sqlite3.connect(db)) as conn, conn:  # as the writer stores such a folder
        conn.execute("update articles set warc_filename = ? || '/' || replace(warc_filename, "
                     "'warc/', '') where warc_filename is not null", (str(elsewhere),))  # fmt: skip
    urls = [u for (u,) in rows(db, "select url from articles where warc_filename is not null")]
    assert urls and rows(db, "select warc_filename from articles limit 1")[0][0].startswith("/")
    done = backup_archive(db, tmp_path / "backup", warc_dir=elsewhere)
    shutil.rmtree(elsewhere)  # the original captures gone: the backup must stand alone
    with Archive(done.path, readonly=True) as archive:
        assert all(archive.raw_html(url) for url in urls)


@pytest.mark.parametrize("where", ["itself", "its directory", "not writable"])
def test_a_bad_backup_destination_is_one_line_and_exit_1(
    crawled: Path, tmp_path: Path, where: str
) -> None:
    dest = {
        "itself": crawled,
        "its directory": crawled.parent,
        "not writable": Path("/proc/culturewatch-backup"),
    }[where]
    result = CliRunner().invoke(cli, ["archive", "backup", str(dest), "--db", str(crawled)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("culturewatch: "), result.output
