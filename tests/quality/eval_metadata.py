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

Cross-validated by publisher (``by_publisher``; ``--by-publisher`` prints each publisher's
figures and what was held out). The rules fit no parameter, so a publisher's own figures
are held-out figures, but for what the corpus could tune: the observed strings of
``pipelines.extraction.vocabulary`` (agencies, ``<meta>`` names, classes, URL paths...)
and its thresholds. Each publisher's pages are scored with the rules chosen on the other
publishers: without every entry that gains nothing on them (an entry only it needs), with
each threshold at its best on them. The pages are extracted in this process (the crawl's
figures, with the parse and trafilatura's work done once); an entry is tried on the pages
whose HTML holds it. ``--strict`` also holds out the words of the translation tables (the
"by", role, label and month words of every language of the sources).

    python tests/quality/eval_metadata.py [--check] [--json] [--by-publisher] [--strict]

``--check`` exits 1 when a figure, crawled or cross-validated, is below
``tests/quality/baselines.json`` ("metadata", its "by_publisher") or below the peer's.
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
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock
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
def served_paths(pages: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """id -> (path, query) each page is served at: its original path (``/<id>/`` when taken)."""
    paths: dict[str, tuple[str, str]] = {}
    taken = {"/"}
    for page_id, page in pages.items():
        parts = urlsplit(page["url"])
        path = parts.path or "/"
        if path in taken:
            path = f"/{page_id}/"
        taken.add(path)
        paths[page_id] = (path, f"?{parts.query}" if parts.query else "")
    return paths


def serve(srv: FixtureServer, pages: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Serve each page at its original path (``/<id>/`` when taken); id -> served URL."""
    served: dict[str, str] = {}
    for page_id, (path, query) in served_paths(pages).items():
        srv.routes[path] = Route(pages[page_id]["html"])  # answers with any query
        served[page_id] = srv.url(path + query)
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


# ---------------------------------------------------------------------------- by publisher
def publisher(page_id: str) -> str:
    """``de-DW`` of ``de-DW-2023_04_28``."""
    return page_id.rsplit("-", 1)[0]


_BODY_F1: dict[tuple[str, str], float] = {}


def _page_score(row: Mapping[str, Any], truth: Mapping[str, Any]) -> float:
    """One page's figures summed: title F1, right day, true authors found, body F1."""
    body = (row.get("body") or "", truth.get("body") or "")
    if body not in _BODY_F1:
        _BODY_F1[body] = shingle_f1([body])["f1"]
    found = authors_found(row.get("authors") or [], truth["authors"])[0] if truth["authors"] else 0
    return (
        token_f1(row.get("title"), truth["title"])
        + same_day(row.get("date"), truth.get("date"))
        + found
        + _BODY_F1[body]
    )


# where the rules read each observed list of pipelines.extraction.vocabulary (else: anywhere)
PLACES = {
    "AGENCIES": "words", "SOCIAL": "words", "STAFF": "words", "BYLINE_CLASSES": "classes",
    "DATE_CLASSES": "classes", "AUTHOR_META": "metas", "DATE_META": "metas",
    "AUTHOR_PATHS": "links", "ACCOUNTS": "links", "GENERIC_HOST_LABELS": "hosts",
}  # fmt: skip


def _places(tree: Any, url: str) -> dict[str, Any]:
    """The page's texts (or sets of names) where each kind of list is read, case-folded."""
    xpath = (
        (lambda q: [str(v).casefold() for v in tree.xpath(q)])
        if tree is not None
        else (lambda q: [])
    )
    text = " ".join(xpath("//text() | //meta/@content"))
    hosts = [url, *xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")]
    return {
        "page": " ".join([*xpath("//text() | //@*"), url.casefold()]),
        "words": (set(_TOKEN.findall(text)), text),
        "classes": " ".join(xpath("//@class")),
        "metas": set(xpath("//meta/@name | //meta/@property | //@itemprop")),
        "links": " ".join(xpath("//@href | //script[contains(@type, 'ld+json')]/text()")),
        "hosts": {x for h in hosts for x in (urlsplit(h).hostname or "").split(".")},
    }


class Extractor:
    """The crawl's extraction of the corpus pages in this process, fast to repeat: each page
    decoded and parsed once, trafilatura run once per page and setting."""

    def __init__(self, pages: dict[str, dict[str, Any]]) -> None:
        from pipelines.extraction import extract as module

        self.module, self.pages = module, pages
        self.urls = {i: f"http://127.0.0.1:8000{p}{q}" for i, (p, q) in served_paths(pages).items()}
        self.texts = {i: module.decode(page["html"], "utf-8") for i, page in pages.items()}
        self.places = {i: _places(module._parse(self.texts[i]), self.urls[i]) for i in pages}
        self.real = (module._parse, module._trafilatura)
        self.memo: dict[tuple[Any, ...], Any] = {}

    def could_use(self, page_id: str, knob: tuple[str, str]) -> bool:
        """The rules could read *knob*'s entry on the page (where :data:`PLACES` says)."""
        place, entry = PLACES.get(knob[0], "page"), knob[1].casefold()
        found = self.places[page_id][place]
        if place == "words":  # the page's words, and its text for a phrase
            words = _TOKEN.findall(entry)
            return all(w in found[0] for w in words) and (len(words) < 2 or entry in found[1])
        return entry in found

    def _once(self, index: int, *args: Any) -> Any:
        key = (index, *(a if isinstance(a, str | bool) else id(a) for a in args))
        if key not in self.memo:  # keyed by the text's or the tree's identity: both are kept
            self.memo[key] = (args, self.real[index](*args))
        return self.memo[key][1]

    def rows(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """id -> the row the crawl would archive (title, date, authors, body)."""
        rows = {}
        with (
            mock.patch.object(self.module, "_parse", lambda *a: self._once(0, *a)),
            mock.patch.object(self.module, "_trafilatura", lambda *a: self._once(1, *a)),
        ):
            for i in ids:
                if article := self.module.extract(self.texts[i], self.urls[i]):
                    rows[i] = {"title": article.title, "date": article.published_at,
                               "authors": article.authors, "body": article.text}  # fmt: skip
        return rows


def knobs(strict: bool = False) -> list[tuple[str, str]]:
    """(list, entry) of every entry held out: the observed strings, and with *strict* the
    words of the translation tables."""
    from pipelines.extraction import vocabulary

    names = [*vocabulary.LISTS, *(vocabulary.TABLES if strict else ())]
    return [(name, w) for name in names for w in vocabulary.words(name) if w]


@contextmanager
def rules(
    removed: Iterable[tuple[str, str]] = (), limits: Mapping[str, int] = {}
) -> Iterator[None]:  # noqa: B006
    """The rules without the *removed* entries (a table's entry keeps its place: the
    months' order), with the thresholds *limits*."""
    from pipelines.extraction import vocabulary as v

    saved = {name: getattr(v, name) for name in ("LIMITS", *v.LISTS, *v.TABLES)}
    try:
        for name, entry in removed:
            value = getattr(v, name)
            if isinstance(value, dict):
                setattr(
                    v,
                    name,
                    {k: tuple("" if w == entry else w for w in ws) for k, ws in value.items()},
                )
            else:
                setattr(v, name, tuple(w for w in value if w != entry))
        v.LIMITS = {**v.LIMITS, **limits}
        v.clear()
        yield
    finally:
        for name, value in saved.items():
            setattr(v, name, value)
        v.clear()


def cross_validate(pages: dict[str, dict[str, Any]], strict: bool = False) -> dict[str, Any]:
    """The figures of each publisher's pages with the rules chosen on the other publishers
    (module doc), and what each publisher had held out."""
    from pipelines.extraction import vocabulary

    ex = Extractor(pages)
    rows = ex.rows(pages)
    base = {i: _page_score(rows.get(i, {}), pages[i]) for i in pages}
    # what each entry gains on each publisher; each threshold's figures on each publisher
    gains: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for knob in knobs(strict):
        ids = [i for i in pages if ex.could_use(i, knob)]
        with rules([knob]):
            without = ex.rows(ids)
        for i in ids:
            if abs(gain := base[i] - _page_score(without.get(i, {}), pages[i])) > 1e-9:
                gains[knob][publisher(i)] += gain
    figures: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for limit, grid in vocabulary.GRIDS.items():
        for value in grid:
            with rules(limits={limit: value}):
                scored = ex.rows(pages) if value != vocabulary.LIMITS[limit] else rows
            for i in pages:
                figures[limit, value][publisher(i)] += _page_score(scored.get(i, {}), pages[i])
    held, cv_rows = {}, dict(rows)
    for name in sorted({publisher(i) for i in pages}):

        def others(per: Mapping[str, float], name: str = name) -> float:
            return sum(x for p, x in per.items() if p != name)

        removed = sorted(k for k, g in gains.items() if name in g and others(g) <= 1e-9)
        limits = {}
        for limit, grid in vocabulary.GRIDS.items():
            default = vocabulary.LIMITS[limit]
            best = max(grid, key=lambda v: (round(others(figures[limit, v]), 9), v == default))
            if best != default:
                limits[limit] = best
        if removed or limits:
            ids = [i for i in pages if publisher(i) == name]
            with rules(removed, limits):
                again = ex.rows(ids)
            cv_rows = {i: r for i, r in cv_rows.items() if i not in ids} | again
            held[name] = {"entries": [f"{n}:{e}" for n, e in removed], "limits": limits}
    fitted, cv = score(rows, pages), score(cv_rows, pages)
    keys = (*FIELDS, "authors_precision")
    return {"fitted": {k: fitted[k] for k in keys}, "cross_validated": {k: cv[k] for k in keys},
            "strict": strict, "held_out": held, "publishers": per_publisher(cv_rows, pages)}  # fmt: skip


def per_publisher(
    rows: dict[str, dict[str, Any]], pages: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Each publisher's figures, and their spread: mean over publishers, lowest, the share
    of publishers without a miss."""
    figures: dict[str, dict[str, Any]] = {}
    for name in sorted({publisher(i) for i in pages}):
        mine = {i: p for i, p in pages.items() if publisher(i) == name}
        figures[name] = {f: score({i: rows[i] for i in mine if i in rows}, mine)[f] for f in FIELDS}
        if not any(p["authors"] for p in mine.values()):
            figures[name]["authors"] = None  # its pages name no author
        figures[name]["pages"] = len(mine)
    spread = {}
    for f in FIELDS:
        values = [v[f] for v in figures.values() if v[f] is not None]
        spread[f] = {"mean": round(sum(values) / len(values), 4), "lowest": min(values),
                     "perfect": round(sum(v >= 0.999 for v in values) / len(values), 3)}  # fmt: skip
    return {"spread": spread, "each": figures}


def measure(corpus: Path, workdir: Path, strict: bool = False) -> dict[str, Any]:
    """The crawl's figures (``ours``), the peer's, and the figures cross-validated by
    publisher (``by_publisher``; with *strict*, the translation tables held out too)."""
    pages = load_corpus(corpus)
    rows, seconds = crawl(pages, workdir)
    ours = score(rows, pages)
    ours["crawl_seconds"] = round(seconds, 1)
    ours["date_sources"] = dict(Counter(str(r.get("date_source")) for r in rows.values()))
    started = time.monotonic()
    by_publisher = cross_validate(pages, strict)
    by_publisher["seconds"] = round(time.monotonic() - started, 1)
    return {"ours": ours, "trafilatura": score(peer(pages), pages), "by_publisher": by_publisher}


def check(result: dict[str, Any]) -> list[str]:
    """The figures, crawled and cross-validated, worse than the stored baseline or the peer's."""
    ours, theirs = result["ours"], result["trafilatura"]
    cv = result["by_publisher"]["cross_validated"]
    base = baseline("metadata")
    problems = fell_below(ours, base, FIELDS)
    problems += [f"by publisher: {p}" for p in fell_below(cv, base.get("by_publisher", {}), FIELDS)]
    for key in FIELDS:
        for who, figures in (("", ours), ("by publisher: ", cv)):
            if figures[key] < theirs[key] - TOLERANCE:
                problems.append(f"{who}{key} {figures[key]} < standalone trafilatura {theirs[key]}")
    return problems


def _report(result: dict[str, Any], by_publisher: bool) -> None:
    cv = result["by_publisher"]
    header = "".join(f"{k:>10}" for k in (*FIELDS, "authors_p"))
    print(f"{'':26}{header}{'archived':>10}")
    lines = [("crawl (fitted)", result["ours"]), ("by publisher (CV)", cv["cross_validated"]),
             ("trafilatura", result["trafilatura"])]  # fmt: skip
    for who, r in lines:
        figures = "".join(f"{r[k]:>10.3f}" for k in (*FIELDS, "authors_precision"))
        print(f"{who:26}{figures}{r.get('archived', ''):>10}")
    if not by_publisher:
        return
    spread = cv["publishers"]["spread"]
    print(f"\n{len(cv['publishers']['each'])} publishers ({'strict: ' if cv['strict'] else ''}"
          "rules chosen on the others)")  # fmt: skip
    for label in ("mean", "lowest", "perfect"):
        print(f"{label:26}" + "".join(f"{spread[f][label]:>10.3f}" for f in FIELDS))
    print()
    for name, figures in cv["publishers"]["each"].items():
        line = "".join(
            f"{figures[f]:>10.3f}" if figures[f] is not None else f"{'-':>10}" for f in FIELDS
        )
        held = cv["held_out"].get(name, {})
        note = ", ".join(
            [*held.get("entries", []), *(f"{k}={v}" for k, v in held.get("limits", {}).items())]
        )
        print(f"{name:26}{line}  ({figures['pages']}){'  held out: ' + note if note else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail below the stored baseline")
    parser.add_argument("--json", action="store_true", help="the whole result, misses included")
    parser.add_argument("--by-publisher", action="store_true", help="each publisher's figures")
    parser.add_argument("--strict", action="store_true", help="hold out the tables' words too")
    args = parser.parse_args()
    corpus = corpus_dir()
    if corpus is None:
        print("../shared/corpus/fundus-metadata is not available: nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(corpus, Path(tmp), args.strict)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _report(result, args.by_publisher)
    return verdict(check(result)) if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
