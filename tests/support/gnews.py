"""A stand-in for Google News, in the formats Google uses, written by the project.

Nothing here is copied from Google: the ids are synthetic (``CBMi`` + base64url of a
protobuf holding ``AU_yqL`` and our own bytes, the shape of the current ids), and so are
the article pages (a ``c-wiz`` element whose ``div[jscontroller]`` carries
``data-n-a-sg`` and ``data-n-a-ts``) and the answers of the decoding endpoint
(``)]}'``, a blank line, rows of JSON with a ``wrb.fr`` row holding ``garturlres``).

:class:`GoogleNewsStandIn` serves an RSS search page, an article page per id, and answers
the decoding POST by what it is sent: the right signature and timestamp for the id give
the publisher's URL, anything else an error row, so a test proves the steps chain.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from .server import FixtureServer, Route

__all__ = ["GoogleNewsStandIn", "Story", "current_id", "decoding_answer", "search_rss"]

RSS = "application/rss+xml; charset=utf-8"
BATCHEXECUTE = "/_/DotsSplashUi/data/batchexecute"


def current_id(tag: str) -> str:
    """A synthetic id of the current format: ``08 13 22 <len> AU_yqL<tag> d2 01 00``."""
    payload = b"AU_yqL" + tag.encode("ascii")
    raw = b"\x08\x13\x22" + bytes([len(payload)]) + payload + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


@dataclass
class Story:
    """One item of the search: its id, what the RSS says, where it really is."""

    tag: str  # makes the id
    title: str
    publisher: str
    publisher_home: str
    target: str | None  # the publisher's URL; None: the decoding endpoint knows none
    signed: bool = True  # the article page carries a signature
    published: str = "Mon, 03 Mar 2025 08:00:00 GMT"

    @property
    def id(self) -> str:
        return current_id(self.tag)

    @property
    def signature(self) -> str:
        return f"sig-{self.tag}-0f3a"

    @property
    def timestamp(self) -> int:
        return 1741000000 + len(self.tag)


def search_rss(base: str, stories: list[Story]) -> str:
    """A Google News RSS search page listing *stories* (links at *base*)."""
    items = "".join(
        f"""<item><title>{s.title} - {s.publisher}</title>
<link>{base}/rss/articles/{s.id}?oc=5</link>
<guid isPermaLink="false">{s.id}</guid><pubDate>{s.published}</pubDate>
<description>&lt;a href="{base}/rss/articles/{s.id}?oc=5"&gt;{s.title}&lt;/a&gt;</description>
<source url="{s.publisher_home}">{s.publisher}</source></item>
"""
        for s in stories
    )
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<generator>NFE/5.0</generator><title>"culture" - Google News</title>
<link>{base}/search?hl=en-US&amp;gl=US&amp;ceid=US:en</link><language>en-US</language>
<lastBuildDate>Mon, 03 Mar 2025 09:00:00 GMT</lastBuildDate><description>Google News</description>
{items}</channel></rss>
"""


def article_page(story: Story) -> str:
    """The article page: a script-driven shell whose ``c-wiz`` holds the signature."""
    attrs = (
        f' data-n-a-sg="{story.signature}" data-n-a-ts="{story.timestamp}"' if story.signed else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Google News</title>'
        '<script nonce="x">window.WIZ_global_data={};</script></head><body>'
        f'<c-wiz jsrenderer="Rt9Nnd" jsshadow jsdata="deferred-i1" data-p="%.@.]">'
        f'<div jscontroller="aLI87" jsaction="rcuQ6b:npT2md" data-n-a-id="{story.id}"{attrs}>'
        "</div></c-wiz><noscript>Opening the article…</noscript></body></html>"
    )


def decoding_answer(url: str | None) -> str:
    """An answer of the decoding endpoint: the URL in a ``garturlres`` row, else an error."""
    if url is None:
        rows: list = [["wrb.fr", "Fbv4je", None, None, None, [3], "generic"], ["di", 17]]
    else:
        inner = json.dumps(["garturlres", url, 1])
        rows = [["wrb.fr", "Fbv4je", inner, None, None, None, "generic"], ["di", 23]]
    rows.append(["af.httprm", 22, "-5550123456789", 7])
    return ")]}'\n\n" + json.dumps(rows, separators=(",", ":"))


class GoogleNewsStandIn(FixtureServer):
    """Google News on loopback: the search, the article pages, the decoding endpoint."""

    def __init__(self, stories: list[Story]) -> None:
        super().__init__(host="127.0.0.1")
        self.stories = {s.id: s for s in stories}
        self.decoded: list[tuple[str, str, str]] = []  # (id, timestamp, signature) POSTed
        self.routes["/robots.txt"] = Route("User-agent: *\nAllow: /\n", content_type="text/plain")
        self.routes["/rss/search"] = Route(search_rss(self.base_url, stories), content_type=RSS)
        for story in stories:
            self.routes[f"/rss/articles/{story.id}"] = Route(article_page(story))

    def answer(self, method: str, path_with_query: str, body: bytes) -> Route | None:
        if method == "POST" and urlsplit(path_with_query).path == BATCHEXECUTE:
            return Route(self._decode(body), content_type="application/json; charset=utf-8")
        return super().answer(method, path_with_query, body)

    def _decode(self, body: bytes) -> str:
        try:
            form = parse_qs(body.decode("ascii"))
            envelope = json.loads(form["f.req"][0])  # parse_qs has undone the form encoding
            rpc, inner_text = envelope[0][0][0], envelope[0][0][1]
            _name, _context, article, stamp, signature = json.loads(inner_text)
        except (KeyError, IndexError, ValueError, TypeError):
            return decoding_answer(None)
        self.decoded.append((article, str(stamp), signature))
        story = self.stories.get(article)
        if rpc != "Fbv4je" or story is None:
            return decoding_answer(None)
        if (signature, str(stamp)) != (story.signature, str(story.timestamp)):
            return decoding_answer(None)
        return decoding_answer(story.target)
