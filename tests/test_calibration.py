"""Per-theme thresholds: calibrated from labels, applied only when asked, used by the scorer.

The archive is written with the real writer (scores set as the scorer stores them); the
test finds the best threshold itself, by trying every one, and checks what evaluate says.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from browse_helpers import CULTUREWATCH
from support import REPO, write_settings

from crawler.config import ConfigError, load_themes
from pipelines.scoring.relevance import score
from storage.archive import Archive
from storage.labels import add_label

# (relevance, label or None for unlabelled), all mainly about films_games
FILMS = [(0.1, 0), (0.2, 0), (0.3, 1), (0.35, 1), (0.4, 1), (0.45, 0), (0.6, 1), (0.7, 1)]
UNLABELLED = [0.27, 0.22, 0.48, 0.9]


def build(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config"
    write_settings(config)
    shutil.copy(REPO / "config" / "themes.toml", config / "themes.toml")
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        for n, (relevance, label) in enumerate(
            [*FILMS, *((r, None) for r in UNLABELLED), (0.8, 1), (0.3, 0)]
        ):
            theme = "heritage_unesco" if n >= len(FILMS) + len(UNLABELLED) else "films_games"
            row_id, _ = archive.upsert_article(
                {"url": f"https://news.example/{n}", "title": f"article {n}", "text": "..."}
            )
            archive.set_relevance(
                row_id,
                relevance=relevance,
                relevant=relevance >= 0.5,
                themes=[theme] if relevance >= 0.5 else [],
                theme_scores={theme: relevance, "culture_economy": relevance / 2},
                evidence={},
            )
            if label is not None:
                with archive.transaction():
                    add_label(archive.db.conn, row_id, label, labelled_by="ana")
    return db, config


def f1(threshold: float) -> float:
    tp = sum(1 for r, t in FILMS if r >= threshold and t)
    fp = sum(1 for r, t in FILMS if r >= threshold and not t)
    fn = sum(1 for r, t in FILMS if r < threshold and t)
    return 2 * tp / (2 * tp + fp + fn)


def evaluate(db: Path, config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CULTUREWATCH, "evaluate", "--config", str(config), "--db", str(db), *extra],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_calibration_shows_then_applies_only_when_asked(tmp_path: Path) -> None:
    db, config = build(tmp_path)
    original = (config / "themes.toml").read_text(encoding="utf-8")
    best = max(sorted({r for r, _t in FILMS}), key=f1)  # the first of the best
    below = max(r for r, _t in FILMS if r < best)

    shown = evaluate(db, config, "--calibrate", "--json")
    assert shown.returncode == 0, shown.stderr
    films = json.loads(shown.stdout)["calibration"]["films_games"]
    assert films["current"] == 0.5 and films["labelled"] == len(FILMS)
    assert below < films["proposed"] <= best
    assert films["after"]["f1"] == pytest.approx(f1(best))
    assert films["before"]["f1"] == pytest.approx(f1(0.5))
    proposed = films["proposed"]
    gain = sum(1 for r in [r for r, _t in FILMS] + UNLABELLED if proposed <= r < 0.5)
    assert films["archive_becomes_relevant"] == gain and films["archive_stops_being_relevant"] == 0
    heritage = json.loads(shown.stdout)["calibration"]["heritage_unesco"]
    assert heritage["proposed"] is None and "too few labels" in heritage["reason"]
    assert (config / "themes.toml").read_text(encoding="utf-8") == original  # shown, not written

    text = evaluate(db, config, "--calibrate")
    assert f"threshold 0.5 -> {proposed:g}" in text.stdout

    applied = evaluate(db, config, "--apply")
    assert applied.returncode == 0, applied.stderr
    assert "culturewatch rescore" in applied.stdout
    new = (config / "themes.toml").read_text(encoding="utf-8")
    added = [line for line in new.splitlines() if line not in original.splitlines()]
    assert added == [f"threshold = {proposed:g}"]  # comments and every other line kept
    assert len(new.splitlines()) == len(original.splitlines()) + 1
    themes = load_themes(config / "themes.toml")
    assert themes.thresholds == {"films_games": proposed}
    again = evaluate(db, config, "--calibrate", "--json")
    assert json.loads(again.stdout)["calibration"]["films_games"]["current"] == proposed


def test_the_scorer_uses_the_main_themes_threshold(tmp_path: Path) -> None:
    themes = load_themes(REPO / "config" / "themes.toml")
    article = {"title": "A weekend", "text": "Shoppers in Beijing bought a video game."}
    plain = score(article, themes, 0.5)
    assert 0 < plain.relevance < 0.5 and not plain.relevant
    path = tmp_path / "themes.toml"
    text = (REPO / "config" / "themes.toml").read_text(encoding="utf-8")
    low = plain.relevance - 0.01
    path.write_text(
        text.replace("[themes.films_games.terms]", f"threshold = {low}\n\n[themes.films_games.terms]"),
        encoding="utf-8",
    )  # fmt: skip
    tuned = score(article, load_themes(path), 0.5)
    assert tuned.relevant and tuned.themes == ["films_games"]
    # another theme's threshold does not apply to an article mainly about films
    path.write_text(
        text.replace("[themes.heritage_unesco.terms]", "threshold = 0.01\n\n[themes.heritage_unesco.terms]"),
        encoding="utf-8",
    )  # fmt: skip
    assert not score(article, load_themes(path), 0.5).relevant


@pytest.mark.parametrize("value", ["0", "1.5", "true", '"high"'])
def test_a_bad_theme_threshold_is_one_line(tmp_path: Path, value: str) -> None:
    path = tmp_path / "themes.toml"
    text = (REPO / "config" / "themes.toml").read_text(encoding="utf-8")
    path.write_text(
        text.replace("[themes.films_games.terms]", f"threshold = {value}\n\n[themes.films_games.terms]"),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ConfigError) as exc:
        load_themes(path)
    message = str(exc.value)
    assert str(path) in message and "themes.films_games.threshold" in message
    assert "\n" not in message
