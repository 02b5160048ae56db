"""Measure the crawl's metadata (title, publication day, authors, body) on real pages.

The pages of ``../shared/corpus/fundus-metadata`` (real publisher pages with the title,
date, authors and body that hand-written per-publisher parsers extract) are served on a
loopback host, each at its original URL path (the feed links keep the original query, tracking
parameters and all), listed by an RSS feed that gives only the
links (no title, no date: the pages have to speak for themselves); `culturewatch crawl`
archives them through the real CLI and Scrapy engine, and the archived rows are scored
against the truth. The peer is standalone trafilatura (``bare_extraction`` with metadata,
given the page's original URL) on the same pages.

Figures, each a mean over the pages (a page not archived scores 0):

- ``title``: token F1 (``\\w+`` tokens, case-folded) of the title against the truth;
- ``date``: the publication day is right. A full timestamp is compared in UTC with the
  truth in UTC; a bare date (a page that gives only the day) with the truth's own local
  day, the day its publisher printed;
- ``authors``: the share of the true authors found (names compared case-folded, without
  punctuation), over the pages that name an author; ``authors_precision`` is the share of
  the names given that are true ones;
- ``body``: the extraction benchmark's token 4-gram shingle F1 (``support.shingle_f1``).

    python tests/quality/eval_metadata.py [--check] [--json]

``--check`` exits 1 when a figure is below ``tests/quality/baselines.json`` ("metadata").
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from support import FixtureServer, Route, crawl_cli, shingle_f1, write_settings, write_sources  # noqa: E402
from support.paths import SHARED  # noqa: E402

sys.path.insert(0, str(HERE))
from gate import TOLERANCE, baseline, fell_below, verdict  # noqa: E402

FIELDS = ("title", "date", "authors", "body")
_TOKEN = re.compile(r"\w+")


def corpus_dir() -> Path | None:
    """``<repo>/../shared/corpus/fundus-metadata``, or None when it is not there."""
    path = SHARED / "corpus" / "fundus-metadata"
    return path if (path / "truth.json").is_file() and (path / "html").is_dir() else None


def load_corpus(corpus: Path) -> dict[str, dict[str, Any]]:
    """id -> truth (url, title, date, authors, body) with the page's ``html`` bytes."""
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    pages = {}
    for page_id, entry in sorted(truth.items()):
        path = corpus / "html" / f"{page_id}.html.gz"
        if path.is_file():
            pages[page_id] = {**entry, "html": gzip.decompress(path.read_bytes())}
    return pages


# ---------------------------------------------------------------------------- metrics
def token_f1(predicted: str | None, truth: str | None) -> float:
    pred = Counter(t.casefold() for t in _TOKEN.findall(predicted or ""))
    true = Counter(t.casefold() for t in _TOKEN.findall(truth or ""))
    common = sum((pred & true).values())
    if not pred and not true:
        return 1.0
    if not common:
        return 0.0
    precision, recall = common / sum(pred.values()), common / sum(true.values())
    return 2 * precision * recall / (precision + recall)


def same_day(predicted: str | None, truth: str | None) -> bool:
    """Our date against the truth's: UTC day for a timestamp, local day for a bare date."""
    if not predicted or not truth:
        return not predicted and not truth
    true = datetime.fromisoformat(truth.replace("Z", "+00:00"))
    text = predicted.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text == true.date().isoformat()
    try:
        ours = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    if ours.tzinfo is None:
        ours = ours.replace(tzinfo=UTC)
    if true.tzinfo is None:
        true = true.replace(tzinfo=UTC)
    return ours.astimezone(UTC).date() == true.astimezone(UTC).date()


def _name(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(_TOKEN.findall(folded))


def authors_found(predicted: list[str], truth: list[str]) -> tuple[float, float | None]:
    """(share of the true authors found, share of the given names that are true)."""
    ours = {_name(n) for n in predicted if _name(n)}
    true = {_name(n) for n in truth if _name(n)}
    recall = len(ours & true) / len(true) if true else 1.0
    precision = len(ours & true) / len(ours) if ours else None
    return recall, precision


def score(rows: dict[str, dict[str, Any]], pages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per-field figures of *rows* (id -> title, date, authors, body) against the truth."""
    titles, dates, recalls, precisions, misses = [], [], [], [], {}
    pairs = []
    for page_id, truth in pages.items():
        row = rows.get(page_id) or {}
        titles.append(token_f1(row.get("title"), truth["title"]))
        dates.append(same_day(row.get("date"), truth.get("date")))
        if truth.get("authors"):
            recall, precision = authors_found(row.get("authors") or [], truth["authors"])
            recalls.append(recall)
        else:
            precision = None if not row.get("authors") else 0.0
        if precision is not None:
            precisions.append(precision)
        pairs.append((row.get("body") or "", truth.get("body") or ""))
        wrong = [
            f
            for f, bad in (
                ("title", titles[-1] < 0.999),
                ("date", not dates[-1]),
                ("authors", bool(truth.get("authors")) and recalls[-1] < 1),
            )
            if bad
        ]
        if wrong:
            misses[page_id] = wrong
    n = len(pages)
    return {
        "pages": n,
        "archived": sum(1 for page_id in pages if page_id in rows),
        "title": round(sum(titles) / n, 4),
        "date": round(sum(dates) / n, 4),
        "authors": round(sum(recalls) / len(recalls), 4) if recalls else 1.0,
        "authors_precision": round(sum(precisions) / len(precisions), 4) if precisions else 1.0,
        "body": round(shingle_f1(pairs)["f1"], 4),
        "misses": misses,
    }


# ---------------------------------------------------------------------------- the crawl
def serve(srv: FixtureServer, pages: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Serve each page at its original path (``/<id>/`` when taken); id -> served URL."""
    served: dict[str, str] = {}
    for page_id, page in pages.items():
        parts = urlsplit(page["url"])
        path = parts.path or "/"
        if path in srv.routes or path == "/":
            path = f"/{page_id}/"
        srv.routes[path] = Route(page["html"])  # answers with any query
        served[page_id] = srv.url(path + (f"?{parts.query}" if parts.query else ""))
    items = "".join(
        f"<item><link>{_esc(url)}</link><guid>{_esc(url)}</guid></item>" for url in served.values()
    )
    srv.routes["/metadata/feed.xml"] = Route(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Metadata mirror</title><link>{srv.base_url}/</link>{items}</channel></rss>",
        content_type="application/rss+xml; charset=utf-8",
    )
    return served


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _authors(row: dict[str, Any]) -> list[str]:
    if row.get("authors"):
        try:
            return [str(a) for a in json.loads(row["authors"])]
        except ValueError:
            pass
    return [a.strip() for a in re.split(r";", row.get("author") or "") if a.strip()]


def crawl(pages: dict[str, dict[str, Any]], workdir: Path) -> tuple[dict[str, dict], float]:
    from pipelines.normalize import canonical_url

    config = workdir / "config"
    write_settings(config, **{"crawl.max_items_per_source": 1000})
    with FixtureServer(host="127.0.0.1") as srv:
        served = serve(srv, pages)
        sources = write_sources(
            workdir / "sources.toml",
            [{"name": "metadata-mirror", "url": srv.url("/metadata/feed.xml"), "kind": "feed"}],
        )
        db = workdir / "archive.db"
        started = time.monotonic()
        done = crawl_cli(config, sources, db, "--allow-private-networks", timeout=900)
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise RuntimeError(f"crawl failed: {done.stderr.strip()[-500:]}")
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        archived = {}
        for r in conn.execute("select * from articles"):
            row = dict(r)
            archived[row["url"]] = archived[row.get("first_url") or row["url"]] = row
    rows = {}
    for page_id, url in served.items():
        row = archived.get(canonical_url(url) or url) or archived.get(url)
        if row is not None:
            rows[page_id] = {
                "title": row["title"],
                "date": row["published_at"],
                "authors": _authors(row),
                "body": row["text"],
                "date_source": row.get("date_source"),
            }
    return rows, seconds


def peer(pages: dict[str, dict[str, Any]]) -> dict[str, dict]:
    """Standalone trafilatura on the same pages, given their original URLs."""
    import trafilatura

    rows = {}
    for page_id, page in pages.items():
        doc = trafilatura.bare_extraction(page["html"], url=page["url"], with_metadata=True)
        if doc is None:
            continue
        rows[page_id] = {
            "title": doc.title,
            "date": doc.date,
            "authors": [a.strip() for a in (doc.author or "").split(";") if a.strip()],
            "body": doc.text or "",
        }
    return rows


def measure(corpus: Path, workdir: Path) -> dict[str, Any]:
    pages = load_corpus(corpus)
    rows, seconds = crawl(pages, workdir)
    ours = score(rows, pages)
    ours["crawl_seconds"] = round(seconds, 1)
    ours["date_sources"] = dict(Counter(str(r.get("date_source")) for r in rows.values()))
    return {"ours": ours, "trafilatura": score(peer(pages), pages)}


def check(result: dict[str, Any]) -> list[str]:
    """The figures worse than the stored baseline, or than the peer's."""
    ours, theirs = result["ours"], result["trafilatura"]
    problems = fell_below(ours, baseline("metadata"), FIELDS)
    for key in FIELDS:
        if ours[key] < theirs[key] - TOLERANCE:
            problems.append(f"{key} {ours[key]} < standalone trafilatura {theirs[key]}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail below the stored baseline")
    parser.add_argument("--json", action="store_true", help="the whole result, misses included")
    args = parser.parse_args()
    corpus = corpus_dir()
    if corpus is None:
        print("../shared/corpus/fundus-metadata is not available: nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(corpus, Path(tmp))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"{'':12}" + "".join(f"{k:>10}" for k in (*FIELDS, "authors_p", "archived")))
        for who in ("ours", "trafilatura"):
            r = result[who]
            figures = [r[k] for k in FIELDS] + [r["authors_precision"]]
            print(f"{who:12}" + "".join(f"{v:>10.3f}" for v in figures) + f"{r['archived']:>10}")
    return verdict(check(result)) if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
