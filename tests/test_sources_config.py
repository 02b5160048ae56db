"""The shipped ``config/sources.toml``: it validates, it is documented, it is varied enough.

And, with no network at all (a network namespace of its own), a crawl of the default
configuration and a ``sources check`` end quickly, name every failed source in one line
each, record them in the archive, and print no traceback.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from crawler.config import DISCOVERY_KINDS, SOURCE_FIELDS, SOURCE_KINDS, load_sources, load_themes
from crawler.kinds.queries import search_url
from crawler.runner import spider_classes

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "config" / "sources.toml"
CULTUREWATCH = str(Path(sys.executable).with_name("culturewatch"))


@pytest.fixture(scope="module")
def sources():
    return load_sources(SOURCES)


@pytest.fixture(scope="module")
def header() -> str:
    """The comment block above the first source."""
    text = SOURCES.read_text(encoding="utf-8")
    return text[: re.search(r"^\[\[sources\]\]", text, re.MULTILINE).start()]


def test_enough_varied_sources(sources) -> None:
    assert len(sources) >= 30
    languages = Counter((s.language or "").split("-")[0] for s in sources)
    assert languages["zh"] >= 8
    assert languages["en"] >= 8
    kinds = Counter(s.kind for s in sources)
    assert {"feed", "sitemap"} <= set(kinds) and len(kinds) >= 3
    assert set(DISCOVERY_KINDS) <= set(kinds)


def test_every_source_is_explained_and_unverified() -> None:
    raw = tomllib.loads(SOURCES.read_text(encoding="utf-8"))["sources"]
    for entry in raw:
        assert entry.get("note", "").strip(), entry["name"]
        assert "language" in entry, entry["name"]
        # nobody could fetch them from here: each says so until `sources check` has seen it
        assert entry.get("verified") is False, entry["name"]


def test_names_and_searches_are_unique(sources) -> None:
    themes = load_themes(REPO / "config" / "themes.toml")
    names = [s.name for s in sources]
    assert len(names) == len(set(names))
    # what each source fetches: its URL, or for a discovery kind the search it makes
    # (several discovery sources share an endpoint and differ by query)
    fetched = [search_url(s, themes) if s.kind in DISCOVERY_KINDS else s.url for s in sources]
    duplicates = [url for url, n in Counter(fetched).items() if n > 1]
    assert not duplicates
    plain = [s.url for s in sources if s.kind not in DISCOVERY_KINDS]
    assert len(plain) == len(set(plain))


def test_discovery_sources_use_known_themes(sources) -> None:
    themes = load_themes(REPO / "config" / "themes.toml")
    for source in sources:
        if source.kind in DISCOVERY_KINDS and source.theme:
            assert source.theme in themes.keys, source.name


def test_every_kind_has_a_spider_and_documentation(header: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for kind in SOURCE_KINDS:
        assert kind in spider_classes()
        assert re.search(rf"^#\s+(kind\s+)?{kind}\s", header, re.MULTILINE), kind
        assert f"`{kind}`" in readme, kind
    for field in SOURCE_FIELDS:
        assert re.search(rf"^#\s+{field}\s", header, re.MULTILINE), field
    for command in ("culturewatch sources", "culturewatch sources check"):
        assert f"`{command}" in readme, command


# =========================================================================== no network at all
def _isolated() -> list[str]:
    """A command prefix running in a network namespace with nothing in it, if possible."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare(1) is not available")
    for prefix in ([unshare, "-rn"], [unshare, "-n"]):
        try:
            probe = subprocess.run([*prefix, "true"], check=False, capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    pytest.skip("cannot create a network namespace here (unshare -rn / -n refused)")


@pytest.mark.slow
def test_offline_crawl_of_the_default_config(tmp_path: Path, sources) -> None:
    db = tmp_path / "offline.db"
    started = time.monotonic()
    result = subprocess.run(
        [*_isolated(), CULTUREWATCH, "crawl", "--config", str(REPO / "config"), "--db", str(db)],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    seconds = time.monotonic() - started
    assert seconds < 120, f"an offline crawl took {seconds:.0f}s"
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    # no source reached: exit status 69 and one line (issue 29); each source's error is in
    # the archive (below), for `culturewatch sources` and the source-health query
    assert result.returncode == 69, output
    enabled = [s.name for s in sources if s.enabled]
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert f"crawl reached no source: all {len(enabled)} sources failed" in line

    conn = sqlite3.connect(db)
    try:
        health = dict(conn.execute("select name, last_status from sources").fetchall())
        errors = dict(conn.execute("select name, last_error from sources").fetchall())
        run = conn.execute("select status, sources_failed, errors from runs").fetchall()
    finally:
        conn.close()
    assert {name: health.get(name) for name in enabled} == dict.fromkeys(enabled, "failed")
    # one DNS lookup per host and crawl, not retried: why the crawl ends quickly
    assert all("DNS lookup of" in errors[name] for name in enabled), errors
    assert len(run) == 1 and run[0][1] == len(enabled)


@pytest.mark.slow
def test_offline_sources_check(tmp_path: Path, sources) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [
            *_isolated(),
            CULTUREWATCH,
            "sources",
            "check",
            "--config",
            str(REPO / "config"),
            "--timeout",
            "5",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert time.monotonic() - started < 90
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert sorted(line.split()[1] for line in lines) == sorted(s.name for s in sources)
    assert result.stdout.strip().splitlines()[-1].endswith(f"0 ok, {len(sources)} failed")
