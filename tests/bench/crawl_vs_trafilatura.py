"""`culturewatch crawl` against trafilatura's own CLI on a loopback mirror of real pages.

    python tests/bench/crawl_vs_trafilatura.py [--hosts N] [--copies C] [--repeats R]
        [--pages P] [--growth C1,C2,...] [--only crawl|peer] [--processes] [--smoke]
        [--semantic]

The pages of ``../shared/corpus/extraction-benchmark`` (121 real articles) are served on
N loopback hosts (port 80 of 127.X.0.1, 127.X.0.2, ...), each page in C copies made
distinct (every paragraph of copy c ends with its own marker, so no copy is a duplicate of
another: :func:`distinct_copy`), spread round-robin over the hosts; each host lists its
pages in one RSS feed. Politeness is off on both sides: no download delay and no
AutoThrottle for the crawl (robots.txt is still read: one request per host),
``SLEEP_TIME = 0`` for trafilatura (and its SSRF protection off, so that it may fetch
loopback).

Both run as a user starts them, in their own process, interleaved (crawl, peer, peer, crawl,
...), each crawl into a fresh archive:

- ``culturewatch crawl --allow-private-networks`` over one feed source per host;
- ``trafilatura -i FEEDS --feed --parallel 2 --with-metadata --json`` (the peer), its JSON
  lines written to a file.

Printed for each: wall seconds, CPU seconds (user + system of the process and its children,
from ``wait4``), peak memory (the largest sum of the resident sets of the process and its
children, sampled every 20 ms; the same as proportional set size, which counts a page the
processes share once; and the largest single process), articles out;
then the medians and the crawl/peer ratios. ``--growth 1,20`` instead runs one crawl and one
peer per copy count (121 -> 2,420 pages) and prints the time per article and the start-up
cost of each (a least-squares line). ``--processes`` also prints, for the moment of the
largest Pss, each process of the tree with its Pss and its private pages. ``--smoke`` is a
tiny run for the test suite. ``--semantic`` crawls with ``[relevance] semantic = true`` (the
extraction workers also embed each article: the ``semantic`` extra must be installed).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support import FixtureServer, Route, corpus_dir, write_settings, write_sources

# settings of the crawl beyond the bench's own (--semantic)
EXTRA_SETTINGS: dict[str, object] = {}

_PARAGRAPH_END = re.compile(rb"</p>", re.I)
_LINE_BREAK = re.compile(rb"<br\b", re.I)
_BLOCK_END = re.compile(rb"</div>", re.I)


@dataclass
class Run:
    side: str  # crawl | peer
    wall: float
    cpu: float
    peak_mib: float  # the process tree's resident memory (sum of Rss), at its largest
    pss_mib: float  # the same in proportional set size (pages shared between its processes
    # counted once): what the tree takes from the machine
    largest_mib: float  # the largest single process (Rss)
    articles: int
    exit: int
    # at the moment of the largest Pss: (role, Pss KiB, private KiB) of each process
    at_peak: list[tuple[str, int, int]] = field(default_factory=list)


# ---------------------------------------------------------------------------- the mirror
def start_servers(n: int) -> list[FixtureServer]:
    """*n* fixture servers on port 80 of loopback addresses 127.X.0.1 ... 127.X.0.n.

    Port 80, because trafilatura's URL checks (courlan) refuse a numeric host with a port;
    X is chosen so that two runs at once do not collide.
    """
    for attempt in range(20):
        block = 20 + (os.getpid() + attempt * 37) % 230
        servers: list[FixtureServer] = []
        try:
            for i in range(1, n + 1):
                servers.append(FixtureServer(host=f"127.{block}.0.{i}", port=80))
        except OSError:
            for srv in servers:
                srv.stop()
            continue
        for srv in servers:
            srv.base_url = f"http://{srv.host}"  # the default port, as a user writes it
            srv.start()
        return servers
    sys.exit("could not bind port 80 on loopback addresses (run as root, or allow it)")


def distinct_copy(page: bytes, copy: int) -> bytes:
    """Copy *copy* of *page*: every paragraph ends with its own marker (copy 0 is the page).

    A page whose text is mostly in lines (twice as many ``<br>`` as ``</p>``) gets the
    marker before each line break too, and one without paragraphs at each ``</div>``: so
    that the text extracted from each copy differs (3 of the 121 pages otherwise)."""
    if copy == 0:
        return page
    mark = f" (copy {copy}.)".encode()
    paragraphs = len(_PARAGRAPH_END.findall(page))
    marked = _PARAGRAPH_END.sub(lambda m: mark + m[0], page)
    if len(_LINE_BREAK.findall(page)) > 2 * paragraphs:
        marked = _LINE_BREAK.sub(lambda m: mark + m[0], marked)
    if not paragraphs:
        marked = _BLOCK_END.sub(lambda m: mark + m[0], marked)
    return marked


def rss(base: str, links: list[str]) -> str:
    start = datetime(2026, 3, 4, 12, tzinfo=UTC)
    items = "".join(
        f"<item><title>Article {n}</title><link>{escape(link)}</link>"
        f"<pubDate>{format_datetime(start - timedelta(minutes=n))}</pubDate></item>"
        for n, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Mirror</title><link>{base}/</link><description>bench</description>"
        f"{items}</channel></rss>"
    )


def serve(servers: list[FixtureServer], corpus: Path, copies: int, pages: int | None) -> int:
    """Fill the servers' routes: the pages (copies round-robin over the hosts) and one
    ``/feed.xml`` per host. Returns the number of pages served."""
    files = sorted((corpus / "html").glob("*.html.gz"))[:pages]
    links: list[list[str]] = [[] for _ in servers]
    for srv in servers:
        srv.routes.clear()
    n = 0
    for path in files:
        page = gzip.decompress(path.read_bytes())
        page_id = path.name.removesuffix(".html.gz")
        for copy in range(copies):
            side = n % len(servers)
            route = f"/a/{page_id}-{copy}.html"
            servers[side].routes[route] = Route(distinct_copy(page, copy))
            links[side].append(servers[side].url(route))
            n += 1
    for srv, listed in zip(servers, links, strict=True):
        srv.routes["/feed.xml"] = Route(
            rss(srv.base_url, listed), content_type="application/rss+xml; charset=utf-8"
        )
    return n


# ---------------------------------------------------------------------------- measuring
def _tree(root: int) -> dict[int, int]:
    """*root* and its descendants (from /proc), each with its parent, root first."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                parent = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    tree = {root: 0}
    order = [root]  # breadth first: a dict may not grow while it is iterated
    for pid in order:
        for child in children.get(pid, ()):
            order.append(child)
            tree[child] = pid
    return tree


def _resident_kib(pid: int) -> tuple[int, int, int]:
    """(Rss, Pss, private) of *pid* in KiB, from /proc/PID/smaps_rollup (private: the pages
    no other process maps); zeros once it is gone."""
    rss = pss = private = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    private += int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss, private


def _role(pid: int, parent: int, root: int) -> str:
    """What *pid* (a child of *parent*) is in a measured tree: the command's own process, a
    named module (``python -m NAME``), or the child of one (a worker)."""
    if pid == root:
        return "main"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return "?"
    if b"-m" in argv and parent == root:
        return argv[argv.index(b"-m") + 1].decode(errors="replace")
    return "child" if parent == root else "grandchild"


def measure(side: str, cmd: list[str], count: callable, **popen) -> Run:
    """Run *cmd*, sampling the resident memory of its process tree every 20 ms.

    Memory is only what the samples saw. ``ru_maxrss`` is not used: Linux carries the
    high-water mark of the image before ``exec`` into it, which is this benchmark's own
    (it holds the mirror: ~230 MiB), so it overstated whichever side was smaller.
    """
    started = time.monotonic()
    proc = subprocess.Popen(cmd, **popen)
    peak = peak_pss = largest = 0
    at_peak: list[tuple[str, int, int]] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss, largest, at_peak
        while not done.is_set():
            tree = _tree(proc.pid)
            sizes = [_resident_kib(pid) for pid in tree]
            peak = max(peak, sum(r for r, _, _ in sizes))
            pss = sum(p for _, p, _ in sizes)
            if pss > peak_pss:
                peak_pss = pss
                at_peak = [
                    (_role(pid, parent, proc.pid), p, priv)
                    for (pid, parent), (_, p, priv) in zip(tree.items(), sizes, strict=True)
                ]
            largest = max([largest, *(r for r, _, _ in sizes)])
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        side=side,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=peak / 1024,
        pss_mib=peak_pss / 1024,
        largest_mib=largest / 1024,
        articles=count(),
        exit=proc.returncode,
        at_peak=at_peak,
    )


def crawl_once(work: Path, config: Path, sources: Path, n: int) -> Run:
    db = work / f"crawl-{n}.db"
    cmd = [sys.executable, "-m", "crawler", "crawl", "--config", str(config)]
    cmd += ["--sources", str(sources), "--db", str(db), "--allow-private-networks"]

    def count() -> int:
        import sqlite3

        with sqlite3.connect(db) as conn:
            return conn.execute("select count(*) from articles").fetchone()[0]

    with open(work / "crawl.out", "w") as out:
        run = measure("crawl", cmd, count, stdout=out, stderr=subprocess.STDOUT)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return run


def peer_once(work: Path, feeds: Path, trafilatura_cfg: Path) -> Run:
    out = work / "peer.jsonl"
    cmd = [trafilatura(), "-i", str(feeds), "--feed", "--parallel", "2", "--with-metadata"]
    cmd += ["--json", "--config-file", str(trafilatura_cfg)]

    def count() -> int:
        return sum(1 for line in out.read_text(encoding="utf-8").splitlines() if line.strip())

    with open(out, "w") as stdout:
        return measure("peer", cmd, count, stdout=stdout, stderr=subprocess.DEVNULL)


def trafilatura() -> str:
    beside = Path(sys.executable).with_name("trafilatura")
    found = str(beside) if beside.exists() else shutil.which("trafilatura")
    if not found:
        sys.exit("trafilatura's command line is not installed (pip install trafilatura)")
    return found


def setup(
    work: Path, servers: list[FixtureServer], per_source: int
) -> tuple[Path, Path, Path, Path]:
    config = work / "config"
    write_settings(
        config,
        politeness={"download_delay": 0, "autothrottle": False, "timeout": 30},
        **{"crawl.max_items_per_source": max(per_source, 1), **EXTRA_SETTINGS},
    )
    sources = write_sources(
        work / "sources.toml",
        [
            {"name": f"host{i}", "url": srv.url("/feed.xml"), "kind": "feed"}
            for i, srv in enumerate(servers)
        ],
    )
    feeds = work / "feeds.txt"
    feeds.write_text("".join(srv.url("/feed.xml") + "\n" for srv in servers), encoding="utf-8")
    import trafilatura.settings as tsettings

    cfg = Path(tsettings.__file__).with_name("settings.cfg").read_text(encoding="utf-8")
    cfg = re.sub(r"(?m)^SLEEP_TIME = .*$", "SLEEP_TIME = 0", cfg)
    cfg = re.sub(r"(?m)^SSRF_PROTECTION = .*$", "SSRF_PROTECTION = off", cfg)
    trafilatura_cfg = work / "trafilatura.cfg"
    trafilatura_cfg.write_text(cfg, encoding="utf-8")
    return config, sources, feeds, trafilatura_cfg


def interleaved(
    work: Path,
    servers: list[FixtureServer],
    pages: int,
    repeats: int,
    only: str | None,
    processes: bool = False,
) -> list[Run]:
    config, sources, feeds, cfg = setup(work, servers, pages)
    runs: list[Run] = []
    for r in range(repeats):
        order = ("crawl", "peer") if r % 2 == 0 else ("peer", "crawl")
        for side in order:
            if only and side != only:
                continue
            for srv in servers:
                srv.clear_log()
            run = (
                crawl_once(work, config, sources, r)
                if side == "crawl"
                else peer_once(work, feeds, cfg)
            )
            runs.append(run)
            print(
                f"  {run.side:<6} wall {run.wall:6.2f}s  cpu {run.cpu:6.2f}s  "
                f"peak {run.peak_mib:6.1f} MiB, pss {run.pss_mib:6.1f} "
                f"(largest process {run.largest_mib:6.1f})  "
                f"articles {run.articles}" + (f"  exit {run.exit}" if run.exit else ""),
                flush=True,
            )
            if processes:
                print(
                    "         at the largest pss: "
                    + ", ".join(
                        f"{role} {p / 1024:.0f} (private {priv / 1024:.0f})"
                        for role, p, priv in run.at_peak
                    )
                    + " MiB",
                    flush=True,
                )
    return runs


def medians(runs: list[Run], side: str) -> dict[str, float] | None:
    mine = [r for r in runs if r.side == side]
    if not mine:
        return None
    return {
        key: statistics.median(getattr(r, key) for r in mine)
        for key in ("wall", "cpu", "peak_mib", "pss_mib", "largest_mib", "articles")
    }


def report(runs: list[Run]) -> None:
    crawl, peer = medians(runs, "crawl"), medians(runs, "peer")
    keys = ("wall", "cpu", "peak_mib", "pss_mib", "largest_mib")
    print(
        f"{'median':<8}"
        + "".join(f"{h:>9}" for h in ("wall s", "cpu s", "peak MiB", "pss MiB", "largest"))
        + f"{'articles':>9}"
    )
    for name, m in (("crawl", crawl), ("peer", peer)):
        if m:
            print(f"{name:<8}" + "".join(f"{m[k]:>9.2f}" for k in keys) + f"{m['articles']:>9.0f}")
    if crawl and peer:
        print(f"{'ratio':<8}" + "".join(f"{crawl[k] / peer[k]:>8.2f}x" for k in keys))


def growth(
    work: Path,
    servers: list[FixtureServer],
    corpus: Path,
    copies: list[int],
    pages: int | None,
    only: str | None,
) -> None:
    points: dict[str, list[tuple[int, Run]]] = {"crawl": [], "peer": []}
    for c in copies:
        n = serve(servers, corpus, c, pages)
        print(f"{n} pages ({c} copies)", flush=True)
        for run in interleaved(work, servers, n, 1, only):
            points[run.side].append((n, run))
    for side, pts in points.items():
        if len(pts) < 2:
            continue
        xs = [n for n, _ in pts]
        ys = [r.wall for _, r in pts]
        mx, my = statistics.mean(xs), statistics.mean(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=False)) / sum(
            (x - mx) ** 2 for x in xs
        )
        mem = [r.peak_mib for _, r in pts]
        print(
            f"{side}: {slope * 1000:.1f} ms per article + {my - slope * mx:.2f}s start-up; "
            f"peak memory {mem[0]:.0f} -> {mem[-1]:.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=4, help="loopback hosts (4)")
    parser.add_argument("--copies", type=int, default=5, help="copies of each page (5: 605 pages)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side (3)")
    parser.add_argument("--pages", type=int, default=None, help="only the first P corpus pages")
    parser.add_argument("--growth", default=None, help="copy counts to run once each, e.g. 1,20")
    parser.add_argument("--only", choices=("crawl", "peer"), help="run one side only")
    parser.add_argument(
        "--processes", action="store_true", help="each process's memory at the peak"
    )
    parser.add_argument("--smoke", action="store_true", help="tiny: 2 hosts, 6 pages, 1 run")
    parser.add_argument(
        "--semantic", action="store_true", help="crawl with [relevance] semantic = true"
    )
    args = parser.parse_args()
    if args.semantic:
        EXTRA_SETTINGS["relevance.semantic"] = True
    if args.smoke:
        args.hosts, args.copies, args.repeats, args.pages = 2, 1, 1, 6
    corpus = corpus_dir()
    if corpus is None:
        print("../shared/corpus/extraction-benchmark is not available: nothing to measure")
        return
    servers = start_servers(args.hosts)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            if args.growth:
                growth(
                    work,
                    servers,
                    corpus,
                    [int(c) for c in args.growth.split(",")],
                    args.pages,
                    args.only,
                )
                return
            n = serve(servers, corpus, args.copies, args.pages)
            print(
                f"{n} pages on {len(servers)} hosts ({args.copies} copies); "
                f"{args.repeats} interleaved runs of each",
                flush=True,
            )
            report(interleaved(work, servers, n, args.repeats, args.only, args.processes))
    finally:
        for srv in servers:
            srv.stop()


if __name__ == "__main__":
    main()
