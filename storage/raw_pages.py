"""The archive's side of raw captures: which article points at which WARC record.

An article row keeps ``warc_filename``, ``warc_record_offset`` and ``warc_record_length``
(:mod:`storage.captures` writes and reads the files). :class:`RawPages` is the writer's
handle on them; :func:`move_raw_html` moves the pages of an archive of an earlier release,
kept gzipped in the table ``raw_html``, out to WARC files.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlite_utils

from storage.captures import (
    Capture,
    CaptureMissing,
    CaptureWriter,
    Records,
    build_response,
    read_capture,
    read_record,
)

__all__ = ["RawPages", "has_raw_html_table", "move_raw_html"]

DEFAULT_WARC_MAX_BYTES = 1024**3


def has_raw_html_table(db: sqlite_utils.Database) -> bool:
    return db.table("raw_html").exists()


class RawPages:
    """The raw captures of the archive *db* at *path*: WARC files in *warc_dir*."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        path: Path,
        *,
        warc_dir: Path | None = None,
        max_bytes: int = DEFAULT_WARC_MAX_BYTES,
    ) -> None:
        self.db = db
        self.base = Path(path).parent
        self.warc_dir = Path(warc_dir) if warc_dir else self.base / "warc"
        self.max_bytes = max_bytes
        self._writer: CaptureWriter | None = None

    @property
    def writer(self) -> CaptureWriter:
        if self._writer is None:
            self._writer = CaptureWriter(self.warc_dir, base=self.base, max_bytes=self.max_bytes)
        return self._writer

    def save(
        self,
        article_id: int,
        url: str,
        body: bytes,
        *,
        status: int | None = 200,
        headers: Iterable[tuple[str, str]] = (),
        request_headers: Iterable[tuple[str, str]] = (),
        records: Records | None = None,
    ) -> Capture:
        """Append the fetch of *url* to the WARC files and point the article at it (in the
        caller's transaction; call :meth:`sync` before it commits). *records*: its WARC
        records built already (:func:`storage.captures.build_response`, by an extraction
        worker), appended as they are."""
        outer = self.db.conn.in_transaction
        if records is None:
            records = build_response(
                url, body, status=status, headers=headers, request_headers=request_headers
            )
        capture = self.writer.append(records)
        if not outer:  # a write of its own: on disk before the row, committed at once
            self.sync()
        self.point(article_id, capture)
        if not outer:
            self.db.conn.commit()
        return capture

    def point(self, article_id: int, capture: Capture) -> None:
        self.db.conn.execute(
            "update articles set warc_filename = ?, warc_record_offset = ?, "
            "warc_record_length = ? where id = ?",
            [capture.file, capture.offset, capture.length, article_id],
        )

    def revisit(self, url: str, body: bytes) -> bool:
        """A page fetched again: a revisit record when its body is the one captured for the
        article *url* (same payload digest); False when it changed or has no capture."""
        place = self.place(url)
        if place is None:
            return False
        try:
            headers, old = read_record(self.base, *place)
        except CaptureMissing:
            return False
        if old != body:
            return False
        self.writer.revisit(
            url,
            digest=headers.get("WARC-Payload-Digest", ""),
            refers_to=headers.get("WARC-Target-URI", url),
            refers_to_date=headers.get("WARC-Date", ""),
        )
        return True

    def sync(self) -> None:
        if self._writer is not None:
            self._writer.sync()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # -- reads
    def place(self, url: str) -> tuple[str, int, int] | None:
        row = self.db.execute(
            "select warc_filename, warc_record_offset, warc_record_length from articles "
            "where url = ?",
            [url],
        ).fetchone()
        if row is None or row[0] is None:
            return None
        return str(row[0]), int(row[1]), int(row[2])

    def read(self, url: str) -> bytes | None:
        """The body fetched for the article *url*; None when none was kept,
        :class:`storage.captures.CaptureMissing` when its WARC record is gone."""
        place = self.place(url)
        if place is not None:
            return read_capture(self.base, *place)
        if has_raw_html_table(self.db):  # not moved out yet (move_raw_html)
            row = self.db.execute("select html_gz from raw_html where url = ?", [url]).fetchone()
            return gzip.decompress(row[0]) if row else None
        return None


def move_raw_html(
    pages: RawPages,
    *,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Move the pages of the table ``raw_html`` into WARC files, then drop it and vacuum.

    Resumable: a batch is appended, synced and read back (each record's body compared with
    the page), then in one transaction its articles point at the records and its rows
    leave ``raw_html``; stopped at any moment, it goes on where it was (at most orphan
    records are left). A page of no article still gets its record. *progress(done, total)*.
    Returns ``moved``, ``bytes`` (the pages' size) and ``orphans`` (pages of no article).
    """
    db = pages.db
    counts = {"moved": 0, "bytes": 0, "orphans": 0}
    if not has_raw_html_table(db):
        return counts
    total = db.execute("select count(*) from raw_html").fetchone()[0]
    while True:
        rows = db.execute(
            "select r.rowid, r.url, r.html_gz, r.content_type, a.id from raw_html r "
            "left join articles a on a.url = r.url order by r.rowid limit ?",
            [batch_size],
        ).fetchall()
        if not rows:
            break
        placed = []
        for rowid, url, html_gz, content_type, article_id in rows:
            body = gzip.decompress(html_gz)
            headers = [("Content-Type", content_type)] if content_type else []
            capture = pages.writer.response(url, body, status=200, headers=headers)
            placed.append((rowid, article_id, body, capture))
        pages.sync()
        for _rowid, _id, body, capture in placed:  # checked before anything is deleted
            if read_capture(pages.base, capture.file, capture.offset, capture.length) != body:
                raise CaptureMissing(f"a moved page did not read back from {capture.file}")
        with db.atomic():
            for rowid, article_id, body, capture in placed:
                if article_id is not None:
                    pages.point(article_id, capture)
                else:
                    counts["orphans"] += 1
                db.execute("delete from raw_html where rowid = ?", [rowid])
                counts["moved"] += 1
                counts["bytes"] += len(body)
        if progress:
            progress(counts["moved"], total)
    db.execute("drop table raw_html")
    db.execute("vacuum")
    return counts
