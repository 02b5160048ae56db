"""Time the story assignment of a new article in an archive of N articles.

    python tests/bench/stories_assign.py [--articles 100000] [--new 400]

Fills a temporary archive with N synthetic articles (random text over a 20,000-word
vocabulary with Zipf's frequencies, the commonest word a tenth of all words, one in ten a lightly edited copy of an earlier
one, so that stories of several copies exist), with their signatures, bands and stories
written in bulk the way the assignment writes them. Then archives --new articles the way
a crawl does (``upsert_article`` and ``assign_story`` in one transaction), half of them
edited copies of archived articles and half new texts, and reports per article: the time
of ``assign_story`` (signature, indexed candidate lookup, verification, story update) and
of the whole write, median and p95; the Python memory the assignment allocates at its
peak (tracemalloc); the process's maximum RSS and the archive's size.
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from pipelines.stories.assign import assign_story
from pipelines.stories.signatures import band_hashes, pack, signature
from storage.archive import Archive

VOCABULARY = 20_000


_RANKS = list(range(1, VOCABULARY + 1))
_CUMULATIVE = list(itertools.accumulate(1 / r for r in _RANKS))  # Zipf: p(rank r) ~ 1/r


def _words(rng: random.Random) -> list[str]:
    count = rng.randint(120, 400)
    return [f"w{r}" for r in rng.choices(_RANKS, cum_weights=_CUMULATIVE, k=count)]


def _text(rng: random.Random) -> str:
    words = _words(rng)
    return "\n".join(" ".join(words[i : i + 60]) for i in range(0, len(words), 60))


def _edit(rng: random.Random, text: str) -> str:
    paras = text.split("\n")
    if len(paras) > 2:
        del paras[rng.randrange(len(paras))]
    return "\n".join(["BEIJING, March 4 (Wire) --", *paras, "Editor: Li Ming"])


def fill(archive: Archive, count: int, rng: random.Random) -> list[str]:
    """Write *count* articles with their signatures, bands and stories; returns the texts."""
    texts: list[str] = []
    story_of: list[int] = []
    db = archive.db
    batch = 5_000
    for start in range(0, count, batch):
        articles, signatures, bands, members = [], [], [], []
        for n in range(start, min(count, start + batch)):
            article_id = n + 1
            if texts and rng.random() < 0.1:
                parent = rng.randrange(len(texts))
                text, story = _edit(rng, texts[parent]), story_of[parent]
            else:
                text, story = _text(rng), article_id
            texts.append(text)
            story_of.append(story)
            sig = signature(text)
            assert sig is not None
            stamp = f"2025-{1 + n * 12 // count:02d}-01T00:00:00+00:00"
            articles.append(
                (
                    article_id,
                    f"https://s{n % 50}.example/{n}",
                    f"t{n}",
                    text,
                    f"s{n % 50}",
                    stamp,
                    stamp,
                    "en",
                    story,
                )  # fmt: skip
            )
            signatures.append((article_id, pack(sig)))
            bands += [(article_id, b, h) for b, h in enumerate(band_hashes(sig))]
            members.append(story)
        with archive.transaction():
            db.conn.executemany(
                "insert into articles (id, url, title, text, source, published_at, fetched_at, "
                "language, story_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                articles,
            )
            db.conn.executemany("insert into story_signatures values (?, ?)", signatures)
            db.conn.executemany("insert into story_bands values (?, ?, ?)", bands)
    with archive.transaction():
        db.execute(
            "insert into stories (id, title, first_seen, first_source, first_url, last_seen, "
            "article_count, source_count, languages, sources, spread_hours) "
            "select story_id, min(title), min(published_at), min(source), min(url), "
            "max(published_at), count(*), count(distinct source), '[\"en\"]', "
            "json_group_array(distinct source), 0 from articles group by story_id"
        )
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="archived articles")
    parser.add_argument(
        "--new", type=int, default=400, help="new articles (the last 20 measure memory)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        with Archive(path) as archive:
            started = time.perf_counter()
            texts = fill(archive, args.articles, rng)
            filled = time.perf_counter() - started
            assign_ms, write_ms, joined = [], [], 0
            peak = 0
            for n in range(args.new):
                copy = n % 2 == 0
                text = _edit(rng, rng.choice(texts)) if copy else _text(rng)
                measure_memory = n >= args.new - 20  # the last 20, under tracemalloc
                if measure_memory and not tracemalloc.is_tracing():
                    tracemalloc.start()
                t0 = time.perf_counter()
                with archive.transaction():
                    article_id, _ = archive.upsert_article(
                        {
                            "url": f"https://new.example/{n}",
                            "title": f"new {n}",
                            "text": text,
                            "source": "new",
                            "language": "en",
                        }  # fmt: skip
                    )
                    if measure_memory:
                        tracemalloc.reset_peak()
                    t1 = time.perf_counter()
                    story = assign_story(archive, article_id, text)
                    t2 = time.perf_counter()
                    if measure_memory:
                        peak = max(peak, tracemalloc.get_traced_memory()[1])
                if not measure_memory:  # tracemalloc slows everything down: not timed
                    write_ms.append((time.perf_counter() - t0) * 1000)
                    assign_ms.append((t2 - t1) * 1000)
                joined += copy and story != article_id
            tracemalloc.stop()
            size = path.stat().st_size + sum(
                p.stat().st_size for p in path.parent.glob("bench.db-*")
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, int(len(values) * 0.95) - 1)]

    print(f"{args.articles} archived articles (filled in {filled:.0f} s), {args.new} new ones")
    print(
        f"assign_story: median {statistics.median(assign_ms):.2f} ms, p95 {p95(assign_ms):.2f} ms"
    )
    print(
        f"whole write (article, search index, story): median {statistics.median(write_ms):.2f}"
        f" ms, p95 {p95(write_ms):.2f} ms"
    )
    print(f"copies joined to their story: {joined} of {(args.new + 1) // 2}")
    print(f"memory: assignment peak {peak / 1024:.0f} KiB; process max RSS {rss:.0f} MiB")
    print(f"archive size {size / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
