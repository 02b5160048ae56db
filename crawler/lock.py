"""One crawl at a time per archive: an advisory ``fcntl`` lock on ``<db>.lock``.

``culturewatch crawl`` holds the lock for the whole crawl, whether it was started by hand
or by the scheduler, so two crawls never write the same archive at once; ``culturewatch
rescore`` holds it too, and the lock file says which of them runs. The lock is
released by the kernel when the process ends, also after a crash or ``kill -9``; the file
itself stays (removing it would race with a process about to lock it).
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


# What a holder may call itself: one lower-case word ("crawl", "rescore").
_WORD = re.compile(r"[a-z][a-z_-]{0,31}")


def _busy_message(db: str | os.PathLike, path: Path) -> str:
    """Who holds the lock, from the lock file: ``"<pid> <holder>"``, or only ``"<pid>"``
    (older versions, which did not say whether a crawl or a rescore held it)."""
    try:
        first = path.read_bytes()[:200].decode("ascii", "replace").split("\n", 1)[0]
    except OSError:
        first = ""
    pid, _, holder = first.strip().partition(" ")
    holder = holder.strip()
    if holder == "crawl":
        who = "another crawl"
    elif _WORD.fullmatch(holder):
        who = f"a {holder}"
    else:
        who = "another crawl or rescore"
    pid_text = f" (pid {pid})" if pid.isdigit() else ""
    return f"{who} is running on {db}{pid_text}; try again when it has finished"


@contextmanager
def crawl_lock(db: str | os.PathLike, *, holder: str = "crawl") -> Iterator[Path]:
    """Hold the crawl lock of *db* for the ``with`` block, or raise :class:`ArchiveBusy` at once.

    *holder* says what this process does with the archive (``"crawl"``, ``"rescore"``): the
    lock file holds ``"<pid> <holder>"`` while it is held, so whoever finds the archive busy
    is told what runs. A lock file that cannot be written (disk full) raises :class:`LockError`.
    """
    if not _WORD.fullmatch(holder):
        raise ValueError(f"holder must be one lower-case word, not {holder!r}")
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
                    raise ArchiveBusy(_busy_message(db, path)) from None
                time.sleep(0.05)
            except OSError as exc:  # e.g. ENOLCK on a network file system
                raise LockError(f"cannot take the crawl lock {path}: {exc.strerror}") from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {holder}\n".encode("ascii"), 0)
        except OSError as exc:  # ENOSPC: the disk is full (closing the file releases the lock)
            raise LockError(f"cannot write the crawl lock {path}: {exc.strerror}") from None
        try:
            yield path
        finally:
            with suppress(OSError):  # never hide what ended the block
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
