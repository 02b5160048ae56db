"""One crawl at a time per archive: an advisory ``fcntl`` lock on ``<db>.lock``.

``culturewatch crawl`` holds the lock for the whole crawl, whether it was started by hand
or by the scheduler, so two crawls never write the same archive at once. The lock is
released by the kernel when the process ends, also after a crash or ``kill -9``; the file
itself stays (removing it would race with a process about to lock it).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ArchiveBusy", "LockError", "crawl_lock", "is_locked", "lock_path"]

_ATTEMPTS = 4


class LockError(Exception):
    """The crawl lock could not be taken (message: one line)."""


class ArchiveBusy(LockError):
    """Another process holds the crawl lock of this archive."""


def lock_path(db: str | os.PathLike) -> Path:
    """The lock file beside the archive: ``data/culturewatch.db`` -> ``data/culturewatch.db.lock``."""
    db = Path(db)
    return db.with_name(db.name + ".lock")


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


@contextmanager
def crawl_lock(db: str | os.PathLike) -> Iterator[Path]:
    """Hold the crawl lock of *db* for the ``with`` block, or raise :class:`ArchiveBusy` at once."""
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise LockError(f"cannot open the crawl lock {path}: {exc.strerror}") from None
    try:
        for attempt in range(_ATTEMPTS):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # a moment's patience covers is_locked() peeking at the lock right now
                if attempt == _ATTEMPTS - 1:
                    raise ArchiveBusy(
                        f"another crawl is running on {db}{_holder(path)}; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_locked(db: str | os.PathLike) -> bool:
    """True when some process holds the crawl lock of *db* right now (a hint: it may change)."""
    path = lock_path(db)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
