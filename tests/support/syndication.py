"""A loopback mirror of syndication: real excerpts, each published by three outlets.

The excerpts are the labelled texts of ``../shared/data/relevance-dev.jsonl`` and the
bodies of ``../shared/corpus/fundus-metadata/truth.json``, read at run time and never
stored in the project. Each outlet is a :class:`FixtureServer` on its own loopback address
with an RSS feed of its copies, and each copy is edited the way outlets edit a wire story:

- ``wire``: the text as it is, with a credit line;
- ``daily``: a new headline, a dateline before the first paragraph, an editor line;
- ``digest``: a new headline, the last paragraph (or, in a one-paragraph excerpt, the last
  sentence) cut, and an "originally published" note.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.demo.feeds import Item, rss2

from .paths import SHARED
from .server import FixtureServer, Route

__all__ = ["OUTLETS", "Excerpt", "Syndication", "build_syndication", "load_excerpts"]

OUTLETS = ("wire", "daily", "digest")
_BASE = datetime(2025, 3, 4, 6, 0, tzinfo=UTC)
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")


@dataclass(frozen=True)
class Excerpt:
    key: str  # the story label: the excerpt's id in its file
    title: str
    paragraphs: tuple[str, ...]
    chinese: bool


@dataclass
class Syndication:
    feeds: dict[str, str]  # outlet -> feed URL
    story: dict[str, str] = field(default_factory=dict)  # served URL -> excerpt key


def load_excerpts(limit: int = 150, max_paragraphs: int = 8) -> list[Excerpt] | None:
    """Up to *limit* excerpts: every dev-set text, then fundus bodies; None without them."""
    dev = SHARED / "data" / "relevance-dev.jsonl"
    fundus = SHARED / "corpus" / "fundus-metadata" / "truth.json"
    if not dev.is_file() or not fundus.is_file():
        return None
    out: list[Excerpt] = []
    for line in dev.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        paras = tuple(p.strip() for p in row["text"].splitlines() if p.strip())
        out.append(Excerpt(f"dev-{row['id']}", row["title"], paras, _is_chinese(row["text"])))
    truth = json.loads(fundus.read_text(encoding="utf-8"))
    for key in sorted(truth):
        body = truth[key].get("body") or ""
        paras = tuple(p.strip() for p in body.splitlines() if p.strip())[:max_paragraphs]
        if len(" ".join(paras)) < 200 or not truth[key].get("title"):
            continue
        out.append(Excerpt(f"fundus-{key}", truth[key]["title"], paras, _is_chinese(body)))
    return out[:limit]


def _is_chinese(text: str) -> bool:
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return han > len(text) * 0.2


def _edit(excerpt: Excerpt, outlet: str) -> tuple[str, list[str]]:
    """The headline and paragraphs *outlet* publishes of *excerpt*."""
    paras = list(excerpt.paragraphs)
    zh = excerpt.chinese
    if outlet == "wire":
        return excerpt.title, [*paras, "来源：文化通讯社" if zh else "Source: Culture Wire"]
    if outlet == "daily":
        dateline = "新华社北京3月4日电 " if zh else "BEIJING, March 4 (Culture Wire) -- "
        paras[0] = dateline + paras[0]
        headline = ("快讯：" if zh else "In brief: ") + excerpt.title
        return headline, [*paras, "责任编辑：王磊" if zh else "Editor: Wang Lei"]
    if len(paras) >= 3:
        paras = paras[:-1]
    else:
        sentences = [s for s in _SENTENCE.split(paras[-1]) if s]
        if len(sentences) >= 3:
            paras[-1] = " ".join(sentences[:-1]) if not zh else "".join(sentences[:-1])
    headline = ("深度：" if zh else "Analysis: ") + excerpt.title
    note = "本文原载于文化通讯社。" if zh else "This article first appeared on Culture Wire."
    return headline, [*paras, note]


def _page(title: str, paragraphs: list[str], published: str, outlet: str, zh: bool) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    lang = "zh" if zh else "en"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="{published}">
</head><body>
<header><nav><a href="/">The {outlet.title()}</a> | <a href="/world">World</a></nav></header>
<main><article><h1>{html.escape(title)}</h1>
{body}
</article></main>
<footer><p>The {outlet.title()} newsroom</p></footer>
</body></html>
"""


def build_syndication(servers: dict[str, FixtureServer], excerpts: list[Excerpt]) -> Syndication:
    """Serve every excerpt from each outlet of *servers* (outlet -> server), edited, at
    ``/story/<n>.html``, listed in ``/feed.xml``. The wire publishes first, the daily two
    hours later, the digest five hours later."""
    result = Syndication(feeds={})
    for offset, outlet in zip((0, 2, 5), OUTLETS, strict=True):
        srv = servers[outlet]
        items: list[Item] = []
        for n, excerpt in enumerate(excerpts):
            published = (_BASE + timedelta(hours=offset, minutes=n)).isoformat()
            title, paras = _edit(excerpt, outlet)
            path = f"/story/{n}.html"
            srv.routes[path] = Route(_page(title, paras, published, outlet, excerpt.chinese))
            url = srv.url(path)
            result.story[url] = excerpt.key
            items.append(Item(url, title, "", published, [], "zh" if excerpt.chinese else "en"))
        srv.routes["/feed.xml"] = Route(
            rss2(srv.base_url, items), content_type="application/rss+xml; charset=utf-8"
        )
        result.feeds[outlet] = srv.url("/feed.xml")
    return result
