"""Peak memory of the sitemap parsers on a very large sitemap.

    python tests/bench/sitemap_memory.py [--urls N] [--keep K]

Writes a urlset of N URLs (default 1,000,000; each a ``<loc>`` and a ``<lastmod>``, every
tenth with a Google News block) into a temporary directory, then reads it in two fresh
processes, one per parser, and reports each one's peak resident memory (``VmHWM``, else
``ru_maxrss``) and time:

- ``parse_sitemap``: the whole list of entries, then the K newest (default 200) of it;
- ``iter_sitemap``: the entries one at a time, keeping only a heap of the K newest.

Both start from the same body in memory (read from the file): ``peak`` includes it and
the interpreter, ``above body`` is what the parser and the caller's entries cost on top of
that. Not run by the test suite as such: ``tests/test_bench_smoke.py`` runs it on a small
sitemap, ``tests/test_parsers.py`` on a medium one to check that ``iter_sitemap`` stays flat.
"""

from __future__ import annotations

import argparse
import heapq
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PARSERS = ("parse_sitemap", "iter_sitemap")
BASE = "https://news.example/sitemap.xml"


def write_sitemap(path: Path, urls: int) -> None:
    start = datetime(2026, 3, 4, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        )
        for i in range(urls):
            # dates out of order, so that "newest" means something
            when = (start - timedelta(minutes=(i * 7919) % (urls + 1))).isoformat()
            news = ""
            if i % 10 == 0:
                news = (
                    "<news:news><news:publication><news:name>Example</news:name>"
                    "<news:language>en</news:language></news:publication>"
                    f"<news:publication_date>{when}</news:publication_date>"
                    f"<news:title>Story number {i}</news:title>"
                    "<news:keywords>film, heritage</news:keywords></news:news>"
                )
            out.write(
                f"<url><loc>https://news.example/a/{i}.html</loc>"
                f"<lastmod>{when}</lastmod>{news}</url>\n"
            )
        out.write("</urlset>\n")


def _rss_kib() -> int:
    """This process's peak resident memory so far, in KiB.

    ``VmHWM`` where there is a /proc: ``ru_maxrss`` of a fresh process starts at its
    parent's size (Linux carries the high-water mark of the forked copy over ``exec``).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def child(parser: str, path: Path, keep: int) -> None:
    """Run one parser over the file and print what it cost, as JSON (in a fresh process)."""
    from crawler.listings.sitemaps import iter_sitemap, parse_sitemap

    body = path.read_bytes()
    before = _rss_kib()
    started = time.perf_counter()
    count = 0
    if parser == "parse_sitemap":
        entries = parse_sitemap(body, BASE).entries
        count = len(entries)
        newest = heapq.nlargest(keep, entries, key=lambda e: e.published_at or "")
    else:
        heap: list[tuple[str, int, object]] = []
        for count, item in enumerate(iter_sitemap(body, BASE), 1):
            key = (getattr(item, "published_at", None) or "", count, item)
            if len(heap) < keep:
                heapq.heappush(heap, key)
            elif key[0] > heap[0][0]:
                heapq.heapreplace(heap, key)
        newest = [item for _, _, item in sorted(heap, reverse=True)]
    seconds = time.perf_counter() - started
    result = {
        "parser": parser,
        "items": count,
        "kept": len(newest),
        "newest": newest[0].published_at if newest else None,
        "body_kib": before,
        "peak_kib": _rss_kib(),
        "seconds": seconds,
    }
    print(json.dumps(result))


def run(parser: str, path: Path, keep: int) -> dict:
    cmd = [sys.executable, __file__, "--child", parser, "--file", str(path), "--keep", str(keep)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{parser} failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1_000_000, help="URLs in the sitemap")
    parser.add_argument("--keep", type=int, default=200, help="newest entries kept")
    parser.add_argument("--child", choices=PARSERS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file, args.keep)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sitemap.xml"
        write_sitemap(path, args.urls)
        size = path.stat().st_size / 2**20
        print(f"sitemap: {args.urls:,} URLs, {size:.1f} MiB; keeping the {args.keep} newest")
        results = [run(name, path, args.keep) for name in PARSERS]
    if len({(r["items"], r["newest"]) for r in results}) != 1:
        sys.exit(f"the parsers disagree: {results}")
    print(f"{'parser':<15} {'items':>10} {'peak MiB':>10} {'above body':>11} {'seconds':>8}")
    for r in results:
        peak, above = r["peak_kib"] / 1024, (r["peak_kib"] - r["body_kib"]) / 1024
        print(
            f"{r['parser']:<15} {r['items']:>10,} {peak:>10.1f} {above:>11.1f} {r['seconds']:>8.2f}"
        )


if __name__ == "__main__":
    main()
