"""A crawl shared by 1 and by 2 workers (`crawl --cluster`, `worker --cluster`), on loopback.

    python tests/bench/cluster_scale.py [--hosts H] [--pages P] [--shape latency|cpu|both]
        [--workers 1,2] [--synthetic] [--smoke]

The pages of ``../shared/corpus/extraction-benchmark`` (real articles; our own synthetic
pages when it is not there) are served on H loopback hosts (127.0.0.1, .2, ...), P pages
each, every host listing its pages in one RSS feed. A real ``redis-server`` runs on a unix
socket in a temporary directory. Two shapes:

- ``latency``: pages answer after 2.5 s and each host takes one request per 0.5 s; a worker
  has 4 requests in flight at most, so one worker is held by its in-flight slots while
  the hosts could take more;
- ``cpu``: fast pages, no delay: extraction is the work (one extraction process per worker).

For each shape and worker count: articles per second (articles archived over the time from
the first article request a host received to the last article written; the rate to the
crawl's end, and how long it took to end, follow), the smallest gap between two requests to
one host as the host received them, the peak resident memory of each worker process tree
and of Redis, and the CPU each part used per article from the first article request on
(extraction processes, workers' main processes, coordinator, Redis, loopback hosts; from
``/proc``): a figure the machine's load hardly changes, unlike the rates. From it, the
bound on the cpu shape's ratio on an idle 2-core machine (see :func:`_cpu_line`).
Then the bytes Redis received and sent per article (``INFO stats``): mostly the result
stream's entries, each page's going in from its worker and out to the coordinator.
``--smoke`` is a tiny run for the test suite.
"""

from __future__ import annotations

import argparse
import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support import FixtureServer, Route, corpus_dir, write_settings, write_sources

REDIS = "/usr/bin/redis-server"
SHAPES = {
    # page answer delay (s), per-host delay (s), requests in flight per worker
    "latency": (2.5, 0.5, 4),
    "cpu": (0.0, 0.0, 8),
}


def _pages(count: int, synthetic: bool = False) -> list[bytes]:
    corpus = None if synthetic else corpus_dir()
    if corpus is None:
        return [
            (
                f"<html><head><title>Piece {n}</title></head><body><article>"
                + "".join(
                    f"<p>Paragraph {i} of piece {n}: a touring ensemble, its programme, "
                    f"its audiences in city {n * 31 + i} and what critics wrote.</p>"
                    for i in range(30)
                )
                + "</article></body></html>"
            ).encode()
            for n in range(count)
        ]
    files = sorted((corpus / "html").glob("*.html.gz"))
    pages = []
    for n in range(count):
        body = gzip.decompress(files[n % len(files)].read_bytes())
        # each copy distinct: the archive would keep a repeated text as a duplicate
        pages.append(body.replace(b"</p>", f" [{n}]</p>".encode(), 1 + n // len(files)))
    return pages


def _sites(hosts: int, per_host: int, page_delay: float, synthetic: bool) -> list[FixtureServer]:
    pages = _pages(hosts * per_host, synthetic)
    sites = []
    for h in range(hosts):
        site = FixtureServer(host=f"127.0.0.{h + 1}")
        items = ""
        for n in range(per_host):
            path = f"/a/{n}.html"
            site.routes[path] = Route(pages[h * per_host + n], delay=page_delay)
            items += f"<item><title>Piece {n}</title><link>{site.url(path)}</link></item>"
        site.routes["/feed.xml"] = Route(
            f"<?xml version='1.0'?><rss version='2.0'><channel><title>h{h}</title>{items}"
            "</channel></rss>",
            content_type="application/rss+xml",
        )
        sites.append(site.start())
    return sites


def _count(db: Path) -> int:
    """Articles in the archive so far (0 before it exists)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def _rss_kib(pid: int) -> int:
    """Resident KiB of *pid* and its children (extraction processes)."""
    total = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    except OSError:
        return 0
    return total + sum(_rss_kib(int(c)) for c in children)


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(stat: Path) -> float:
    """CPU seconds (user + system) of the process or thread whose ``stat`` file this is."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


class CpuMeter:
    """CPU seconds used by each process of a run, by role: a process's own and its main
    thread's (the reactor), and its descendants' (extraction processes), sampled until it
    ends (a process's last sample is at most one poll short)."""

    def __init__(self, roots: dict[str, int]):
        self.roots = roots
        self.seen: dict[tuple[str, int], float] = {}  # (role, pid) -> CPU seconds
        self.main: dict[str, float] = {}  # role -> its main thread's CPU seconds

    def sample(self) -> None:
        for role, pid in self.roots.items():
            self._take(role, pid, pid)

    def _take(self, role: str, root: int, pid: int) -> None:
        used = _cpu(Path(f"/proc/{pid}/stat"))
        if not used and (role, pid) in self.seen:
            return  # gone: its last sample stands
        label = role if pid == root else f"{role} children"
        self.seen[(label, pid)] = max(self.seen.get((label, pid), 0.0), used)
        if pid == root:
            main = _cpu(Path(f"/proc/{pid}/task/{pid}/stat"))
            self.main[role] = max(self.main.get(role, 0.0), main)
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return
        for child in children:
            self._take(role, root, int(child))

    def totals(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for (label, _pid), used in self.seen.items():
            found[label] = found.get(label, 0.0) + used
        for role, main in self.main.items():
            found[f"{role} main thread"] = main
        return found


def run(
    shape: str, workers: int, hosts: int, per_host: int, tmp: Path, synthetic: bool = False
) -> dict[str, Any]:
    page_delay, delay, in_flight = SHAPES[shape]
    sock = tmp / "redis.sock"
    redis = subprocess.Popen(
        [REDIS, "--port", "0", "--unixsocket", str(sock), "--dir", str(tmp), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    while not sock.exists():
        time.sleep(0.05)
    url = f"unix://{sock}"
    sites = _sites(hosts, per_host, page_delay, synthetic)
    config = tmp / "config"
    write_settings(
        config,
        politeness={
            "download_delay": delay,
            "concurrent_requests": in_flight,
            "concurrent_requests_per_domain": in_flight,
            "obey_robots_txt": False,
        },
        **{"crawl.extract_workers": 1, "crawl.max_items_per_source": per_host},
    )
    sources = write_sources(
        tmp / "sources.toml",
        [{"name": f"h{i}", "url": s.url("/feed.xml"), "kind": "feed"} for i, s in enumerate(sites)],
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "crawler", "worker", "--cluster", url],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    db = tmp / "archive.db"
    peak = dict.fromkeys(range(workers), 0)
    redis_peak = 0
    started: dict[str, float] | None = None
    counted = (0, 0.0)  # articles in the archive, and when that count was first seen
    meter = CpuMeter({"redis": redis.pid, **{f"worker{i}": p.pid for i, p in enumerate(procs)}})
    try:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--sources",
             str(sources), "--db", str(db), "--allow-private-networks", "-q", "--cluster", url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        meter.roots["coordinator"] = crawl.pid
        while crawl.poll() is None:
            meter.sample()
            if started is None and any(s.requests("/a/") for s in sites):
                started = meter.totals()  # the work before the first article is not counted
                started["bench"] = _cpu(Path(f"/proc/{os.getpid()}/stat"))
                started["bench main thread"] = _cpu(
                    Path(f"/proc/{os.getpid()}/task/{os.getpid()}/stat")
                )
            written = _count(db)
            if written > counted[0]:
                counted = (written, time.monotonic())
            for i, p in enumerate(procs):
                peak[i] = max(peak[i], _rss_kib(p.pid))
            redis_peak = max(redis_peak, _rss_kib(redis.pid))
            time.sleep(0.2)
        ended = time.monotonic()
        meter.sample()
        out, err = crawl.communicate()
        if crawl.returncode != 0:
            raise SystemExit(f"the crawl failed: {err or out}")
        traffic = _traffic(sock)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(30)
        redis.terminate()
        redis.wait(10)
    cpu = meter.totals()
    # this process: the loopback hosts' server threads, and the polling above
    cpu["bench"] = _cpu(Path(f"/proc/{os.getpid()}/stat"))
    cpu["bench main thread"] = _cpu(Path(f"/proc/{os.getpid()}/task/{os.getpid()}/stat"))
    cpu = {k: v - (started or {}).get(k, 0.0) for k, v in cpu.items()}
    with sqlite3.connect(db) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    first = min((h.time for s in sites for h in s.requests("/a/")), default=ended)
    gaps = [b - a for s in sites for a, b in pairwise(sorted(h.time for h in s.requests("/a/")))]
    span = ended - first  # from the first article request to the end of the crawl
    # ... and to the last article written (the crawl's own ending is not throughput)
    work = (counted[1] if counted[0] == articles else ended) - first
    return {
        "articles": articles,
        "rate": articles / work if work > 0 else float("nan"),
        "crawl_rate": articles / span if span else float("nan"),
        "tail": ended - first - work,
        "min_gap": min(gaps) if gaps else float("nan"),
        "delay": delay,
        "worker_mib": max(peak.values()) / 1024,
        "redis_mib": redis_peak / 1024,
        "redis_in": traffic[0] / max(articles, 1),
        "redis_out": traffic[1] / max(articles, 1),
        "cpu": cpu,
    }


def _traffic(sock: Path) -> tuple[int, int]:
    """Bytes Redis received and sent since it started (the result stream's entries are most
    of them: each page's goes in from its worker and out to the coordinator)."""
    import redis

    stats = redis.Redis(unix_socket_path=str(sock)).info("stats")
    return int(stats["total_net_input_bytes"]), int(stats["total_net_output_bytes"])


def _cpu_parts(cpu: dict[str, float], articles: int) -> tuple[float, float]:
    """CPU ms per article: the extraction processes', and everything's (see _cpu_line)."""
    per = {k: 1000 * v / max(articles, 1) for k, v in cpu.items()}
    total = sum(v for k, v in per.items() if not k.endswith("main thread") and k != "bench")
    total += per.get("bench", 0) - per.get("bench main thread", 0)
    extraction = sum(v for k, v in per.items() if k.startswith("worker") and "children" in k)
    return extraction, total


def _cpu_line(cpu: dict[str, float], articles: int) -> str:
    """CPU milliseconds per article archived, by part: a figure the machine's load does
    not change (much). A worker's children are its extraction processes; the bench's own
    main thread (this polling) is left out, its other threads are the loopback hosts.

    With one worker held by its one extraction process (E ms an article) and two workers
    by the machine's two cores (T ms an article in all), two workers reach at most 2E/T
    times one worker's rate on an idle 2-core machine: the bound printed last."""
    extraction, total = _cpu_parts(cpu, articles)
    per = {k: 1000 * v / max(articles, 1) for k, v in cpu.items()}
    mains = sum(v for k, v in per.items() if k.startswith("worker") and k[-1].isdigit())
    coordinator = per.get("coordinator", 0) + per.get("coordinator children", 0)
    reactor = per.get("coordinator main thread", 0)
    redis = per.get("redis", 0)
    hosts = per.get("bench", 0) - per.get("bench main thread", 0)
    bound = 2 * extraction / total if total else float("nan")
    return (
        f"CPU ms/article: extraction {extraction:.1f}, workers' main processes {mains:.1f}, "
        f"coordinator {coordinator:.1f} (reactor thread {reactor:.1f}), redis {redis:.1f}, "
        f"loopback hosts {hosts:.1f}; total {total:.1f}; bound on 2 idle cores: "
        f"{bound:.2f}x one worker"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=3)
    parser.add_argument("--pages", type=int, default=40, help="pages per host")
    parser.add_argument("--shape", choices=("latency", "cpu", "both"), default="both")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="small synthetic pages, not the real ones (little extraction work)",
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny run for the test suite")
    args = parser.parse_args()
    if not os.access(REDIS, os.X_OK):
        raise SystemExit(f"needs {REDIS} (apt-get install redis-server)")
    shapes = ["latency", "cpu"] if args.shape == "both" else [args.shape]
    if args.smoke:  # one small crawl of one worker, the latency shape made quick
        args.hosts, args.pages, args.workers, shapes = 2, 3, "1", ["latency"]
        SHAPES["latency"] = (0.2, 0.2, 4)
    counts = [int(w) for w in args.workers.split(",")]
    for shape in shapes:
        rates, crawl_rates, cpus = {}, {}, {}
        for workers in counts:
            with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp:
                r = run(shape, workers, args.hosts, args.pages, Path(tmp), args.synthetic)
            rates[workers], crawl_rates[workers] = r["rate"], r["crawl_rate"]
            cpus[workers] = _cpu_parts(r["cpu"], r["articles"])
            print(
                f"{shape:<8} {workers} worker{'s' if workers > 1 else ' '}: "
                f"{r['articles']} articles, {r['rate']:.2f} articles/s, "
                f"smallest gap at a host {r['min_gap']:.3f} s (delay {r['delay']} s), "
                f"worker peak {r['worker_mib']:.0f} MiB, redis peak {r['redis_mib']:.1f} MiB; "
                f"{r['crawl_rate']:.2f} articles/s to the crawl's end ({r['tail']:.1f} s after "
                "the last article)",
                flush=True,
            )
            print(f"{'':<9}{_cpu_line(r['cpu'], r['articles'])}", flush=True)
            print(
                f"{'':<9}Redis traffic per article: {r['redis_in'] / 1024:.1f} KiB in (from the "
                f"workers and the coordinator), {r['redis_out'] / 1024:.1f} KiB out",
                flush=True,
            )
        if 1 in rates and 2 in rates:
            bound = ""
            if shape == "cpu":  # what the CPU allows, whatever the machine's load now
                bound = (
                    f"; bound on 2 idle cores from the CPU used: "
                    f"{2 * cpus[1][0] / cpus[2][1]:.2f}x (2 x one worker's extraction / "
                    "the total of two workers, per article)"
                )
            print(
                f"{shape:<8} 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x "
                f"({crawl_rates[2] / crawl_rates[1]:.2f}x to the crawl's end){bound}",
                flush=True,
            )


if __name__ == "__main__":
    main()
