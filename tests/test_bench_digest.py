"""The digest benchmark still runs: once, small, as a user would start it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "bench" / "digest_speed.py"


@pytest.mark.slow
def test_digest_benchmark_runs_small(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(SCRIPT), "--articles", "300", "--days", "5"]
        + ["--runs", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "built 300 articles" in result.stdout
    match = re.search(
        r"digest of 2026-03-04: (\d+) articles, median [\d.]+s over 1 runs", result.stdout
    )
    assert match and int(match.group(1)) > 0, result.stdout
    assert list(tmp_path.iterdir()) == []  # everything in its own temporary directory


def test_digest_benchmark_help() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "--articles" in result.stdout and "--runs" in result.stdout
