"""Local fixture web sites for the tests: a loopback HTTP server and what it serves.

Tests never reach the internet. They start a :class:`FixtureServer` on a loopback
address, fill its route table (``build_news_site`` for culturewatch's synthetic news site,
the one ``culturewatch demo`` serves, ``build_benchmark_mirror`` for the real pages of the
extraction benchmark in ``../shared``) and point the crawler at the URLs it gives back.

The server, the site builder and the feed writers are product code, in ``crawler.demo``;
what is here is what only the tests need. Everything is plain Python (no pytest), so a
test, a conftest fixture or a debugging session at the prompt can use it alike. The
modules, one job each:

- ``server``: the product's site server with a request log (``FixtureServer``), ``fetch``;
- ``newsite``: the tests' data set of the synthetic site (``data/news-site.json``: one
  outlet, every listing format, robots rules and traps) and what the tests expect of it;
- ``mirror``: the benchmark mirror and where the corpus is;
- ``configs``: settings and sources files for a test crawl, the crawl CLI;
- ``metrics``: the benchmark's shingle F1;
- ``paths``: the repository and data directories;
- ``snippets``: a snippet of Python in a fresh interpreter;
- ``outlet``: an outlet of a test's own words, its article pages and RSS feed;
- ``browser``: a real headless Chromium for the browser tests, its screenshots.
"""

from __future__ import annotations

from .configs import TEST_SETTINGS, crawl_cli, write_settings, write_sources
from .metrics import shingle_f1
from .mirror import Mirror, build_benchmark_mirror, corpus_dir
from .newsite import ArticleInfo, NewsSite, build_news_site, load_articles
from .paths import REPO
from .server import HTML, FixtureServer, Hit, Response, Route, fetch, loopback_alias
from .snippets import run_python

__all__ = [
    "HTML",
    "REPO",
    "TEST_SETTINGS",
    "ArticleInfo",
    "FixtureServer",
    "Hit",
    "Mirror",
    "NewsSite",
    "Response",
    "Route",
    "build_benchmark_mirror",
    "build_news_site",
    "corpus_dir",
    "crawl_cli",
    "fetch",
    "load_articles",
    "loopback_alias",
    "run_python",
    "shingle_f1",
    "write_settings",
    "write_sources",
]
