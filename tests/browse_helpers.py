"""Helpers for the browse tests: a crawled fixture archive and a real ``culturewatch browse``.

Plain Python (no fixtures here): ``test_browse.py`` and ``test_browser.py`` wrap them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from support import REPO, FixtureServer, build_news_site, write_settings, write_sources

CULTUREWATCH = str(Path(sys.executable).with_name("culturewatch"))
FIXTURE_GROUPS = ("international", "state_media")  # the feeds' groups, in turn


def crawl_fixture_archive(directory: Path) -> Path:
    """Crawl the synthetic news site (feeds and a news sitemap) into ``directory/archive.db``.

    The config directory gets fast settings and the project's own themes, so the crawl
    scores the articles as a real one does; the sources have groups (FIXTURE_GROUPS in turn
    for the feeds, trade_press for the news sitemap).
    """
    config = directory / "config"
    write_settings(config)
    shutil.copy(REPO / "config" / "themes.toml", config / "themes.toml")
    db = directory / "archive.db"
    with FixtureServer(host="127.0.0.1") as srv:
        site = build_news_site(srv)
        entries = [
            {"name": f"fixture-{name}", "url": url, "kind": "feed", "group": FIXTURE_GROUPS[i % 2]}
            for i, (name, url) in enumerate(site.feeds.items())
        ]
        entries.append(
            {
                "name": "fixture-news",
                "url": site.sitemaps["news"],
                "kind": "sitemap",
                "group": "trade_press",
            }
        )
        sources = write_sources(directory / "sources.toml", entries)
        result = subprocess.run(
            [CULTUREWATCH, "crawl", "--config", str(config), "--sources", str(sources),
             "--db", str(db), "--allow-private-networks"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return db


# Added to the crawled archive by front_archive(), then scored by `culturewatch rescore`: an
# English Ne Zha article (the fixture site has the Chinese one only) and a hostile one.
ENGLISH_NEZHA = {
    "url": "https://films.example/ne-zha-2-abroad",
    "title": "Ne Zha 2 breaks records for an animated film abroad",
    "text": (
        "The Chinese animated film Ne Zha 2 opened in cinemas in Sydney, Toronto and London. "
        "Distributors said Chinese audiences abroad and local viewers filled the screenings, "
        "and the film's box office overseas passed its makers' hopes. Critics compared Nezha's "
        "story with other Chinese films that travelled abroad."
    ),
    "source": "fixture-atom",
    "language": "en",
    "published_at": "2025-03-04T09:00:00+00:00",
}
HOSTILE = {
    "url": "https://style.example/hanfu-<b>bold</b>",
    "title": "<script>alert('title')</script> Hanfu & guochao in Chinese cities",
    "text": (
        "Young Chinese people wear hanfu <img src=x onerror=alert('text')> to work; shops sell "
        "mamian skirts and guochao brands <b>grow</b> across China, as Beijing promotes "
        "traditional Chinese culture and hanfu festivals."
    ),
    "source": "fixture-rss2",
    "language": "en",
    "published_at": "2025-03-04T10:00:00+00:00",
}


def front_archive(directory: Path) -> Path:
    """The crawled fixture archive with ENGLISH_NEZHA and HOSTILE added, all scored by the
    real scorer (`culturewatch rescore` with the project's themes)."""
    from storage.archive import Archive

    db = crawl_fixture_archive(directory)
    with Archive(db) as archive:
        for record in (ENGLISH_NEZHA, HOSTILE):
            archive.upsert_article(dict(record))
    result = subprocess.run(
        [CULTUREWATCH, "rescore", "--config", str(directory / "config"), "--db", str(db)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def browse_server(db: Path, *extra: str) -> Iterator[str]:
    """Run ``culturewatch browse --db DB`` on a free loopback port; yields its base URL.

    The server's output goes to a log file (a pipe nobody reads could fill up and block
    it); the log is shown when the server fails to start or a test using it fails.
    """
    with browse_process(db, *extra) as (base, _):
        yield base


@contextmanager
def browse_process(db: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """:func:`browse_server`, yielding the base URL and the server's process (to read its
    memory and CPU time in ``/proc``: :func:`process_memory`, :func:`process_cpu`)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="culturewatch-browse-") as logs:
        log_path = Path(logs) / "browse.log"
        with log_path.open("w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                [CULTUREWATCH, "browse", "--db", str(db), "--port", str(port), *extra],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"culturewatch browse exited: {_log(log_path)}")
                try:
                    get_json(base + "/-/versions.json")
                    break
                except (urllib.error.URLError, ConnectionError) as exc:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"culturewatch browse did not answer at {base}: {exc}; "
                            f"its log: {_log(log_path)}"
                        ) from None
                    time.sleep(0.1)
            try:
                yield base, proc
            except BaseException:
                sys.stderr.write(f"culturewatch browse log:\n{_log(log_path)}\n")
                raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def process_memory(pid: int, field: str = "VmHWM") -> int:
    """A process's memory in MiB from ``/proc/PID/status``: ``VmHWM``, the peak resident
    size so far, or ``VmRSS``, the resident size now."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise KeyError(field)


def process_cpu(pid: int) -> float:
    """The CPU seconds a process has used (user and system, ``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _log(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip() or "(empty)"
    except OSError as exc:
        return f"(unreadable: {exc})"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def url(base: str, path: str, **params: Any) -> str:
    query = urllib.parse.urlencode(params)
    return f"{base}{path}" + (f"?{query}" if query else "")
