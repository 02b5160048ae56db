"""Shared fixtures: the local fixture sites (see ``support/``) and a fast test config."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# tests/ is not a package: make ``import support`` work whatever pytest's import mode.
_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from support import (  # noqa: E402
    FixtureServer,
    Mirror,
    NewsSite,
    build_benchmark_mirror,
    build_news_site,
    corpus_dir,
    loopback_alias,
    write_settings,
)


@pytest.fixture
def news_server() -> Iterator[tuple[FixtureServer, NewsSite]]:
    """The synthetic news site on 127.0.0.1 (a free port): yields ``(srv, site)``."""
    with FixtureServer(host="127.0.0.1") as srv:
        yield srv, build_news_site(srv)


@pytest.fixture
def tmp_config(tmp_path: Path) -> Path:
    """A config directory holding a ``settings.toml`` with fast politeness."""
    directory = tmp_path / "config"
    write_settings(directory)
    return directory


@pytest.fixture
def benchmark_corpus() -> Path:
    """The extraction benchmark in ``../shared``; skips when it is absent."""
    path = corpus_dir()
    if path is None:
        pytest.skip("../shared/corpus/extraction-benchmark is not available")
    return path


@pytest.fixture
def benchmark_mirror(
    benchmark_corpus: Path,
) -> Iterator[tuple[FixtureServer, FixtureServer, Mirror]]:
    """The benchmark's pages on two loopback sites: a feed on 127.0.0.1 and a news
    sitemap on 127.0.0.2 (or a second port of 127.0.0.1). Yields both servers and the
    :class:`Mirror`."""
    with (
        FixtureServer(host="127.0.0.1") as feed_srv,
        FixtureServer(host=loopback_alias()) as sitemap_srv,
    ):
        yield feed_srv, sitemap_srv, build_benchmark_mirror(feed_srv, sitemap_srv, benchmark_corpus)
