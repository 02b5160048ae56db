"""Precision on ordinary news: score the real general-news pages of ``../shared/corpus``.

    python tests/quality/eval_news_stream.py [--themes PATH] [--threshold X] [--check] [--json]

The pages of ``extraction-benchmark/html`` and ``fundus-metadata/html`` (gzipped HTML of
English, German, French, ... news sites, none chosen for the monitored topic) are extracted
the way ``culturewatch score`` extracts an ``.html`` file (trafilatura) and scored with the
project's themes. None of them is about Chinese cultural exports, so every page flagged
relevant is a false positive of the kind a real feed would show in the digest: the script
lists each with its score and the concepts that made it, and the near misses (relevance of
at least ``NEAR`` times the threshold) to show the margin. ``--check`` exits 1 when any page
is flagged beyond ``baselines.json`` ("news_stream": none). Without ``../shared`` it says so
and exits 0.

The pages are third-party text, read at run time only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, Path(__file__).resolve().parent):
    if str(_path) not in sys.path:  # run as a plain script from anywhere, or loaded by a test
        sys.path.insert(0, str(_path))

from gate import baseline, verdict

from crawler.config import SETTINGS_SCHEMA, ConfigError, load_themes
from pipelines.extraction.extract import extract
from pipelines.scoring.relevance import score
from pipelines.scoring.themes import Themes

CORPUS = ROOT.parent / "shared" / "corpus"
PAGE_DIRS = (CORPUS / "extraction-benchmark" / "html", CORPUS / "fundus-metadata" / "html")
DEFAULT_THEMES = ROOT / "config" / "themes.toml"
DEFAULT_THRESHOLD = SETTINGS_SCHEMA["relevance"]["threshold"][1]
NEAR = 0.6  # a page at this share of the threshold or more is listed as a near miss
BENCHMARK = "news_stream"


def pages() -> list[Path]:
    """Every gzipped page of the two corpora, in a stable order (empty without ../shared)."""
    return [p for d in PAGE_DIRS if d.is_dir() for p in sorted(d.glob("*.html.gz"))]


def read_page(path: Path) -> dict[str, Any]:
    """Title and text of one page as ``culturewatch score`` extracts them."""
    article = extract(gzip.decompress(path.read_bytes()), path.resolve().as_uri())
    if article is None:
        return {"title": None, "text": ""}
    return {"title": article.title, "text": article.text}


def evaluate(paths: list[Path], themes: Themes, threshold: float) -> dict[str, Any]:
    """Score every page; the flagged ones and the near misses with their score and strongest
    evidence, and the highest relevance of all."""
    flagged: list[dict[str, Any]] = []
    near: list[dict[str, Any]] = []
    extracted = 0
    highest = 0.0
    for path in paths:
        article = read_page(path)
        extracted += bool(article["text"])
        result = score(article, themes, threshold)
        highest = max(highest, result.relevance)
        if result.relevance < NEAR * threshold:
            continue
        terms = [
            f"{item['term']} ({', '.join(item['matched'])}: {item['points']})"
            for items in result.evidence.values()
            for item in items[:3]
            if item["points"] > 0
        ]
        page = {
            "page": f"{path.parent.parent.name}/{path.name}",
            "title": article["title"],
            "relevance": result.relevance,
            "themes": result.themes,
            "evidence": terms,
        }
        (flagged if result.relevant else near).append(page)
    return {
        "pages": len(paths),
        "extracted": extracted,
        "highest": highest,
        "flagged": flagged,
        "near": sorted(near, key=lambda p: -p["relevance"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes", type=Path, default=DEFAULT_THEMES, help="themes TOML file")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--check", action="store_true", help="exit 1 when any page is flagged")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    paths = pages()
    if not paths:
        print(f"skipped: no news pages under {CORPUS}")
        return 0
    try:
        themes = load_themes(args.themes)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    figures = evaluate(paths, themes, args.threshold)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        print(
            f"news stream: {figures['pages']} pages ({figures['extracted']} with text), "
            f"{len(figures['flagged'])} flagged relevant at threshold {args.threshold}, "
            f"highest relevance {figures['highest']:.3f}"
        )
        for kind in ("flagged", "near"):
            if figures[kind]:
                print(f"  {kind}:" if kind == "flagged" else f"  near misses (>= {NEAR:g} x):")
            for page in figures[kind]:
                print(f"    {page['relevance']:.3f} {page['page']}: {page['title']!r}")
                print(f"          {'; '.join(page['evidence']) or '-'}")
    if args.check:
        return verdict(check(figures))
    return 0


def check(figures: dict[str, Any]) -> list[str]:
    """Problems against the stored baseline (empty when the gate passes)."""
    allowed = baseline(BENCHMARK).get("flagged", 0)
    flagged = len(figures["flagged"])
    if flagged > allowed:
        return [f"{flagged} ordinary news pages flagged relevant (baseline {allowed})"]
    return []


if __name__ == "__main__":
    sys.exit(main())
