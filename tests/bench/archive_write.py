"""The crawl's write path on real pages: articles/s in batches, and what an article costs.

    python tests/bench/archive_write.py [--copies C] [--batch N] [--repeats R] [--profile FILE]

The pages of ``../shared/corpus/extraction-benchmark`` and ``fundus-metadata`` are extracted
once; then C copies of each (made distinct: their text carries the copy's number, so none
is a duplicate) are made ready as the crawl makes them before they reach the writer, NOT
timed: their MinHash signature and, where the code has :mod:`pipelines.prepare`, their
fingerprint, word count and gzipped WARC records, as the extraction workers compute them,
their score against ``config/themes.toml``, as the scoring stage does on the reactor, and
(where the item has the field) their final URL's canonical form, as the extraction stage
sets it.
The time of that preparation that moved off the writer is printed apart ("workers' share").

TIMED: only what the crawl's writer thread does with such items: :func:`pipelines.writer.write_item`
on each, N items per transaction, the raw captures synced (``fsync``) before each commit
where the code has WARC files, into a fresh archive. Printed: articles/s of the writes
(wall clock, median of R runs) and the writer's CPU per article (``time.process_time``,
median: what the machine's load hardly changes), then KB per article in the SQLite file
(after a WAL checkpoint) and in the WARC files beside it. ``--profile FILE``: cProfile's
statistics of the last run's timed loop. Runs on any version of the code with
``write_item`` (``PYTHONPATH=<its tree>``), so two versions compare with the same script.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: the code measured is the one it names
CORPUS = Path("/work/shared/corpus")
if not CORPUS.is_dir():
    CORPUS = ROOT.parent / "shared" / "corpus"


def pages() -> list[tuple[str, bytes]]:
    found = []
    for name in ("extraction-benchmark", "fundus-metadata"):
        for path in sorted((CORPUS / name / "html").glob("*.html*")):
            data = path.read_bytes()
            found.append((path.name, gzip.decompress(data) if path.suffix == ".gz" else data))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="cProfile statistics of the timed loop")
    args = parser.parse_args()

    import storage
    from crawler.config import load_themes
    from pipelines.extraction.extract import extract
    from pipelines.items import FetchedPage
    from pipelines.normalize import canonical_url
    from pipelines.scoring.relevance import score
    from pipelines.stories.signatures import signature
    from pipelines.writer import write_item
    from storage.archive import Archive, RetryPolicy

    try:  # the workers' share of the write, where the code has one
        from pipelines.prepare import fetch_of, prepare
    except ImportError:
        prepare = None

    code = Path(storage.__file__).parent.parent
    print(f"code: {code}")
    themes = load_themes(code / "config" / "themes.toml")
    base = []
    extracting = time.process_time()
    for name, body in pages():
        url = f"https://bench.example/{name}"
        article = extract(body, url)
        if article is not None and article.text:
            base.append((url, body, article))
    extracting = time.process_time() - extracting
    items = []
    worker_cpu = 0.0
    for copy in range(args.copies):
        for url, body, article in base:
            curl = f"{url}?copy={copy}"
            text = f"{article.text}\n(copy {copy})"
            # the signature as the extraction workers compute it, off the writer
            art = dataclasses.replace(article, url=curl, text=text, signature=signature(text))
            item = FetchedPage(
                source="bench",
                requested_url=curl,
                url=curl,
                status=200,
                body=body,
                encoding="utf-8",
                content_type="text/html; charset=utf-8",
                article=art,
                outcome=None,
            )
            if hasattr(item, "canonical"):  # as the extraction stage sets it, on the reactor
                item.canonical = canonical_url(item.url)
            if prepare is not None:
                started = time.process_time()
                prepare(art, body, fetch_of(item))
                worker_cpu += time.process_time() - started
            item.relevance = score(art, themes)  # as the scoring stage does, on the reactor
            items.append(item)
    html_bytes = sum(len(i.body) for i in items)
    text_bytes = sum(len(i.article.text.encode()) for i in items if i.article)
    print(f"{len(items)} articles ({len(base)} pages x {args.copies}); HTML "
          f"{html_bytes / len(items) / 1e3:.1f} KB, text {text_bytes / len(items) / 1e3:.1f} KB "
          "per article on average; "
          f"{sum(bool(i.relevance and i.relevance.relevant) for i in items)} relevant")  # fmt: skip
    if prepare is not None:
        print(f"workers' share (not timed): {worker_cpu / len(items) * 1e3:.2f} ms CPU per "
              "article (fingerprint, word count, WARC records), in the extraction workers, "
              f"beside {extracting / len(base) * 1e3:.0f} ms of extraction")  # fmt: skip
    policy = RetryPolicy(attempts=4, spacing=3600)
    rates, cpus = [], []
    for run in range(args.repeats):
        profile = cProfile.Profile() if args.profile and run == args.repeats - 1 else None
        with tempfile.TemporaryDirectory(prefix="cw-write-bench-") as tmp:
            db = Path(tmp) / "archive.db"
            with Archive(db, busy_timeout=1.0) as archive:
                if profile is not None:
                    profile.enable()
                started, cpu = time.perf_counter(), time.process_time()
                for start in range(0, len(items), args.batch):
                    with archive.transaction():
                        for item in items[start : start + args.batch]:
                            write_item(archive, item, policy, None)
                        if hasattr(archive, "raw_pages"):
                            archive.raw_pages.sync()
                took, cpu = time.perf_counter() - started, time.process_time() - cpu
                if profile is not None:
                    profile.disable()
                    profile.dump_stats(args.profile)
                archive.db.execute("pragma wal_checkpoint(truncate)")
                count = archive.count()
            rates.append(count / took)
            cpus.append(cpu / count * 1e3)
            sqlite_bytes = db.stat().st_size
            warc_bytes = sum(p.stat().st_size for p in (Path(tmp) / "warc").glob("*.warc.gz"))
    print(f"write: {statistics.median(rates):,.0f} articles/s (median of {args.repeats}: "
          + ", ".join(f"{r:,.0f}" for r in rates) + f"), batches of {args.batch}")  # fmt: skip
    print(f"writer CPU: {statistics.median(cpus):.2f} ms per article (median of "
          + ", ".join(f"{c:.2f}" for c in cpus) + ")")  # fmt: skip
    print(f"SQLite file: {sqlite_bytes / count / 1e3:.1f} KB per article "
          f"({sqlite_bytes / 1e6:.1f} MB for {count})")  # fmt: skip
    print(f"WARC files:  {warc_bytes / count / 1e3:.1f} KB per article ({warc_bytes / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
