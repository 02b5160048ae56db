"""Where the test support finds things: the repository, its data files, ``../shared``."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA", "REPO", "SHARED"]

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"  # the support's own data files
SHARED = REPO.parent / "shared"  # the benchmark corpus and labelled data, when present
