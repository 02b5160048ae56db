"""Every user-facing read of a large archive, timed through the real server and commands.

    python tests/bench/archive_scale.py [--articles N] [--base N0] [--keep PATH] [--runs K]
                                        [--write W]

Builds a realistic archive of N articles (default 10,000; ``scale_data.py`` says what is in
it) in a temporary directory, or at PATH with --keep (an existing file there is reused, not
rebuilt); with --base N0, N0 of them generated and the archive grown to N by copies of their
rows in SQL (``scale_grow.py``: a million articles in ~20 minutes instead of ~2 hours; the
texts repeat), then:

- serves it with ``culturewatch browse`` on a loopback port (a subprocess, as a user starts
  it, the shipped metadata and themes) and times, K times each over HTTP, the front page,
  the articles table with its facets (and a facet clicked), plain search (English words,
  two-character Chinese terms), concept search, an article page, stories, the dashboard and
  each of its charts' queries (as the dashboard's script asks for them), every canned query;
- runs ``culturewatch digest``, ``alerts run`` (one feed-only alert: nothing leaves the
  machine), ``evaluate`` and ``sources`` as subprocesses and times them;
- writes W generated pages (extracted with trafilatura first, not timed) through the crawl's
  writer (:func:`pipelines.writer.write_item`, batches of 100, WARC captures synced before
  each commit) into a fresh archive: articles/s;
- reports SQLite bytes per article and the largest tables and indexes.

Prints p50/p95 in ms per read and the targets (page <= 500 ms p95, digest <= 30 s, alerts
<= 10 s, <= 15 KB per article, >= 300 articles/s written). Exit 0 either way.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
for where in (ROOT, ROOT / "tests" / "bench"):
    if str(where) not in sys.path:
        sys.path.insert(0, str(where))

import scale_data  # noqa: E402
import scale_grow  # noqa: E402
from canned_queries import params_for  # noqa: E402

PAGE_MS, DIGEST_S, ALERTS_S, KB_PER_ARTICLE, WRITE_RATE = 500, 30, 10, 15, 300
CONFIG_FILES = ("settings.toml", "themes.toml", "metadata.yml", "glossary.toml", "semantic.toml")
EN_TERMS = ["heritage", "festival", "museum", "animation", "diplomacy", "streaming", "opera"]
ZH_TERMS = ["哪吒", "汉服", "非遗", "故宫", "敦煌", "春节", "京剧"]
CONCEPTS = ["哪吒", "Nezha", "hanfu", "汉服", '"box office"', "unesco OR 申遗"]


def config_dir(tmp: Path, feeds: Path) -> Path:
    """The shipped configuration, with the generated sources and one feed-only alert."""
    cfg = tmp / "config"
    cfg.mkdir()
    for name in CONFIG_FILES:
        if (ROOT / "config" / name).exists():
            shutil.copy(ROOT / "config" / name, cfg / name)
    lines = []
    for s in scale_data.sources():
        lines += [
            "[[sources]]", f'name = "{s["name"]}"', f'url = "https://{s["name"]}.example/feed.xml"',
            'kind = "feed"', f'group = "{s["group"]}"', f'language = "{s["language"]}"', "",
        ]  # fmt: skip
    (cfg / "sources.toml").write_text("\n".join(lines), encoding="utf-8")
    (cfg / "alerts.toml").write_text(
        f'[delivery]\nfeeds = "{feeds}"\nlookback_days = 7\n\n'
        "[[alerts]]\nname = \"heritage\"\nquery = 'heritage OR 非遗 OR 哪吒'\n"
        'frequency = "after_crawl"\nfeed = true\n',
        encoding="utf-8",
    )
    return cfg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> float:
    """Milliseconds to read *url* whole; an HTTP error (a query past Datasette's time limit
    answers 400) raises :class:`urllib.error.HTTPError`."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def timed(url: Callable[[], str], runs: int) -> tuple[list[float], str]:
    """*runs* timings of *url* after a warm-up, and the HTTP error if one answered."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        try:
            times.append(get(url()))
        except urllib.error.HTTPError as exc:
            times.append((time.perf_counter() - started) * 1000)
            return times[1:] or times, f"HTTP {exc.code}"
    return times[1:], ""


def dashboard_queries(metadata: dict) -> list[tuple[str, str]]:
    """Each chart's SQL as the dashboard asks for it with no filter set ([[ ]] dropped)."""
    board = metadata["plugins"]["datasette-dashboards"]["attention"]
    out = []
    for name, chart in board["charts"].items():
        sql = " ".join(chart["query"].split())
        while "[[" in sql:
            start = sql.index("[[")
            sql = sql[:start] + sql[sql.index("]]", start) + 2 :]
        out.append((name, sql))
    return out


def reads(base: str, n: int, rng: random.Random) -> list[tuple[str, Callable[[], str]]]:
    """(name, URL maker) of every read; a maker may vary the URL between runs."""
    metadata = yaml.safe_load((ROOT / "config" / "metadata.yml").read_text(encoding="utf-8"))
    db = f"{base}/culturewatch"
    q = urllib.parse.quote
    out: list[tuple[str, Callable[[], str]]] = [
        ("front page /", lambda: f"{base}/"),
        ("articles table + facets", lambda: f"{db}/articles"),
        ("articles language=zh", lambda: f"{db}/articles?language=zh"),
        ("articles relevant=1", lambda: f"{db}/articles?relevant=1"),
        ("articles source=x", lambda: f"{db}/articles?source=international-03"),
        ("articles by published", lambda: f"{db}/articles?_sort_desc=published_at"),
        ("search en (table)", lambda: f"{db}/articles?_search={q(rng.choice(EN_TERMS))}"),
        ("search zh 2-char (table)", lambda: f"{db}/articles?_search={q(rng.choice(ZH_TERMS))}"),
        ("concept search", lambda: f"{db}/search?q={q(rng.choice(CONCEPTS))}"),
        ("concept search zh", lambda: f"{db}/search?q={q(rng.choice(ZH_TERMS))}"),
        ("article page", lambda: f"{db}/articles/{rng.randint(1, n)}"),
        ("stories table", lambda: f"{db}/stories"),
        ("stories source_count>=2", lambda: f"{db}/stories?source_count__gte=2"),
        ("sources table", lambda: f"{db}/sources"),
        ("dashboard page", lambda: f"{base}/-/dashboards/attention"),
    ]
    for name, sql in dashboard_queries(metadata):
        out.append((f"chart {name}", lambda sql=sql: f"{base}/culturewatch.json?sql={q(sql)}"))
    for name, query in metadata["databases"]["culturewatch"]["queries"].items():
        params = params_for(query["sql"])
        params = {k: ("films_games" if k == "theme" else "哪吒") for k in params}
        tail = "&".join(f"{k}={q(v)}" for k, v in params.items())
        out.append((f"query {name}", lambda name=name, tail=tail: f"{db}/{name}.json?{tail}"))
    return out


def serve(path: Path, cfg: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "browse", "--config", str(cfg), "--db", str(path),
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            get(f"{base}/-/versions.json")
            return proc, base
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(proc.stderr.read().decode() if proc.stderr else "died") from None
            time.sleep(0.1)
    raise SystemExit("browse did not answer in 60 s")


def cli(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "crawler", *args], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"culturewatch {args[0]} failed: {result.stdout}{result.stderr}")
    return took


def write_rate(count: int, tmp: Path) -> float:
    """Articles/s of the crawl's writer, batches of 100, on generated pages."""
    from pipelines.extraction.extract import extract
    from pipelines.items import FetchedPage
    from pipelines.stories.signatures import signature
    from pipelines.writer import write_item
    from storage.archive import Archive, RetryPolicy

    rng = random.Random(3)
    words, weights = scale_data._vocabulary(rng)
    cum = list(itertools.accumulate(weights))
    items = []
    for i in range(count):
        text = scale_data._english(rng, words, cum, scale_data._length(rng, 3500))
        paras = "".join(f"<p>{p}.</p>" for p in text.split(". "))
        body = (f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i} "
                f"{text[:40]}</h1>{paras}</article></body></html>").encode()  # fmt: skip
        url = f"https://write.example/{i}.html"
        article = extract(body, url)
        if article is None:
            continue
        article = type(article)(**{**article.__dict__, "signature": signature(article.text)})
        items.append(FetchedPage(source="bench", requested_url=url, url=url, status=200,
                                 body=body, encoding="utf-8", content_type="text/html",
                                 article=article))  # fmt: skip
    policy = RetryPolicy(attempts=4, spacing=3600)
    with Archive(tmp / "write.db", busy_timeout=1.0) as archive:
        started = time.perf_counter()
        for start in range(0, len(items), 100):
            with archive.transaction():
                for item in items[start : start + 100]:
                    write_item(archive, item, policy, None)
                archive.raw_pages.sync()
        return archive.count() / (time.perf_counter() - started)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument(
        "--base", type=int, default=None, help="generate this many, then grow to --articles"
    )
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the archive here")
    parser.add_argument("--runs", type=int, default=10, help="timed requests per read")
    parser.add_argument("--write", type=int, default=500, help="pages written for articles/s")
    parser.add_argument(
        "--no-http", dest="http", action="store_false", help="time the commands only"
    )
    args = parser.parse_args()
    tmp_dir = tempfile.TemporaryDirectory(prefix="cw-scale-")
    tmp = Path(tmp_dir.name)
    path = args.keep or tmp / "archive.db"
    if not path.exists():
        print(f"building {args.articles:,} articles in {path}", flush=True)
        started = time.perf_counter()
        say = functools.partial(print, flush=True)
        base = min(args.base or args.articles, args.articles)
        scale_data.build(path, base, say=say)
        if base < args.articles:
            print(f"grown from {base:,} generated articles to {args.articles:,}", flush=True)
            scale_grow.grow(path, args.articles, say=say)
        print(f"built in {time.perf_counter() - started:.0f}s", flush=True)
    from storage.upkeep import archive_stats

    stats = archive_stats(path, warc_dir=tmp / "no-warc")
    n = stats.articles
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CULTUREWATCH_DB": str(path)}
    cfg = config_dir(tmp, tmp / "feeds")
    rng = random.Random(5)
    proc, base = serve(path, cfg, env)
    rows: list[tuple[str, float, float, str]] = []
    try:
        for name, url in reads(base, n, rng) if args.http else []:
            times, error = timed(url, args.runs)
            rows.append((name, statistics.median(times), pct(times, 0.95), error))
            print(f"{name:40}{rows[-1][1]:>9.0f}{rows[-1][2]:>9.0f}  {error}", flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
    today = datetime.now(UTC).date().isoformat()
    commands = {
        "digest": cli(env, "digest", "--config", str(cfg), "--db", str(path), "--date", today,
                      "--out", str(tmp / "digests")),
        "alerts run": cli(env, "alerts", "run", "--config", str(cfg), "--db", str(path)),
        "evaluate": cli(env, "evaluate", "--config", str(cfg), "--db", str(path)),
        "sources": cli(env, "sources", "--config", str(cfg), "--db", str(path)),
    }  # fmt: skip
    rate = write_rate(args.write, tmp) if args.write else 0.0

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{n:,} articles; {args.runs} requests per read through `culturewatch browse`")
    print(f"machine load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores")
    print(f"{'read':40}{'p50 ms':>9}{'p95 ms':>9}")
    for name, p50, p95, error in rows:
        over = error or ("OVER" if p95 > PAGE_MS else "")
        print(f"{name:40}{p50:>9.0f}{p95:>9.0f}  {over}".rstrip())
    for name, took in commands.items():
        print(f"{'culturewatch ' + name:40}{took:>8.1f}s")
    kb = stats.file_bytes / max(n, 1) / 1e3
    print(f"SQLite file: {stats.file_bytes / 1e6:,.1f} MB, {kb:.1f} KB per article")
    for name, kind, size in stats.objects[:8]:
        print(f"  {name:36}{kind:>6}{size / max(n, 1) / 1e3:>8.2f} KB/article")
    if rate:
        print(f"write: {rate:,.0f} articles/s (batches of 100, {args.write} generated pages)")
    worst = max((p95 for _, _, p95, _ in rows), default=0.0)
    failed = [name for name, _, _, error in rows if error]
    checks = {
        f"pages p95 <= {PAGE_MS} ms (worst {worst:.0f}, {len(failed)} failed)": worst <= PAGE_MS
        and not failed,
        f"digest <= {DIGEST_S} s": commands["digest"] <= DIGEST_S,
        f"alerts run <= {ALERTS_S} s": commands["alerts run"] <= ALERTS_S,
        f"<= {KB_PER_ARTICLE} KB per article": kb <= KB_PER_ARTICLE,
        f">= {WRITE_RATE} articles/s written": not args.write or rate >= WRITE_RATE,
    }
    print("targets: " + "; ".join(f"{k} {'OK' if v else 'MISSED'}" for k, v in checks.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
