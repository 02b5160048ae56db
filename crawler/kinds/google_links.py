"""Google News article links of the current format, resolved to the publisher: the steps.

Google News RSS links (``https://news.google.com/rss/articles/<id>?oc=5``) carry an id
that is base64url of a small protobuf. Ids of the older format hold the publisher's URL
itself (:func:`crawler.kinds.google_news.decode_google_news_url`); ids of the current
format (``CBMi...``, decoding to ``AU_yqL...``) are opaque and are resolved as the
maintained ``googlenewsdecoder`` package does (its steps, not its code: it fetches with an
HTTP client of its own, at ``news.google.com`` only, outside the crawl's politeness,
robots.txt and private-network guard, so the spider makes the same requests through
Scrapy, at the host the RSS link names):

1. fetch the article page ``/rss/articles/<id>?hl=..&gl=..&ceid=..`` (the edition of the
   search) and read the signature and timestamp on it (``data-n-a-sg``, ``data-n-a-ts``
   on the ``c-wiz > div[jscontroller]`` element);
2. POST them with the id to ``/_/DotsSplashUi/data/batchexecute`` (rpc ``Fbv4je``,
   ``garturlreq``), form-encoded ``f.req``;
3. read the publisher's URL from the answer's ``garturlres`` row.

These functions build and read those requests; :mod:`crawler.kinds.google_news` sends them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from lxml import html as lxml_html

__all__ = [
    "BATCHEXECUTE_PATH",
    "article_id",
    "batchexecute_body",
    "batchexecute_url",
    "is_current_format",
    "parse_batchexecute",
    "parse_signature",
    "signature_page_url",
]

BATCHEXECUTE_PATH = "/_/DotsSplashUi/data/batchexecute"
RPC_ID = "Fbv4je"
# the request context googlenewsdecoder sends (placeholders where a browser sends its own)
_CONTEXT = [
    ["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None, None, None, None, 0, 1],
    "X",
    "X",
    1,
    [1, 1, 1],
    1,
    1,
    None,
    0,
    0,
    None,
    0,
]
_ID_PATH = re.compile(r"^/(?:rss/)?(?:articles|read)/([A-Za-z0-9_-]+)/?$")
_SG = re.compile(r"""data-n-a-sg\s*=\s*["']([^"']+)["']""")
_TS = re.compile(r"""data-n-a-ts\s*=\s*["']([^"']+)["']""")


def article_id(link: str) -> str | None:
    """The id of a Google News article link (``/rss/articles/``, ``/articles/``, ``/read/``)."""
    match = _ID_PATH.match(urlsplit(link).path)
    return match.group(1) if match else None


def is_current_format(article: str) -> bool:
    """True for an id of the current format: its protobuf holds ``AU_yqL...``, no URL."""
    try:
        raw = base64.urlsafe_b64decode(article + "=" * (-len(article) % 4))
    except (binascii.Error, ValueError):
        return False
    if not raw.startswith(b"\x08\x13\x22") or len(raw) < 5:
        return False
    start = 4 if raw[3] < 0x80 else 5  # a one- or two-byte length
    return raw[start : start + 6] == b"AU_yqL"


def signature_page_url(link: str, search_url: str | None = None) -> str:
    """Step 1's page: ``/rss/articles/<id>`` on the link's host, in the edition (``hl``,
    ``gl``, ``ceid``) of the search that listed it (default US English)."""
    parts = urlsplit(link)
    edition = {"hl": "en-US", "gl": "US", "ceid": "US:en"}
    if search_url:
        given = dict(parse_qsl(urlsplit(search_url).query))
        edition.update({k: given[k] for k in edition if given.get(k)})
    path = f"/rss/articles/{article_id(link)}"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(edition), ""))


def parse_signature(html: str) -> tuple[str, str] | None:
    """Step 1: ``(signature, timestamp)`` from the article page, or None when it has none."""
    try:
        tree = lxml_html.fromstring(html) if html.strip() else None
    except (ValueError, lxml_html.etree.ParserError):
        tree = None
    if tree is not None:
        for node in tree.xpath("//c-wiz/div[@jscontroller]"):
            signature, stamp = node.get("data-n-a-sg"), node.get("data-n-a-ts")
            if signature and stamp:
                return signature, stamp
    sg, ts = _SG.search(html), _TS.search(html)
    return (sg.group(1), ts.group(1)) if sg and ts else None


def batchexecute_url(link: str) -> str:
    """Step 2's endpoint, on the host of the link."""
    parts = urlsplit(link)
    return urlunsplit((parts.scheme, parts.netloc, BATCHEXECUTE_PATH, "", ""))


def batchexecute_body(article: str, timestamp: str, signature: str) -> str:
    """Step 2's form body (``application/x-www-form-urlencoded``)."""
    stamp: int | str = int(timestamp) if timestamp.isdigit() else timestamp
    inner = ["garturlreq", _CONTEXT, article, stamp, signature]
    envelope = [[[RPC_ID, json.dumps(inner, separators=(",", ":")), None, "generic"]]]
    return "f.req=" + quote(json.dumps(envelope, separators=(",", ":")))


def parse_batchexecute(text: str) -> str | None:
    """Step 3: the publisher's URL in a batchexecute answer, or None.

    The answer is ``)]}'``, a blank line, then a JSON array of rows; the row
    ``["wrb.fr", "Fbv4je", "<JSON>", ...]`` holds ``["garturlres", "<url>", ...]``. Rows of
    other shapes (``di``, ``af.httprm``, an ``er`` error row) are skipped.
    """
    body = text.lstrip()
    if body.startswith(")]}'"):
        body = body[4:]
    decoder = json.JSONDecoder()
    while body := body.lstrip():
        length = _LENGTH.match(body)  # the chunked form (rt=c): each chunk after its length
        if length:
            body = body[length.end() :].lstrip()
        try:
            rows, end = decoder.raw_decode(body)
        except ValueError:
            return None
        body = body[end:]
        for row in rows if isinstance(rows, list) else []:
            found = _garturlres(row)
            if found:
                return found
    return None


_LENGTH = re.compile(r"\d+\s*\n")


def _garturlres(row: object) -> str | None:
    if not (isinstance(row, list) and len(row) >= 3 and row[:2] == ["wrb.fr", RPC_ID]):
        return None
    payload = row[2]
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return None
    if (
        isinstance(payload, list)
        and len(payload) >= 2
        and payload[0] == "garturlres"
        and isinstance(payload[1], str)
        and payload[1].startswith(("http://", "https://"))
    ):
        return payload[1]
    return None
