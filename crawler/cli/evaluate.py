"""``evaluate``: the current scores against the analysts' labels, and what to change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from crawler.cli.options import config_option, db_option, existing_archive, handle_errors

__all__ = ["evaluate"]


@click.command()
@config_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option(
    "--calibrate", is_flag=True, help="Also find, per theme, the threshold that maximises F1."
)
@click.option(
    "--apply",
    is_flag=True,
    help="Write the calibrated thresholds into themes.toml (implies --calibrate); "
    "then run `culturewatch rescore`.",
)
@handle_errors
def evaluate(
    config: Path | None, db: Path | None, as_json: bool, calibrate: bool, apply: bool
) -> None:
    """Precision, recall and F1 of the current scores against the labels, overall and per
    theme, with 95% intervals; the false positives and negatives with their evidence; lines
    to paste into themes.toml. Nothing is changed unless --apply.
    """
    from crawler.config import config_dir, editable, load_settings, load_themes
    from crawler.config.tuning import write_theme_thresholds
    from pipelines.scoring.calibration import calibrate as calibrate_themes
    from pipelines.scoring.evaluation import evaluate as evaluate_archive
    from pipelines.scoring.suggestions import alias_suggestions, term_suggestions
    from storage.connection import reading
    from storage.schema import bring_up_to_date

    directory = config_dir(config)
    settings = load_settings(directory)
    themes_path = directory / "themes.toml"
    themes = load_themes(themes_path)
    path = existing_archive(db, settings)
    bring_up_to_date(path)
    with reading(path) as database:
        conn = database.conn
        result = evaluate_archive(conn, themes)
        aliases = alias_suggestions(result, themes)
        terms = term_suggestions(conn, result, themes)
        calibrations = (
            calibrate_themes(conn, result, themes, float(settings["relevance.threshold"]))
            if calibrate or apply
            else None
        )
    data: dict[str, Any] = {
        "archive": str(path),
        **result.to_dict(),
        "suggestions": {
            "aliases": [s.to_dict() for s in aliases],
            "terms": [s.to_dict() for s in terms],
        },
    }
    if calibrations is not None:
        data["calibration"] = {c.theme: c.to_dict() for c in calibrations}
    applied = {c.theme: c.proposed for c in calibrations or [] if c.proposed is not None}
    if apply and applied:
        write_theme_thresholds(editable(themes_path), applied)
    if as_json:
        data["applied"] = applied if apply else {}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _report(data, result.overall.few)
    if apply:
        if applied:
            click.echo(
                f"\nwrote {len(applied)} threshold{'s' if len(applied) != 1 else ''} into "
                f"{themes_path}: run `culturewatch rescore` to apply them to the archive"
            )
        else:
            click.echo(f"\nnothing written to {themes_path}: no threshold to change")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _ci(interval: list[float] | None) -> str:
    return "" if interval is None else f" [{interval[0]:.2f}-{interval[1]:.2f}]"


def _figures(f: dict[str, Any]) -> str:
    return (
        f"precision {_pct(f['precision'])}{_ci(f['precision_ci'])} ({f['tp']} of "
        f"{f['tp'] + f['fp']}), recall {_pct(f['recall'])}{_ci(f['recall_ci'])} ({f['tp']} of "
        f"{f['tp'] + f['fn']}), F1 {_pct(f['f1'])}, n {f['n']}"
    )


def _report(data: dict[str, Any], few: bool) -> None:
    echo = click.echo
    if not data["labelled_articles"]:
        echo(
            f"no labels in {data['archive']}: label articles with `culturewatch label` or on "
            "their pages in `culturewatch browse`, or `culturewatch labels import` a file"
        )
        return
    echo(f"{data['labelled_articles']} labelled articles in {data['archive']}")
    if few:
        echo(
            "few labels: fewer than 30 behind a figure, so the 95% intervals in brackets are "
            "wide; label more articles before trusting a difference"
        )
    if data["disagreements"]:
        echo(f"{data['disagreements']} judgements where the labellers disagree (majority counts)")
    echo("\noverall      " + _figures(data))
    for key, f in data["themes"].items():
        echo(f"{key:<12} " + (_figures(f) if f["n"] else "no labels"))
    for name, title in (
        ("false_positives", "False positives (scored relevant, labelled not)"),
        ("false_negatives", "False negatives (labelled relevant, scored not)"),
    ):
        if data[name]:
            echo(f"\n{title}:")
        for case in data[name]:
            about = f" [theme {case['theme']}]" if case["theme"] else ""
            echo(f"  {case['id']}{about} {case['relevance']:.2f} {case['title']} <{case['url']}>")
            for theme, words in case["evidence"].items():
                echo(f"      {theme}: {words}")
            for note in case["notes"]:
                echo(f"      note: {note}")
    suggestions = data["suggestions"]
    if suggestions["aliases"] or suggestions["terms"]:
        echo("\nSuggestions for themes.toml (paste the line where its comment says):")
    for item in suggestions["aliases"] + suggestions["terms"]:
        echo(f"# {item['reason']}\n{item['line']}")
    for key, c in (data.get("calibration") or {}).items():
        if c["proposed"] is None:
            echo(f"\ncalibration {key}: keep {c['current']:g} ({c['reason']})")
            continue
        before, after = c["before"], c["after"]
        echo(
            f"\ncalibration {key}: threshold {c['current']:g} -> {c['proposed']:g} on "
            f"{c['labelled']} labelled articles: F1 {_pct(before['f1'])} -> {_pct(after['f1'])}, "
            f"precision {_pct(before['precision'])} -> {_pct(after['precision'])}, "
            f"recall {_pct(before['recall'])} -> {_pct(after['recall'])}; in the archive "
            f"{c['archive_becomes_relevant']} articles would become relevant, "
            f"{c['archive_stops_being_relevant']} stop being so"
        )
        echo(f"  [themes.{key}]\n  threshold = {c['proposed']:g}")
