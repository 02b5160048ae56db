"""Precision on ordinary news: score the real general-news pages of ``../shared/corpus``.

    python tests/quality/eval_news_stream.py [--themes PATH] [--threshold X] [--check] [--json]

The pages of ``extraction-benchmark/html`` and ``fundus-metadata/html`` (gzipped HTML of
English, German, French, ... news sites, none chosen for the monitored topic) are extracted
the way ``culturewatch score`` extracts an ``.html`` file (trafilatura) and scored with the
project's themes. None of them is about Chinese cultural exports, so every page flagged
relevant is a false positive of the kind a real feed would show in the digest: the script
lists each with its score and the concepts that made it. ``--check`` exits 1 when any page
is flagged (the baseline is none). Without ``../shared`` it says so and exits 0.

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
if str(ROOT) not in sys.path:  # run as a plain script from anywhere, or loaded by a test
    sys.path.insert(0, str(ROOT))

from crawler.config import SETTINGS_SCHEMA, ConfigError, load_themes
from pipelines.extraction.extract import extract
from pipelines.scoring.relevance import score
from pipelines.scoring.themes import Themes

CORPUS = ROOT.parent / "shared" / "corpus"
PAGE_DIRS = (CORPUS / "extraction-benchmark" / "html", CORPUS / "fundus-metadata" / "html")
DEFAULT_THEMES = ROOT / "config" / "themes.toml"
DEFAULT_THRESHOLD = SETTINGS_SCHEMA["relevance"]["threshold"][1]


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
    """Score every page; the flagged ones with their score and strongest evidence."""
    flagged: list[dict[str, Any]] = []
    extracted = 0
    for path in paths:
        article = read_page(path)
        extracted += bool(article["text"])
        result = score(article, themes, threshold)
        if result.relevant:
            terms = [
                f"{item['term']} ({', '.join(item['matched'])})"
                for items in result.evidence.values()
                for item in items[:3]
            ]
            flagged.append(
                {
                    "page": f"{path.parent.parent.name}/{path.name}",
                    "title": article["title"],
                    "relevance": result.relevance,
                    "themes": result.themes,
                    "evidence": terms,
                }
            )
    return {"pages": len(paths), "extracted": extracted, "flagged": flagged}


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
            f"{len(figures['flagged'])} flagged relevant at threshold {args.threshold}"
        )
        for page in figures["flagged"]:
            print(f"  {page['relevance']:.3f} {page['page']}: {page['title']!r} {page['themes']}")
            print(f"        {'; '.join(page['evidence'])}")
    if args.check and figures["flagged"]:
        print(f"FAIL: {len(figures['flagged'])} ordinary news pages flagged", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
