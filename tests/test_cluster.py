"""More than one machine: a coordinator and two workers sharing one crawl over a real Redis.

A real ``redis-server`` on a unix socket in a temporary directory (stopped by PID), the
coordinator (``crawl --cluster``) and two workers (``worker --cluster``) as processes, and a
loopback site of three hosts with a per-host delay, answered slowly enough that both
workers fetch from every host at once.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from support.configs import crawl_cli, write_settings, write_sources
from support.paths import REPO
from support.server import FixtureServer, Route

REDIS = "/usr/bin/redis-server"
pytestmark = pytest.mark.skipif(
    not os.access(REDIS, os.X_OK),
    reason="needs Debian's redis-server (apt-get install redis-server; .ci/run installs it)",
)

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
DELAY = 0.5  # seconds between two requests to one host, for the whole cluster
PER_HOST = 10

_WORDS = (
    "The travelling exhibition of porcelain opened with a talk by its curator, who spoke "
    "about the kilns, the glazes and the trade routes that carried them across oceans. "
)


def _article(host: str, n: int) -> str:
    body = "".join(f"<p>{_WORDS} Paragraph {i} of piece {n} on {host}.</p>" for i in range(6))
    return (
        f"<html><head><title>Piece {n} on {host}</title></head><body><article>"
        f"<h1>Piece {n} on {host}</h1>{body}</article></body></html>"
    )


def _site(host: str) -> FixtureServer:
    server = FixtureServer(host=host)
    items = "".join(
        f"<item><title>Piece {n}</title><link>{server.url(f'/a/{n}')}</link></item>"
        for n in range(PER_HOST)
    )
    server.routes["/feed.xml"] = Route(
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>{host}</title>{items}"
        "</channel></rss>",
        content_type="application/rss+xml",
    )
    for n in range(PER_HOST):
        # slow pages: one worker alone could not keep every host busy
        server.routes[f"/a/{n}"] = Route(_article(host, n), delay=1.5)
    return server


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    sock = tmp_path / "redis.sock"
    proc = subprocess.Popen(
        [
            REDIS,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--dir",
            str(tmp_path),
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory-policy",
            "noeviction",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(10)


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "crawler", "worker", "--cluster", url],
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _redis_keys(url: str) -> list[str]:
    import redis

    server = redis.Redis.from_url(url)
    return sorted(k.decode() for k in server.scan_iter(match="culturewatch:*"))


@pytest.fixture
def cluster_site(tmp_path: Path) -> Iterator[dict[str, object]]:
    sites = [_site(host).start() for host in HOSTS]
    config = tmp_path / "config"
    write_settings(
        config,
        politeness={
            "download_delay": DELAY,
            "concurrent_requests": 8,
            "concurrent_requests_per_domain": 4,
        },
        **{"cluster.lease_seconds": 3},
    )
    sources = write_sources(
        tmp_path / "sources.toml",
        [
            {"name": f"site-{i}", "url": s.url("/feed.xml"), "kind": "feed"}
            for i, s in enumerate(sites)
        ],
    )
    try:
        yield {"sites": sites, "config": config, "sources": sources, "db": tmp_path / "a.db"}
    finally:
        for site in sites:
            site.stop()


def _crawl(
    site: dict[str, object], url: str, *, quiet: bool = True
) -> subprocess.CompletedProcess[str]:
    result: subprocess.CompletedProcess[str] = crawl_cli(
        site["config"],
        site["sources"],
        site["db"],
        "--allow-private-networks",
        *(["-q"] if quiet else []),
        "--cluster",
        url,
        timeout=240,
    )
    return result


def _crawl_started(
    site: dict[str, object], url: str, *, hits: int, output: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """A coordinator (``crawl --cluster``) in the background, returned mid-crawl: once the
    hosts have received *hits* article requests (or after a minute)."""
    coordinator = subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--config", str(site["config"]),
         "--sources", str(site["sources"]), "--db", str(site["db"]),
         "--allow-private-networks", "-q", "--cluster", url],
        env=_env(),
        stdout=output,
        stderr=output,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if sum(len(_article_hits(s)) for s in site["sites"]) >= hits:  # type: ignore[attr-defined]
            break
        time.sleep(0.05)
    return coordinator


def _archived(db: object) -> tuple[list[str], list[tuple[str, str]]]:
    with sqlite3.connect(str(db)) as conn:
        urls = [r[0] for r in conn.execute("SELECT url FROM articles")]
        pages = list(conn.execute("SELECT url, outcome FROM pages"))
    return urls, pages


def _expected(site: dict[str, object]) -> set[str]:
    return {s.url(f"/a/{n}") for s in site["sites"] for n in range(PER_HOST)}  # type: ignore[attr-defined]


def _article_hits(server: FixtureServer) -> list[float]:
    return sorted(h.time for h in server.requests("/a/"))


@pytest.mark.slow
def test_two_workers_share_one_crawl_politely_and_archive_every_page_once(cluster_site, redis_url):
    slow = cluster_site["sites"][2]  # its robots.txt asks for more than the crawl's delay
    slow.routes["/robots.txt"] = Route("User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
    log = Path(str(cluster_site["db"])).with_suffix(".workers.log")
    workers = [_worker(redis_url, log) for _ in range(2)]
    try:
        result = _crawl(cluster_site, redis_url, quiet=False)
    finally:
        for w in workers:
            _stop(w)
    assert result.returncode == 0, result.stderr + result.stdout
    # its progress lines (every 10 s when not on a terminal) count the workers' pages
    assert re.search(r"workers: \d+ pushed, \d+ in flight, \d+ done", result.stderr), result.stderr
    urls, pages = _archived(cluster_site["db"])
    expected = _expected(cluster_site)
    assert sorted(urls) == sorted(expected)  # every listed article, exactly once
    article_pages = [p for p in pages if "/a/" in p[0]]
    assert sorted(u for u, _ in article_pages) == sorted(expected)  # one outcome per URL
    assert {o for _, o in article_pages} == {"archived"}
    # both workers fetched from every host
    lines = [line for line in result.stdout.splitlines() if line.startswith("  worker ")]
    assert len(lines) == 2 and all("from 3 hosts" in line for line in lines), result.stdout
    for server in cluster_site["sites"]:
        hits = _article_hits(server)
        assert len(hits) == PER_HOST  # no page fetched twice
        gaps = [b - a for a, b in pairwise(hits)]
        delay = 1.0 if server is slow else DELAY  # a robots Crawl-delay holds for everyone
        assert min(gaps) >= 0.9 * delay, (server.host, [round(g, 3) for g in gaps])
        # robots.txt fetched once for the whole cluster (the coordinator's copy, shared)
        assert len(server.requests("/robots.txt")) == 1
    # the crawl's keys are gone; only the workers' liveness (they were running) may remain
    assert [k for k in _redis_keys(redis_url) if ":worker:" not in k] == []


@pytest.mark.slow
def test_a_worker_killed_mid_crawl_loses_nothing(cluster_site, redis_url):
    log = Path(str(cluster_site["db"])).with_suffix(".workers.log")
    victim, survivor = _worker(redis_url, log), _worker(redis_url, log)
    try:
        coordinator = _crawl_started(cluster_site, redis_url, hits=8)
        victim.send_signal(signal.SIGKILL)
        out, err = coordinator.communicate(timeout=240)
    finally:
        _stop(victim)
        _stop(survivor)
    assert coordinator.returncode == 0, err + out
    urls, pages = _archived(cluster_site["db"])
    expected = _expected(cluster_site)
    assert sorted(urls) == sorted(expected)
    article_pages = [p for p in pages if "/a/" in p[0]]
    assert sorted(u for u, _ in article_pages) == sorted(expected)
    assert {o for _, o in article_pages} == {"archived"}
    assert [k for k in _redis_keys(redis_url) if ":worker:" not in k] == []


@pytest.mark.slow
def test_a_coordinator_killed_mid_crawl_then_a_new_crawl_loses_and_duplicates_nothing(
    cluster_site, redis_url
):
    log = Path(str(cluster_site["db"])).with_suffix(".workers.log")
    workers = [_worker(redis_url, log) for _ in range(2)]
    try:
        # results coming in, not all written
        killed = _crawl_started(cluster_site, redis_url, hits=10, output=subprocess.DEVNULL)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        time.sleep(5)  # its heartbeat runs out: the next coordinator may take over
        result = _crawl(cluster_site, redis_url)
    finally:
        for w in workers:
            _stop(w)
    assert result.returncode == 0, result.stderr + result.stdout
    urls, pages = _archived(cluster_site["db"])
    expected = _expected(cluster_site)
    assert sorted(urls) == sorted(expected)  # every article once: none lost, none twice
    article_pages = sorted(u for u, _ in pages if "/a/" in u)
    assert article_pages == sorted(expected)
    assert [k for k in _redis_keys(redis_url) if ":worker:" not in k] == []
    assert "Deprecat" not in log.read_text(errors="replace")  # scrapy-redis warnings handled


def _culturewatch(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _redis(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    sock = tmp_path / "other.sock"
    proc = subprocess.Popen(
        [REDIS, "--port", "0", "--unixsocket", str(sock), "--save", "", *options],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    return proc, f"unix://{sock}"


def test_a_redis_that_evicts_keys_is_refused(tmp_path):
    proc, url = _redis(tmp_path, "--maxmemory-policy", "allkeys-lru")
    try:
        out = _culturewatch("worker", "--cluster", url)
    finally:
        proc.terminate()
        proc.wait(10)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"culturewatch: --cluster {url}: Redis evicts keys (maxmemory-policy allkeys-lru); "
        "queued requests would vanish: set maxmemory-policy noeviction"
    ]


def test_a_wrong_password_and_an_unreachable_redis_are_one_line_each(tmp_path):
    proc, url = _redis(tmp_path, "--requirepass", "right")
    try:
        wrong = _culturewatch(
            "cluster", "status", "--cluster", url.replace("unix://", "unix://:wrong@")
        )
    finally:
        proc.terminate()
        proc.wait(10)
    assert wrong.returncode == 1
    assert wrong.stderr.count("\n") == 1 and "Redis refused the password" in wrong.stderr
    assert ":wrong@" not in wrong.stderr and ":***@" in wrong.stderr  # never the password
    gone = _culturewatch("worker", "--cluster", f"unix://{tmp_path}/none.sock")
    assert gone.returncode == 1
    assert gone.stderr.count("\n") == 1 and "Redis cannot be reached" in gone.stderr


def test_a_crawl_with_an_unreachable_redis_stops_before_it_starts(tmp_path):
    write_settings(tmp_path / "c")
    sources = write_sources(
        tmp_path / "s.toml", [{"name": "s", "url": "http://127.0.0.1:9/f", "kind": "feed"}]
    )
    url = f"unix://{tmp_path}/none.sock"
    out = _culturewatch(
        "crawl", "--config", str(tmp_path / "c"), "--sources", str(sources),
        "--db", str(tmp_path / "a.db"), "--cluster", url, "-q",
    )  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "Redis cannot be reached" in out.stderr
    assert not (tmp_path / "a.db").exists()  # nothing started


def test_a_worker_of_another_version_is_refused_and_status_shows_the_crawl(redis_url):
    import redis

    server = redis.Redis.from_url(redis_url)
    server.set("culturewatch:run", '{"id": "0123456789abcdef", "version": "0.0.1", "config": {}}')
    status = _culturewatch("cluster", "status", "--cluster", redis_url)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[:2] == [
        "crawl: 0123456789ab (culturewatch 0.0.1)",
        "workers alive: 0",
    ]
    assert "queued: 0 pages on 0 hosts" in status.stdout
    out = _culturewatch("worker", "--cluster", redis_url)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"culturewatch: this worker runs culturewatch {_version()}, the coordinator 0.0.1: "
        "refused (install the same version on both)"
    ]


def test_a_page_a_worker_cannot_process_is_one_line_in_its_log_and_a_failed_outcome(
    redis_url, tmp_path
):
    """What a coordinator publishes and pushes, by hand: two requests whose meta no
    coordinator of this version sends, so a stage (merging the listing's hints, tags not a
    list) and the spider's callback (no hints at all) raise, in the real worker."""
    import json

    import redis

    from crawler.cluster import serializer
    from crawler.cluster.frontier import Frontier, Keys
    from crawler.cluster.stream import ResultStream

    site = FixtureServer().start()
    for n in range(2):
        site.routes[f"/a/{n}"] = Route(_article("127.0.0.1", n))
    write_settings(tmp_path / "c")
    config = {
        name: (tmp_path / "c" / name).read_text() for name in ("settings.toml", "themes.toml")
    }
    server = redis.Redis.from_url(redis_url)
    run = {"id": "f" * 32, "version": _version(), "config": config, "lease": 3.0,
           "allow_private_networks": True}  # fmt: skip
    server.set(Keys().run, json.dumps(run))
    bad_hints, no_hints = site.url("/a/0"), site.url("/a/1")
    for lease, url, meta in (
        ("stage", bad_hints, {"hints": {"tags": 5}}),
        ("callback", no_hints, {}),
    ):
        request = {"url": url, "callback": "parse_article", "errback": "article_failed",
                   "meta": {"source": "s", "requested_url": url, **meta}}  # fmt: skip
        Frontier(server).push(lease, "127.0.0.1", serializer.dumps(request))
    log = tmp_path / "worker.log"
    worker = _worker(redis_url, log)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.xlen(Keys().results) < 2:
            time.sleep(0.1)
        entries = server.xrange(Keys().results)
        in_flight = server.zcard(Keys().inflight)
        server.delete(Keys().run)  # the crawl is over
    finally:
        _stop(worker)
        site.stop()
    results = {r.request_id: r for r in (ResultStream._result(*entry) for entry in entries)}
    assert sorted(results) == ["callback", "stage"], log.read_text()
    for lease, error in (("stage", "process it: TypeError"), ("callback", "read it: KeyError")):
        page = results[lease].page
        assert page is not None and page.outcome == "failed" and page.article is None
        assert page.error and error in page.error, page.error
    assert in_flight == 0  # both leases released with their outcome: nobody waits
    said = sorted(line for line in log.read_text().splitlines() if "/a/" in line)
    assert len(said) == 2, log.read_text()  # one line each, saying what and which URL
    assert said[0].startswith(f"culturewatch worker: {bad_hints}: processing failed (TypeError: ")
    assert said[1] == (
        f"culturewatch worker: {no_hints}: reading the response failed (KeyError: 'hints'); "
        "recorded as failed"
    )
    assert said[0].endswith("); recorded as failed")


def _version() -> str:
    from importlib.metadata import version

    return version("culturewatch")


def test_a_crawl_without_cluster_never_imports_redis(tmp_path):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from crawler.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['crawl', '--config', {str(tmp_path / 'c')!r}, "
        f"'--sources', {str(tmp_path / 's.toml')!r}, '--db', {str(tmp_path / 'a.db')!r}, '-q', '--allow-private-networks'])\n"
        "assert r.exit_code == 0, r.output\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('redis', 'scrapy_redis')]\n"
        "print('IMPORTED', bad)\n"
    )
    write_settings(tmp_path / "c")
    site = FixtureServer().start()
    try:
        site.routes["/feed.xml"] = Route(
            "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item>"
            f"<title>a</title><link>{site.url('/a')}</link></item></channel></rss>",
            content_type="application/rss+xml",
        )
        site.routes["/a"] = Route(_article("127.0.0.1", 0))
        write_sources(
            tmp_path / "s.toml", [{"name": "s", "url": site.url("/feed.xml"), "kind": "feed"}]
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        site.stop()
    assert out.returncode == 0, out.stderr
    assert "IMPORTED []" in out.stdout
    with sqlite3.connect(tmp_path / "a.db") as conn:  # it did crawl
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_a_host_is_claimed_again_only_its_delay_after_the_last_request_was_written(redis_url):
    import redis

    from crawler.cluster.frontier import Frontier

    frontier = Frontier(redis.Redis.from_url(redis_url))
    frontier.set_delay("a.example", 0.3)
    assert frontier.claim("a.example") == 0
    # on its way, not yet written (a busy reactor): no one else may claim the host
    time.sleep(0.4)
    assert frontier.claim("a.example") >= 0.3
    frontier.sent("a.example")  # written now: the next one waits its delay from here
    assert 0.25 <= frontier.claim("a.example") <= 0.3
    assert frontier.claim("b.example") == 0  # another host is not held
    time.sleep(0.31)
    assert frontier.claim("a.example") == 0
    frontier.sent("a.example")
    # a Retry-After (or a retry's backoff) holds the host at the wire too, for everyone
    frontier.hold("c.example", 0.6)
    assert 0.5 <= frontier.claim("c.example") <= 0.6


def test_autothrottle_may_space_a_host_further_never_closer_than_its_delay(redis_url):
    import redis

    from crawler.cluster.frontier import Frontier

    frontier = Frontier(redis.Redis.from_url(redis_url))
    frontier.set_delay("slow.example", 0.1)
    frontier.set_throttle("slow.example", 0.4)  # its answers came slowly: further apart
    assert frontier.claim("slow.example") == 0
    frontier.sent("slow.example")
    assert 0.35 <= frontier.claim("slow.example") <= 0.4
    frontier.set_throttle("slow.example", 0.01)  # fast now: back to its delay, not below
    assert 0.05 <= frontier.claim("slow.example") <= 0.1
    frontier.set_default_delay(0.3)
    frontier.set_throttle("other.example", 0.2)  # the default delay holds as well
    assert frontier.claim("other.example") == 0
    frontier.sent("other.example")
    assert 0.25 <= frontier.claim("other.example") <= 0.3
    frontier.push("r", "slow.example", b"{}")  # handed out at the same pace
    frontier.set_throttle("slow.example", 0.6)
    assert frontier.get_due().id == "r"
    frontier.push("s", "slow.example", b"{}")
    assert 0.5 <= (frontier.get_due().wait or 0) <= 0.6


@pytest.mark.slow
def test_autothrottle_in_a_worker_slows_a_slow_host_for_the_cluster(cluster_site, redis_url):
    # pages answer in 1.5 s: AutoThrottle aiming at one request at a time per host asks
    # for ~1.5 s between two, three times the host's delay. The requests handed out before
    # the first answer then wait at the gate: neither their download timeout nor the
    # latency AutoThrottle reads may count that wait (they did: pages timed out, the
    # delay grew with each wait)
    write_settings(
        cluster_site["config"],
        politeness={"download_delay": DELAY, "concurrent_requests": 8,
                    "concurrent_requests_per_domain": 4, "autothrottle": True,
                    "autothrottle_target_concurrency": 1.0},
        **{"cluster.lease_seconds": 3},
    )  # fmt: skip
    log = Path(str(cluster_site["db"])).with_suffix(".workers.log")
    worker = _worker(redis_url, log)
    try:
        result = _crawl(cluster_site, redis_url)
    finally:
        _stop(worker)
    assert result.returncode == 0, result.stderr + result.stdout
    with sqlite3.connect(str(cluster_site["db"])) as conn:
        bad = list(
            conn.execute(
                "SELECT url, error FROM pages WHERE outcome != 'archived' AND url LIKE '%/a/%'"
            )
        )
    assert bad == [] and sorted(_archived(cluster_site["db"])[0]) == sorted(
        _expected(cluster_site)
    ), bad
    for server in cluster_site["sites"]:
        gaps = [b - a for a, b in pairwise(_article_hits(server))]
        assert min(gaps) >= 0.9 * DELAY, gaps  # never closer than its delay
        # once its first answer came: further apart (the first two left before it)
        assert min(gaps[3:]) >= 1.2, (server.host, [round(g, 2) for g in gaps])


def _appendonly_redis(tmp: Path, sock: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [REDIS, "--port", "0", "--unixsocket", str(sock), "--dir", str(tmp), "--save", "",
         "--appendonly", "yes", "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        if sock.exists():
            break
        time.sleep(0.05)
    return proc


@pytest.mark.slow
def test_redis_restarted_mid_crawl_the_cluster_carries_on(cluster_site, tmp_path):
    import threading

    sock = tmp_path / "restart.sock"
    redis = _appendonly_redis(tmp_path, sock)
    url = f"unix://{sock}"
    log = tmp_path / "workers.log"
    workers = [_worker(url, log) for _ in range(2)]
    results: list[subprocess.CompletedProcess[str]] = []
    crawl = threading.Thread(target=lambda: results.append(_crawl(cluster_site, url)))
    try:
        crawl.start()
        hits = lambda: sum(len(_article_hits(s)) for s in cluster_site["sites"])  # noqa: E731
        while hits() < 6 and crawl.is_alive():
            time.sleep(0.05)
        redis.terminate()  # a clean restart: the append-only file has every write
        redis.wait(10)
        time.sleep(1.0)
        redis = _appendonly_redis(tmp_path, sock)
        crawl.join(240)
        alive = [w.poll() is None for w in workers]  # the restart stopped no worker
    finally:
        for w in workers:
            _stop(w)
        redis.terminate()
        redis.wait(10)
    assert results and results[0].returncode == 0, results and results[0].stderr
    urls, pages = _archived(cluster_site["db"])
    assert sorted(urls) == sorted(_expected(cluster_site))  # none lost, none twice
    article_pages = [p for p in pages if "/a/" in p[0]]
    assert sorted(u for u, _ in article_pages) == sorted(_expected(cluster_site))
    assert alive == [True, True], log.read_text()


@pytest.mark.slow
def test_redis_gone_for_good_stops_the_coordinator_and_a_worker_with_one_line_each(
    cluster_site, tmp_path
):
    """Redis killed mid-crawl and not back: each process rides it out for
    ``connect.RIDE_OUT`` seconds, then stops with one line; nothing archived twice."""
    sock = tmp_path / "gone.sock"
    redis = _appendonly_redis(tmp_path, sock)
    url = f"unix://{sock}"
    log = tmp_path / "worker.log"
    worker = _worker(url, log)
    try:
        coordinator = _crawl_started(cluster_site, url, hits=4)
        redis.kill()
        redis.wait(10)
        started = time.monotonic()
        out, err = coordinator.communicate(timeout=150)
        worker.wait(150)
        took = time.monotonic() - started
    finally:
        _stop(worker)
        if redis.poll() is None:
            redis.kill()
    assert coordinator.returncode == 1, err + out
    said = [line for line in err.splitlines() if "Redis went away" in line]
    assert len(said) == 1 and said[0].count("Redis went away") == 1, err
    assert worker.returncode == 1
    lines = log.read_text().strip().splitlines()
    assert lines[-1].startswith("culturewatch: Redis went away"), lines
    assert "the worker stopped" in lines[-1]
    assert took < 120  # the ride-out (30 s), not forever
    urls, _pages = _archived(cluster_site["db"])
    assert len(urls) == len(set(urls)) and set(urls) <= _expected(cluster_site)
