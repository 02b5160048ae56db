"""Files written whole: a reader sees the old file or the new one, never half of one.

One rule for every file the application writes beside the archive: the digest's files, the
alerts' feeds, calibrated thresholds in ``themes.toml`` (``culturewatch evaluate --apply``).
"""

from __future__ import annotations

import errno
import os
import secrets
import time
from pathlib import Path

__all__ = ["STALE_SECONDS", "atomic_write"]

# a temporary file this old was left by a writer that was killed (a write takes seconds)
STALE_SECONDS = 3600


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one.

    The temporary file has a name of its own (two digests writing the same directory at once
    never share it) and is removed when anything fails. It is opened with mode 0o666 less the
    umask, as a plain new file would be (mkstemp's 0o600 would hide digests from a web server).
    Temporary files of *path* older than :data:`STALE_SECONDS`, left by a writer that was
    killed, are removed first.
    """
    _remove_stale(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    for _attempt in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _remove_stale(path: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
        except OSError:  # gone already, or not ours to remove: the write goes on
            continue
