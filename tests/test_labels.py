"""Labels from the command line, shared by URL, and what `culturewatch evaluate` makes of them.

One crawl of the fixture site per module (the articles are scored as a real crawl scores
them); the labels are the test's own, and so are the figures they are checked against.
A second archive holding some of the same URLs under other ids takes the import.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from browse_helpers import CULTUREWATCH, crawl_fixture_archive

from storage.archive import Archive
from storage.labels import wilson

pytestmark = pytest.mark.slow  # a module-scoped crawl of the fixture site

THEMES = (
    "films_games",
    "soft_power_diplomacy",
    "traditional_revival_nationalism",
    "heritage_unesco",
    "culture_economy",
    "limits_resistance",
)


def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CULTUREWATCH, *args], capture_output=True, text=True, timeout=120, input=input
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("labels")
    crawl_fixture_archive(directory)
    return directory


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with Archive(db, readonly=True) as archive:
        return archive.db.execute(sql, params).fetchall()


def fresh_copy(crawled: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the crawled archive (the test's own labels) and its config directory."""
    db = tmp_path / "archive.db"
    shutil.copy(crawled / "archive.db", db)
    return db, crawled / "config"


# ------------------------------------------------------------------------ label, export
def test_label_round_trip(crawled: Path, tmp_path: Path) -> None:
    db, config = fresh_copy(crawled, tmp_path)
    common = ("--config", str(config), "--db", str(db))
    (first, url_first), (second, url_second) = rows(db, "select id, url from articles limit 2")
    assert run("label", str(first), "--relevant", "--by", "ana", *common).returncode == 0
    done = run("label", url_second, "--not-relevant", "--note", "a recipe", "--by", "ana", *common)
    assert done.returncode == 0, done.stderr
    assert f"labelled article {second}" in done.stdout
    theme = run("label", str(first), "--not-relevant", "--theme", "heritage_unesco", *common)
    assert theme.returncode == 0, theme.stderr
    # the same person changes her mind: the history keeps both, the latest counts
    assert run("label", str(first), "--not-relevant", "--by", "ana", *common).returncode == 0
    assert len(rows(db, "select * from labels")) == 4
    current = rows(
        db, "select label from current_labels where article_id = ? and theme is null", (first,)
    )
    assert current == [(0,)]
    # errors: one line, exit status 2, nothing written
    for bad, words in (
        (("label", "999999", "--relevant"), "no article '999999'"),
        (("label", "https://nowhere.example/x", "--relevant"), "no article"),
        (("label", str(first), "--relevant", "--theme", "cooking"), "unknown theme 'cooking'"),
        (("label", str(first)), "--relevant or --not-relevant"),
    ):
        result = run(*bad, *common)
        assert result.returncode == 2, (bad, result.stderr)
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert len(rows(db, "select * from labels")) == 4

    out = tmp_path / "labels.jsonl"
    assert run("labels", "export", str(out), *common).returncode == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4
    assert {"url", "label", "theme", "labelled_by", "labelled_at"} <= set(lines[0])
    assert lines[1]["url"] == url_second and lines[1]["note"] == "a recipe"
    assert lines[2]["theme"] == "heritage_unesco" and lines[2]["label"] == 0
    assert lines[0]["labelled_by"] == "ana"
    assert lines[2]["labelled_by"]  # the user running the command


def test_import_by_url_into_another_archive(crawled: Path, tmp_path: Path) -> None:
    db, config = fresh_copy(crawled, tmp_path)
    articles = rows(db, "select id, url, title from articles order by id")
    labelled = articles[:6]
    lines = [
        {"url": url, "label": i % 2, "theme": None, "labelled_by": "ana"}
        for i, (_id, url, _t) in enumerate(labelled)
    ]
    lines.append({"url": labelled[0][1], "label": 1, "theme": "films_games", "note": "yes"})
    lines.append({"url": "https://elsewhere.example/gone", "label": 1, "theme": None})
    source = tmp_path / "team.jsonl"
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")

    # another archive: the same URLs (not all of them) in another order, so other ids
    other = tmp_path / "other.db"
    kept = list(reversed(articles[1:]))
    with Archive(other) as archive:
        for _id, url, title in kept:
            archive.upsert_article({"url": url, "title": title, "text": "t", "fetched_at": "x"})
    ids = dict(rows(other, "select url, id from articles"))
    common = ("--config", str(config), "--db", str(other))
    first = run("labels", "import", str(source), *common)
    assert first.returncode == 0, first.stderr
    assert "not in the archive: https://elsewhere.example/gone" in first.stderr
    assert f"not in the archive: {labelled[0][1]}" in first.stderr  # not copied over
    assert "imported 5 labels" in first.stdout
    got = rows(other, "select article_id, label, theme from labels order by article_id")
    expected = sorted(
        (ids[url], i % 2, None) for i, (_id, url, _t) in enumerate(labelled) if url in ids
    )
    assert got == expected
    again = run("labels", "import", str(source), *common)
    assert again.returncode == 0 and "imported 0 labels" in again.stdout
    assert "5 already there" in again.stdout
    assert len(rows(other, "select * from labels")) == 5

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"url": "u", "label": 1}\n{"url": "u", "label": 2}\n', encoding="utf-8")
    result = run("labels", "import", str(bad), *common)
    assert result.returncode == 2 and f"{bad}:2: 'label' must be 0 or 1" in result.stderr
    assert len(rows(other, "select * from labels")) == 5


# ------------------------------------------------------------------------ evaluate
def expected_figures(pairs: list[tuple[bool, bool]]) -> dict[str, float | int | None]:
    tp = sum(1 for p, t in pairs if p and t)
    fp = sum(1 for p, t in pairs if p and not t)
    fn = sum(1 for p, t in pairs if t and not p)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else (0.0 if precision is not None and recall is not None else None)
    )
    return {"n": len(pairs), "tp": tp, "fp": fp, "fn": fn, "precision": precision,
            "recall": recall, "f1": f1}  # fmt: skip


def test_evaluate_json_matches_the_labels_and_the_relevant_column(
    crawled: Path, tmp_path: Path
) -> None:
    db, config = fresh_copy(crawled, tmp_path)
    articles = rows(db, "select id, url, relevant, themes from articles order by id")
    assert {a[2] for a in articles} == {0, 1}, "the fixture crawl needs both verdicts"
    part = articles[:-2]  # labels for part of the archive
    whole = {url: int(i % 3 != 0) for i, (_id, url, _r, _t) in enumerate(part)}
    lines = [{"url": url, "label": label, "theme": None} for url, label in whole.items()]
    # theme judgements: a listed theme said wrong, an unlisted one said right
    listed = [(url, json.loads(t)[0]) for _i, url, r, t in part if r and json.loads(t)]
    theme_labels = {(listed[0][0], listed[0][1]): 0}
    unlisted = next(k for k in THEMES if k not in json.loads(part[1][3] or "[]"))
    theme_labels[(part[1][1], unlisted)] = 1
    lines += [{"url": u, "label": v, "theme": k} for (u, k), v in theme_labels.items()]
    labels_file = tmp_path / "labels.jsonl"
    labels_file.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    common = ("--config", str(config), "--db", str(db))
    assert run("labels", "import", str(labels_file), *common).returncode == 0

    result = run("evaluate", "--json", *common)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)

    overall = [(bool(r), bool(whole[url])) for _i, url, r, _t in part]
    for key, value in expected_figures(overall).items():
        assert data[key] == value, (key, data[key], value)
    tp = sum(1 for p, t in overall if p and t)
    low, high = wilson(tp, sum(1 for p, _t in overall if p)) or (0, 0)
    assert data["precision_ci"] == [round(low, 4), round(high, 4)]
    assert data["few_labels"] is True

    for key in THEMES:  # the rule README states, computed here from the labels
        pairs = []
        for _i, url, relevant, themes in part:
            is_listed = bool(relevant) and key in json.loads(themes or "[]")
            if (url, key) in theme_labels:
                truth: bool | None = bool(theme_labels[(url, key)])
            elif whole[url] == 0:
                truth = False
            else:
                truth = True if is_listed else None
            if truth is not None:
                pairs.append((is_listed, truth))
        figures = expected_figures(pairs)
        for name, value in figures.items():
            assert data["themes"][key][name] == value, (key, name)
    fps = {c["url"] for c in data["false_positives"] if c["theme"] is None}
    assert fps == {url for _i, url, r, _t in part if r and not whole[url]}
    fns = {c["url"] for c in data["false_negatives"] if c["theme"] is None}
    assert fns == {url for _i, url, r, _t in part if whole[url] and not r}
    for case in data["false_positives"]:
        if case["relevance"] > 0:
            assert case["evidence"], case  # the words that made the score

    text = run("evaluate", *common)
    assert text.returncode == 0 and "few labels" in text.stdout
    assert "overall" in text.stdout and "films_games" in text.stdout


def test_evaluate_without_labels(crawled: Path, tmp_path: Path) -> None:
    db, config = fresh_copy(crawled, tmp_path)
    result = run("evaluate", "--json", "--config", str(config), "--db", str(db))
    data = json.loads(result.stdout)
    assert data["n"] == 0 and data["precision"] is None and data["labelled_articles"] == 0
    text = run("evaluate", "--config", str(config), "--db", str(db))
    assert "no labels in" in text.stdout
