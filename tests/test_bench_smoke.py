"""The benchmark scripts still run: each once, small, in its own process, as a user starts it.

``digest_speed.py`` has its own smoke test (test_bench_digest.py) and ``sitemap_memory.py``
its own in test_parsers.py; the other scripts of tests/bench/ are run here.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import corpus_dir

BENCH = Path(__file__).resolve().parent / "bench"


def run_script(name: str, *args: str, cwd: Path) -> str:
    """Run ``tests/bench/<name>`` with *args* in *cwd* (warnings are errors); assert exit 0
    and return its stdout."""
    result = subprocess.run(
        [sys.executable, "-W", "error", str(BENCH / name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_canned_queries_benchmark_runs_small(tmp_path: Path) -> None:
    out = run_script("canned_queries.py", "--articles", "200", "--runs", "1", cwd=tmp_path)
    assert re.search(r"^\d+ articles; median of 1 runs", out, re.M), out
    assert re.search(r"^slowest: [\d.]+ ms -> OK$", out, re.M), out


@pytest.mark.slow
def test_attention_benchmark_runs_small(tmp_path: Path) -> None:
    out = run_script("attention.py", "--articles", "200", "--runs", "1", cwd=tmp_path)
    assert re.search(r"^200 articles; 哪吒 \(concept search\); median of 1 runs$", out, re.M), out
    for days in (90, 365):
        line = rf"^ *{days} days: +\d+ rows, SQL +[\d.]+ ms, page \(CSV\) +[\d.]+ ms$"
        assert re.search(line, out, re.M), out
    assert list(tmp_path.iterdir()) == []  # its archive lives in a temporary directory


@pytest.mark.slow
def test_fts_chinese_benchmark_runs_small(tmp_path: Path) -> None:
    out = run_script("fts_chinese.py", "--docs", "150", cwd=tmp_path)
    assert re.search(r"^\d+ Chinese texts, \d+ characters$", out, re.M), out
    assert re.search(r"^key terms \(\d+\) +1\.000 / ", out, re.M), out  # the archive's recall
    assert "150 documents," in out, out
    assert list(tmp_path.iterdir()) == []  # its index files live in a temporary directory


def test_relevance_ablation_runs_on_the_probe_set(tmp_path: Path) -> None:
    out = run_script("relevance_ablation.py", "--sets", "probe", cwd=tmp_path)
    lines = out.splitlines()
    assert len(lines) == 10, out  # the shipped scorer and nine ablations
    assert re.match(r"as shipped +probe F1 0\.\d{3} hard-neg FP 0\.\d{3}$", lines[0]), out
    labels = [line[:28].strip() for line in lines]
    # the subject rules and the headline rule have their rows
    for label in ("no local subject rule", "no headline weight", "no strong name alone"):
        assert label in labels, out
    assert "dev" not in out and "multi" not in out, out


@pytest.mark.slow
def test_stories_assign_benchmark_runs_small(tmp_path: Path) -> None:
    out = run_script("stories_assign.py", "--articles", "300", "--new", "30", cwd=tmp_path)
    assert re.search(r"^300 archived articles .*, 30 new ones$", out, re.M), out
    assert re.search(r"^assign_story: median [\d.]+ ms, p95 [\d.]+ ms$", out, re.M), out
    joined = re.search(r"^copies joined to their story: (\d+) of 15$", out, re.M)
    assert joined and int(joined.group(1)) >= 12, out  # heavy cuts may split a few
    assert list(tmp_path.iterdir()) == []  # its archive lives in a temporary directory


@pytest.mark.slow
def test_write_faults_benchmark_runs_small(tmp_path: Path) -> None:
    out = run_script(
        "write_faults.py", "--articles", "6", "--hold", "3", "--retry", "1", cwd=tmp_path
    )
    assert re.search(r"^first crawl: exit 1 in [\d.]+s", out, re.M), out
    assert "archive write failed" in out, out
    assert "every article archived exactly once: 6 of 6" in out, out


def _can_bind_port_80() -> bool:
    import socket

    try:
        with socket.socket() as sock:
            sock.bind(("127.31.0.1", 80))
        return True
    except OSError:
        return False


@pytest.mark.slow
def test_crawl_vs_trafilatura_benchmark_runs_small(tmp_path: Path) -> None:
    if not _can_bind_port_80():
        pytest.skip("the benchmark serves on port 80 of loopback addresses (needs root here)")
    out = run_script("crawl_vs_trafilatura.py", "--smoke", cwd=tmp_path)
    if "not available" in out:
        pytest.skip("../shared/corpus/extraction-benchmark is not available")
    assert re.search(r"^6 pages on 2 hosts", out, re.M), out
    row = r" +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +(\d+)$"  # wall cpu peak pss largest n
    crawl = re.search(r"^crawl" + row, out, re.M)
    peer = re.search(r"^peer" + row, out, re.M)
    assert crawl and peer, out
    assert int(crawl.group(1)) >= 5 and int(peer.group(1)) >= 5, out  # both extracted the pages
    assert re.search(r"^ratio +[\d.]+x", out, re.M), out
    assert list(tmp_path.iterdir()) == []  # its archives live in a temporary directory


@pytest.mark.slow
def test_rescore_benchmark_runs_small(tmp_path: Path) -> None:
    out = run_script("rescore_speed.py", "--articles", "300", "--workers", "2", cwd=tmp_path)
    for workers in ("1 process", "2 processes"):
        assert re.search(rf"^rescored 300 articles in [\d.]+s with {workers}: ", out, re.M), out


@pytest.mark.slow
def test_archive_scale_benchmark_runs_small(tmp_path: Path) -> None:
    """10,000 generated articles, every read timed once through `culturewatch browse`."""
    result = subprocess.run(
        [sys.executable, "-W", "error", str(BENCH / "archive_scale.py"), "--articles", "10000",
         "--runs", "1", "--write", "100", "--keep", str(tmp_path / "scale.db")],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert re.search(r"^10,000 articles; 1 requests per read", out, re.M), out
    for read in ("front page /", "articles table + facets", "search zh 2-char (table)",
                 "concept search", "article page", "stories table", "dashboard page",
                 "chart theme-share", "query search"):  # fmt: skip
        assert re.search(rf"^{re.escape(read)} +\d+ +\d+", out, re.M), (read, out)
    for command in ("digest", "alerts run", "evaluate", "sources"):
        assert re.search(rf"^culturewatch {command} +[\d.]+s$", out, re.M), (command, out)
    assert re.search(r"^SQLite file: [\d.,]+ MB, [\d.]+ KB per article$", out, re.M), out
    assert re.search(r"^write: [\d,]+ articles/s", out, re.M), out
    assert re.search(r"^targets: pages p95", out, re.M), out
    with sqlite3.connect(tmp_path / "scale.db") as conn:  # a real archive, as generated
        n, zh, relevant = conn.execute(
            "select count(*), sum(language = 'zh'), sum(relevant) from articles"
        ).fetchone()
        assert n == 10_000 and 0.1 < zh / n < 0.35 and 0.02 < relevant / n < 0.07
        assert conn.execute("select count(*) from articles_search_docsize").fetchone()[0] == n
        assert conn.execute("select count(*) from stories where source_count > 1").fetchone()[0]
        assert conn.execute("select count(distinct source) from articles").fetchone()[0] >= 50


@pytest.mark.slow
@pytest.mark.skipif(not os.access("/usr/bin/redis-server", os.X_OK), reason="needs redis-server")
def test_cluster_scale_benchmark_runs_small(tmp_path: Path) -> None:
    out = run_script("cluster_scale.py", "--smoke", cwd=tmp_path)
    assert re.search(
        r"^latency  1 worker : 6 articles, [\d.]+ articles/s, smallest gap at a host ([\d.]+) s",
        out,
        re.M,
    ), out
    assert re.search(r"Redis traffic per article: [\d.]+ KiB in .*, [\d.]+ KiB out$", out, re.M)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_revisit_benchmark_runs_small(tmp_path: Path) -> None:
    if corpus_dir() is None:
        pytest.skip("../shared/corpus/extraction-benchmark is not available")
    out = run_script("revisit.py", "--pages", "24", "--hosts", "2", cwd=tmp_path)
    assert re.search(r"^24 pages served on 2 hosts, 24 archived", out, re.M), out
    assert re.search(r"24 article requests, 24 answered 304, 0 extracted, 0 versions", out), out
    assert out.rstrip().endswith("OK"), out
