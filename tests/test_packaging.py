"""The default configuration ships with the package and is found without ``./config``.

The slow test installs the project (not editable) into a fresh virtualenv and crawls from
an empty directory, as someone who ran ``pip install culturewatch`` would.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from support import REPO, FixtureServer, Route, load_articles, write_sources

from crawler.config import config_dir, config_file, defaults_dir, load_settings

CONFIG = REPO / "config"
# what setup.py ships: the files of config/ (not hidden ones)
SHIPPED = sorted(p for p in CONFIG.iterdir() if p.is_file() and not p.name.startswith("."))


@pytest.fixture
def empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CULTUREWATCH_CONFIG", raising=False)
    return tmp_path


def test_the_lookup_order_ends_at_the_shipped_defaults(
    empty_cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a source checkout (and an editable install) ships the repository's config/ itself
    assert defaults_dir() == CONFIG
    assert config_dir() == CONFIG  # no --config, no $CULTUREWATCH_CONFIG, no ./config
    assert load_settings().path == CONFIG / "settings.toml"
    (empty_cwd / "config").mkdir()
    assert config_dir() == Path("config")  # ./config, even empty, wins over the defaults
    monkeypatch.setenv("CULTUREWATCH_CONFIG", "from-env")
    assert config_dir() == Path("from-env")  # whether it exists or not
    assert config_dir("given") == Path("given")


def test_a_file_missing_from_the_config_directory_is_the_shipped_one(empty_cwd: Path) -> None:
    mine = empty_cwd / "mine"
    mine.mkdir()
    assert config_file("metadata.yml", mine) == CONFIG / "metadata.yml"
    (mine / "metadata.yml").write_text("title: mine\n", encoding="utf-8")
    assert config_file("metadata.yml", mine) == mine / "metadata.yml"
    assert config_file("nothing.toml", mine) == mine / "nothing.toml"  # no default: as asked


# ---------------------------------------------------------------------------- installed
def _fixture_site(srv: FixtureServer) -> str:
    """One RSS feed listing one relevant article; returns the feed's URL."""
    article = next(a for a in load_articles() if a["key"] == "nezha")
    paras = "".join(f"<p>{p}</p>" for p in article["paras"])
    srv.routes["/robots.txt"] = Route("User-agent: *\nAllow: /\n", content_type="text/plain")
    srv.routes["/nezha.html"] = Route(
        f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
        f"<title>{article['title']}</title></head><body><article><h1>{article['title']}</h1>"
        f"{paras}</article></body></html>"
    )
    srv.routes["/feed.xml"] = Route(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>fixture</title><link>{srv.url('/')}</link><description>d</description>"
        f"<item><title>{article['title']}</title><link>{srv.url('/nezha.html')}</link>"
        "<pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item></channel></rss>",
        content_type="application/rss+xml; charset=utf-8",
    )
    return srv.url("/feed.xml")


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_an_installed_wheel_crawls_from_an_empty_directory(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CULTUREWATCH_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    venv = tmp_path / "venv"
    started = time.monotonic()
    _run([sys.executable, "-m", "venv", venv], tmp_path, env)
    # not editable: the wheel alone must carry the defaults (pip's cache is reused)
    _run([venv / "bin" / "pip", "install", "--quiet", REPO], tmp_path, env, timeout=900)
    installed = time.monotonic()

    work = tmp_path / "empty"
    work.mkdir()
    python, culturewatch = venv / "bin" / "python", venv / "bin" / "culturewatch"
    where = _run(
        [
            python,
            "-c",
            "import crawler, crawler.config as c; print(crawler.__file__); "
            "print(c.config_dir()); print(c.load_settings().path); "
            "print(c.config_file('metadata.yml'))",
        ],
        work,
        env,
    ).splitlines()
    package = Path(where[0]).parent
    assert package.is_relative_to(venv), where  # the installed copy, not the checkout
    assert [Path(p) for p in where[1:]] == [
        package / "defaults",
        package / "defaults" / "settings.toml",
        package / "defaults" / "metadata.yml",
    ]
    for path in SHIPPED:
        assert (package / "defaults" / path.name).read_bytes() == path.read_bytes()

    assert "crawl" in _run([culturewatch, "--help"], work, env)
    with FixtureServer(host="127.0.0.1") as srv:
        feed = _fixture_site(srv)
        write_sources(work / "one.toml", [{"name": "fixture", "url": feed, "kind": "feed"}])
        summary = _run(
            [culturewatch, "crawl", "--sources", "one.toml", "--allow-private-networks"], work, env
        )
    assert not srv.errors
    # the packaged settings: robots.txt obeyed, the shipped user agent
    user_agent = load_settings(CONFIG).user_agent
    assert srv.hits("/robots.txt") and all(
        h.headers.get("user-agent") == user_agent for h in srv.log
    ), summary
    db = work / "data" / "culturewatch.db"  # the packaged `archive` setting
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT url, relevant, themes FROM articles").fetchall()
    assert [(url, relevant) for url, relevant, _ in rows] == [(srv.url("/nezha.html"), 1)], summary
    assert "films_games" in rows[0][2], rows  # scored on the shipped themes

    # the demo's site ships in the wheel; its archive is its own file (data/demo.db)
    shown = _run([culturewatch, "demo", "--no-browse"], work, env)
    with closing(sqlite3.connect(work / "data" / "demo.db")) as conn:
        demo_relevant = conn.execute("SELECT count(*) FROM articles WHERE relevant").fetchone()[0]
    assert demo_relevant > 10 and "most amplified story" in shown, shown
    with closing(sqlite3.connect(db)) as conn:  # the real archive is untouched by it
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1

    # with no ./config yet, a command that edits configuration refuses the installed copy
    refused = subprocess.run(
        [str(culturewatch), "sources", "add", "http://127.0.0.1:9/feed.xml"],
        cwd=work, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and "defaults installed" in refused.stderr, refused
    assert (package / "defaults" / "sources.toml").read_bytes() == (
        CONFIG / "sources.toml"
    ).read_bytes()

    out = _run([culturewatch, "init"], work, env)
    assert sorted((work / "config").iterdir()) == [work / "config" / p.name for p in SHIPPED], out
    print(
        f"\nfresh venv + pip install: {installed - started:.0f}s, "
        f"crawl and checks: {time.monotonic() - installed:.0f}s"
    )


def test_every_package_is_in_the_distribution() -> None:
    # an editable install finds a package missing from the list; a wheel does not carry it
    import tomllib

    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("crawler", "pipelines", "storage")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
