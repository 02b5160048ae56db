"""The crawl's write path on real pages: articles/s in batches, and what an article costs.

    python tests/bench/archive_write.py [--copies C] [--batch N] [--repeats R]

The pages of ``../shared/corpus/extraction-benchmark`` and ``fundus-metadata`` are extracted
once, with their MinHash signatures, as the extraction workers do (not timed); then C copies of each (made distinct: their text carries the copy's
number, so none is a duplicate) are written into a fresh archive as the crawl's writer
does (:func:`pipelines.writer.write_item`, N items per transaction, the raw captures synced
before each commit where the code has WARC files). Printed: articles/s of the writes (median
of R runs), then KB per article in the SQLite file (after a WAL checkpoint) and in the
WARC files beside it. Runs on any version of the code with ``write_item`` (so a release
before WARC files can be measured with the same script: ``PYTHONPATH=<its tree>``).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
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
    args = parser.parse_args()

    import storage
    from pipelines.extraction.extract import extract
    from pipelines.items import FetchedPage
    from pipelines.stories.signatures import signature
    from pipelines.writer import write_item
    from storage.archive import Archive, RetryPolicy

    print(f"code: {Path(storage.__file__).parent.parent}")
    base = []
    for name, body in pages():
        url = f"https://bench.example/{name}"
        article = extract(body, url)
        if article is not None and article.text:
            base.append((url, body, article))
    items = []
    for copy in range(args.copies):
        for url, body, article in base:
            curl = f"{url}?copy={copy}"
            text = f"{article.text}\n(copy {copy})"
            # the signature as the extraction workers compute it, off the writer
            art = dataclasses.replace(article, url=curl, text=text, signature=signature(text))
            items.append(
                FetchedPage(
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
            )
    html_bytes = sum(len(i.body) for i in items)
    text_bytes = sum(len(i.article.text.encode()) for i in items if i.article)
    print(f"{len(items)} articles ({len(base)} pages x {args.copies}); HTML "
          f"{html_bytes / len(items) / 1e3:.1f} KB, text {text_bytes / len(items) / 1e3:.1f} KB "
          "per article on average")  # fmt: skip
    policy = RetryPolicy(attempts=4, spacing=3600)
    rates = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="cw-write-bench-") as tmp:
            db = Path(tmp) / "archive.db"
            with Archive(db, busy_timeout=1.0) as archive:
                started = time.perf_counter()
                for start in range(0, len(items), args.batch):
                    with archive.transaction():
                        for item in items[start : start + args.batch]:
                            write_item(archive, item, policy, None)
                        if hasattr(archive, "raw_pages"):
                            archive.raw_pages.sync()
                took = time.perf_counter() - started
                archive.db.execute("pragma wal_checkpoint(truncate)")
                count = archive.count()
            rates.append(count / took)
            sqlite_bytes = db.stat().st_size
            warc_bytes = sum(p.stat().st_size for p in (Path(tmp) / "warc").glob("*.warc.gz"))
    print(f"write: {statistics.median(rates):,.0f} articles/s (median of {args.repeats}: "
          + ", ".join(f"{r:,.0f}" for r in rates) + f"), batches of {args.batch}")  # fmt: skip
    print(f"SQLite file: {sqlite_bytes / count / 1e3:.1f} KB per article "
          f"({sqlite_bytes / 1e6:.1f} MB for {count})")  # fmt: skip
    print(f"WARC files:  {warc_bytes / count / 1e3:.1f} KB per article ({warc_bytes / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
