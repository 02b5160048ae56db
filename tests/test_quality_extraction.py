"""Quality gate: the crawl on a loopback mirror of the benchmark's real pages.

Skipped when ``../shared`` is absent. Figures and the baseline: tests/quality/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "quality"))

from eval_extraction import check, measure  # noqa: E402

pytestmark = [pytest.mark.quality, pytest.mark.slow]  # two crawls of 121 real pages


def test_benchmark_mirror_meets_the_stored_baseline(benchmark_corpus, tmp_path):
    result = measure(benchmark_corpus, tmp_path)
    assert result["archived_share"] >= 0.98, result
    assert result["f1"] >= 0.90, result
    assert result["second_crawl_exit"] == 0
    assert check(result) == [], result
