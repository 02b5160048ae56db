"""Precision on ordinary news: the real general-news pages of ../shared/corpus, none about the
monitored topic, must not be flagged relevant (tests/quality/eval_news_stream.py, baseline
"news_stream" in tests/quality/baselines.json)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from crawler.config import SETTINGS_SCHEMA, load_themes

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "quality" / "eval_news_stream.py"

pytestmark = [pytest.mark.quality, pytest.mark.slow]  # extracts 252 real pages


def _load():
    spec = importlib.util.spec_from_file_location("eval_news_stream", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_ordinary_news_page_is_flagged() -> None:
    stream = _load()
    pages = stream.pages()
    if not pages:
        pytest.skip("../shared corpus not available")
    themes = load_themes(ROOT / "config" / "themes.toml")
    figures = stream.evaluate(pages, themes, SETTINGS_SCHEMA["relevance"]["threshold"][1])
    assert figures["pages"] == len(pages) >= 250
    assert figures["flagged"] == [], figures["flagged"]
    assert stream.check(figures) == []


def test_the_gate_fails_when_a_page_is_flagged() -> None:
    stream = _load()
    assert stream.check({"flagged": [{"page": "x"}]})
    assert stream.check({"flagged": []}) == []
