"""Raw captures: every fetched article page as WARC records, in gzipped files beside the archive.

WARC (ISO 28500) is the format of Common Crawl, Heritrix and pywb, so the captures can be
replayed, indexed and processed again by the tools of web archiving. For each page the
crawl appends a ``request`` and a ``response`` record (HTTP status and headers, then the
body), or a ``revisit`` record when a page already captured came back unchanged (same
payload digest). Each record is a gzip member of its own, so one can be read alone by its
offset and length, which the article row keeps (``warc_filename``, ``warc_record_offset``,
``warc_record_length``: the names of Common Crawl's index).

Files: ``warc/`` beside the archive file by default (``data/warc/``), named
``culturewatch-YYYYMM-NNNNN.warc.gz``: each writer (a crawl, a revisit run) starts a file of
its own, and a new one each month and when its file passes its size limit. A writer never
appends to a file it did not create, so a record cut short by a killed process (``kill -9``
mid-write) can only be the last bytes of a file nobody writes to again: every whole record
before it stays readable in sequence (``warcio index``) as well as by its offset. ``warc_filename`` is relative to the archive's directory (absolute
when the WARC directory is elsewhere), so a copy of both reads as the original.

A fetch's records are built apart from the file (:func:`build_response`, in the crawl's
extraction workers) and appended as they are (:meth:`CaptureWriter.append`): their place is
only known then, and being gzip members of their own, they need none to be built.

Nothing is lost: records are appended under an exclusive ``flock`` and a failed write (disk
full) is cut off again, so a file never holds half a record; :meth:`CaptureWriter.sync`
(``fsync``) runs before the transaction of the rows pointing at them commits. A crash in
between leaves at most records no row points at, never a row pointing at nothing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

__all__ = [
    "Capture",
    "Records",
    "build_response",
    "CaptureMissing",
    "CaptureWriter",
    "capture_problem",
    "read_capture",
    "response_body",
    "warc_files",
]

PREFIX = "culturewatch"
# headers that describe the bytes on the wire, not the (decoded) body kept
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_LEVEL = 3  # gzip level: as the raw_html table's (half the time of 6, 12 % more bytes)


@dataclass(frozen=True)
class Capture:
    """Where a response record is: its file (see the module), offset and length in bytes."""

    file: str
    offset: int
    length: int
    digest: str = ""  # WARC-Payload-Digest (sha1:BASE32)


class CaptureMissing(Exception):
    """The WARC record an article points at is gone: file deleted, truncated or damaged."""


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return packer.compress(data) + packer.flush()


@dataclass(frozen=True)
class Records:
    """The request and response records of one fetch as they go in a WARC file: *data*,
    two gzip members (so they need no place to be built: an extraction worker builds them
    and the writer only appends them), the response's *start* and *length* in *data*, and
    its payload digest."""

    data: bytes
    start: int
    length: int
    digest: str


_BUILDER = RecordBuilder(warc_version="1.1")


def build_response(
    url: str,
    body: bytes,
    *,
    status: int | None,
    headers: Iterable[tuple[str, str]] = (),
    request_headers: Iterable[tuple[str, str]] = (),
) -> Records:
    """The request and response records of fetching *url* (the body, HTTP status and headers
    as received, the request's headers), dated now."""
    kept = [(k, v) for k, v in headers if k.lower() not in _WIRE_HEADERS]
    kept += [(f"X-Crawler-{k}", v) for k, v in headers if k.lower() in _WIRE_HEADERS]
    kept.append(("Content-Length", str(len(body))))
    http = StatusAndHeaders(f"{status or 200} {_reason(status)}", kept, protocol="HTTP/1.1")
    response = _BUILDER.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
    )
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    request_http = StatusAndHeaders(
        f"GET {_target(url)} HTTP/1.1", list(request_headers), is_http_request=True
    )
    request = _BUILDER.create_warc_record(
        url,
        "request",
        http_headers=request_http,
        warc_headers_dict={"WARC-Concurrent-To": response_id},
    )
    first = _serialize(request)
    second = _serialize(response)
    digest = response.rec_headers.get_header("WARC-Payload-Digest") or ""
    return Records(first + second, len(first), len(second), digest)


class CaptureWriter:
    """Appends records to the WARC files of *directory*; *base*: the archive's directory."""

    def __init__(self, directory: Path, *, base: Path, max_bytes: int = 1024**3) -> None:
        self.directory = Path(directory)
        self.base = Path(base)
        self.max_bytes = max_bytes
        self._fd: int | None = None
        self._path: Path | None = None
        self._file = ""  # the name rows keep for self._path
        self._dirty: set[int] = set()

    # -- records
    def response(
        self,
        url: str,
        body: bytes,
        *,
        status: int | None,
        headers: Iterable[tuple[str, str]] = (),
        request_headers: Iterable[tuple[str, str]] = (),
    ) -> Capture:
        """Append the request and response records of one fetch; returns the response's place."""
        return self.append(
            build_response(
                url, body, status=status, headers=headers, request_headers=request_headers
            )
        )

    def append(self, records: Records) -> Capture:
        """Append records built already (:func:`build_response`); returns the response's place."""
        file, offset = self._append(records.data)
        return Capture(file, offset + records.start, records.length, records.digest)

    def revisit(self, url: str, *, digest: str, refers_to: str, refers_to_date: str) -> Capture:
        """Append a revisit record: *url* fetched again, its payload identical to a capture's."""
        record = _BUILDER.create_revisit_record(url, digest, refers_to, refers_to_date)
        data = _serialize(record)
        file, offset = self._append(data)
        return Capture(file, offset, len(data), digest)

    def sync(self) -> None:
        """Flush what was appended to the disk (before the rows pointing at it commit)."""
        for fd in list(self._dirty):
            os.fsync(fd)
        self._dirty.clear()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._path = None

    # -- files
    def _append(self, data: bytes) -> tuple[str, int]:
        fd, path = self._open()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            start = os.fstat(fd).st_size
            if start == 0:
                info = _serialize(self._info(path.name))
                self._write_all(fd, info, start, path)
                start = len(info)
            self._write_all(fd, data, start, path)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        self._dirty.add(fd)
        return self._file, start

    @staticmethod
    def _write_all(fd: int, data: bytes, start: int, path: Path) -> None:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError as exc:
            with contextlib.suppress(OSError):  # never half a record (a full disk): cut it off
                os.ftruncate(fd, start)
            reason = exc.strerror or str(exc)
            if exc.errno == errno.ENOSPC:
                reason += " (disk full)"
            raise OSError(exc.errno, f"cannot write the WARC file {path}: {reason}") from None

    def _open(self) -> tuple[int, Path]:
        month = datetime.now(UTC).strftime("%Y%m")
        if self._fd is not None and self._path is not None:
            size = os.fstat(self._fd).st_size
            if self._path.name.startswith(f"{PREFIX}-{month}-") and size < self.max_bytes:
                return self._fd, self._path
            self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        existing = sorted(self.directory.glob(f"{PREFIX}-{month}-*.warc.gz"))
        number = int(existing[-1].name.split("-")[2].split(".")[0]) + 1 if existing else 1
        while True:  # a file of its own: claimed, never one another process left
            path = self.directory / f"{PREFIX}-{month}-{number:05d}.warc.gz"
            try:
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                self._fd = os.open(path, flags, 0o666)
                break
            except FileExistsError:
                number += 1
        self._path = path
        self._file = self._name(path)
        return self._fd, path

    def _name(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.base.resolve()))
        except ValueError:
            return str(path.resolve())

    def _info(self, filename: str) -> object:
        return _BUILDER.create_warcinfo_record(
            filename, {"software": "culturewatch", "format": "WARC File Format 1.1"}
        )


def _serialize(record: object) -> bytes:
    out = io.BytesIO()
    WARCWriter(out, gzip=False, warc_version="1.1")._write_warc_record(out, record)
    return _gzip(out.getvalue())


def _target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int | None) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status or 200).phrase
    except ValueError:
        return "Unknown"


# ---------------------------------------------------------------------------- reads
def _path(base: Path, file: str) -> Path:
    return Path(base) / file  # an absolute *file* stays itself


def read_record(base: Path, file: str, offset: int, length: int) -> tuple[dict[str, str], bytes]:
    """The WARC headers and the payload (the HTTP body, decoded) of one record."""
    path = _path(base, file)
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    except OSError as exc:
        raise CaptureMissing(f"WARC file {path}: {exc.strerror or exc}") from None
    if len(data) < length:
        raise CaptureMissing(f"WARC file {path} is truncated (record at {offset})")
    try:
        return _parse(data)
    except Exception as exc:  # noqa: BLE001 - any damage: the capture is not readable
        raise CaptureMissing(f"WARC record at {offset} of {path} is damaged: {exc}") from None


def _parse(data: bytes) -> tuple[dict[str, str], bytes]:
    record = next(iter(ArchiveIterator(io.BytesIO(data))))
    return dict(record.rec_headers.headers), record.content_stream().read()


def response_body(records: Records) -> bytes:
    """The body of the fetch whose records these are (:func:`build_response`'s *body*, byte
    for byte), read back from its response record: what a page that travelled with its
    records only (a cluster worker's) needs no copy of."""
    return _parse(records.data[records.start : records.start + records.length])[1]


def read_capture(base: Path, file: str, offset: int, length: int) -> bytes:
    """The body of the response record at *offset* of *file*; :class:`CaptureMissing`."""
    return read_record(base, file, offset, length)[1]


def capture_problem(base: Path, file: str | None, offset: int | None, length: int | None) -> str:
    """Why the capture at this place cannot be read ("" when its file holds it): a cheap
    check, without reading the record (the article page)."""
    if not file or offset is None or length is None:
        return "no raw capture was kept"
    path = _path(base, file)
    try:
        size = path.stat().st_size
    except OSError:
        return f"the raw capture is missing: {file} is gone"
    if size < offset + length:
        return f"the raw capture is missing: {file} is truncated"
    return ""


def warc_files(directory: Path) -> list[Path]:
    """The WARC files of *directory*, oldest first."""
    return sorted(Path(directory).glob("*.warc.gz")) if Path(directory).is_dir() else []
