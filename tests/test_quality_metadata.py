"""Quality gate: titles, publication days, authors and body of real publisher pages, crawled.

Skipped when ``../shared/corpus/fundus-metadata`` is absent. Figures and the baseline:
tests/quality/eval_metadata.py and tests/quality/baselines.json ("metadata").
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "quality"))

from eval_metadata import check, corpus_dir, measure  # noqa: E402

pytestmark = [pytest.mark.quality, pytest.mark.slow]  # a crawl of 131 real pages


def test_metadata_mirror_meets_the_stored_baseline(tmp_path):
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("../shared/corpus/fundus-metadata is not available")
    result = measure(corpus, tmp_path)
    assert result["ours"]["archived"] >= 0.95 * result["ours"]["pages"], result["ours"]
    assert check(result) == [], {k: v for k, v in result["ours"].items() if k != "misses"}
