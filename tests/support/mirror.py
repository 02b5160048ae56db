"""A loopback mirror of the extraction benchmark in ``../shared`` (real article pages)."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from crawler.demo.feeds import Item, news_sitemap, rss2

from .paths import SHARED
from .server import FixtureServer, Route

__all__ = ["Mirror", "build_benchmark_mirror", "corpus_dir"]


def corpus_dir() -> Path | None:
    """``<repo>/../shared/corpus/extraction-benchmark``, or None when it is not there."""
    path = SHARED / "corpus" / "extraction-benchmark"
    return path if (path / "ground-truth.json").is_file() and (path / "html").is_dir() else None


@dataclass
class Mirror:
    feed_url: str  # RSS 2.0 on the first server: the first half of the pages
    sitemap_url: str  # Google News sitemap on the second server: the second half
    truth: dict[str, str]  # served page URL -> ground-truth articleBody
    ids: dict[str, str] = field(default_factory=dict)  # served page URL -> benchmark id


def build_benchmark_mirror(
    feed_srv: FixtureServer, sitemap_srv: FixtureServer, corpus_dir: str | Path
) -> Mirror:
    """Serve the benchmark's pages at ``/a/<id>.html``: the first half (by id) from
    *feed_srv*, listed in ``/bench/feed.xml``; the second half from *sitemap_srv*, listed
    in ``/bench/news-sitemap.xml``. Titles in the listings are neutral placeholders."""
    corpus = Path(corpus_dir)
    ground = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(p.name.removesuffix(".html.gz") for p in (corpus / "html").glob("*.html.gz"))
    half = (len(ids) + 1) // 2
    truth: dict[str, str] = {}
    id_of: dict[str, str] = {}
    listings: dict[int, list[Item]] = {0: [], 1: []}
    for n, page_id in enumerate(ids):
        side = 0 if n < half else 1
        srv = (feed_srv, sitemap_srv)[side]
        path = f"/a/{page_id}.html"
        page = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        srv.routes[path] = Route(page)
        url = srv.url(path)
        truth[url] = ground.get(page_id, {}).get("articleBody", "")
        id_of[url] = page_id
        listings[side].append(
            Item(url, f"Article {page_id[:8]}", "", "2019-11-20T12:00:00Z", [], "en")
        )
    feed_srv.routes["/bench/feed.xml"] = Route(
        rss2(feed_srv.base_url, listings[0]), content_type="application/rss+xml; charset=utf-8"
    )
    sitemap_srv.routes["/bench/news-sitemap.xml"] = Route(
        news_sitemap(listings[1], publication="Benchmark mirror"),
        content_type="application/xml; charset=utf-8",
    )
    return Mirror(
        feed_url=feed_srv.url("/bench/feed.xml"),
        sitemap_url=sitemap_srv.url("/bench/news-sitemap.xml"),
        truth=truth,
        ids=id_of,
    )
