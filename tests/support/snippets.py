"""A snippet of Python in a fresh interpreter: for what one process loads or keeps
(imports, module state) that a test must not share with the test run's own."""

from __future__ import annotations

import subprocess
import sys

__all__ = ["run_python"]


def run_python(
    script: str, *args: str, input: str | None = None, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run *script* (``python -c``) with *args* and *input* on its stdin; text output
    captured. With *check*, a non-zero exit raises (its stderr in the error)."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
