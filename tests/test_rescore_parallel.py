"""``rescore`` in several processes writes exactly what it writes in one."""

from __future__ import annotations

from pathlib import Path

from crawler.config import load_themes
from pipelines.scoring.rescore import rescore_archive
from storage.archive import Archive

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [
    ("Ne Zha 2 breaks box office records abroad", "The Chinese animated film Ne Zha 2 " * 20),
    ("Weather", "Rain is expected across the region on Tuesday and Wednesday. " * 20),
    ("汉服热", "越来越多的年轻人穿汉服参加传统节日活动，国潮文化在海外也受到关注。" * 10),
    ("Markets", "Shares rose in early trading as investors weighed the latest data. " * 20),
]


def _scores(db: Path) -> list[tuple]:
    with Archive(db) as archive:
        return list(
            archive.db.execute(
                "select id, relevance, relevant, themes, evidence from articles order by id"
            )
        )


def test_parallel_rescore_matches_one_process(tmp_path: Path) -> None:
    themes = load_themes(ROOT / "config" / "themes.toml")
    results = []
    for workers in (1, 2):
        db = tmp_path / f"a{workers}.db"
        with Archive(db) as archive:
            for n in range(30):
                title, text = TEXTS[n % len(TEXTS)]
                archive.upsert_article(
                    {"url": f"https://example.org/{n}", "title": title, "text": f"{text} {n}"}
                )
            counts = rescore_archive(archive, themes, 0.5, batch_size=7, workers=workers)
        assert counts["articles"] == 30
        results.append((counts, _scores(db)))
    assert results[0] == results[1]
    assert 0 < results[0][0]["relevant"] < 30  # a mix: the comparison means something
