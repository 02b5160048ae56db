"""Files written whole (storage.files): what a killed writer left behind is cleaned up."""

from __future__ import annotations

import os
import time
from pathlib import Path

from storage.files import STALE_SECONDS, atomic_write


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "2026-03-04.md"
    stale = tmp_path / ".2026-03-04.md.0123456789ab.tmp"
    fresh = tmp_path / ".2026-03-04.md.ba9876543210.tmp"  # another writer, at work right now
    other = tmp_path / ".2026-03-05.md.0123456789ab.tmp"  # another file's, not ours to judge
    for leftover in (stale, fresh, other):
        leftover.write_text("half a digest", encoding="utf-8")
    old = time.time() - STALE_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))

    atomic_write(target, "# the digest\n")

    assert target.read_text(encoding="utf-8") == "# the digest\n"
    assert not stale.exists()
    assert fresh.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [target.name, fresh.name, other.name]
    )
