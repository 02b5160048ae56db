"""What every quality gate shares: the stored baselines, the tolerance, the verdict.

``baselines.json`` holds one object of figures per gate; a figure may fall ``TOLERANCE``
below its baseline (timing and ordering noise) before the gate fails. ``verdict`` prints
each problem as a ``FAIL:`` line on stderr and returns the exit status of ``--check``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["BASELINES", "TOLERANCE", "baseline", "fell_below", "verdict"]

BASELINES = Path(__file__).resolve().parent / "baselines.json"
TOLERANCE = 0.005


def baseline(name: str, path: Path = BASELINES) -> dict[str, Any]:
    """The stored figures of gate *name* (empty when it has none)."""
    return json.loads(path.read_text(encoding="utf-8")).get(name, {})


def fell_below(
    figures: Mapping[str, Any], base: Mapping[str, Any], keys: Iterable[str]
) -> list[str]:
    """A problem for each of *keys* whose figure is more than TOLERANCE below *base*."""
    return [
        f"{key} {figures[key]} fell below the baseline {base[key]}"
        for key in keys
        if key in base and figures[key] < base[key] - TOLERANCE
    ]


def verdict(problems: list[str]) -> int:
    """Print the problems (stderr) or that the gate passed; the exit status of --check."""
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("baseline check passed")
    return 0
