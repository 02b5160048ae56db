"""Discovery kinds: search engines that find articles across many outlets at once.

``gdelt``
    The GDELT DOC 2.0 API (https://blog.gdeltproject.org/gdelt-doc-2-0-api-debuts/) in
    ``mode=ArtList&format=json``. The API asks for at most one request every 5 seconds
    and returns at most 250 articles per request, so the spider sends its API requests
    one at a time through a download slot of its own (5 s apart, AutoThrottle kept off
    it) and slices the time window: it asks for ``[now - timespan, now]`` newest first
    and, while a page comes back full and still brings new articles, asks again for the
    part of the window older than that page's oldest article. GDELT searches the English
    machine translation of every language it monitors, so its queries are English; the
    source's ``language`` becomes ``sourcelang:`` (``zh`` -> Chinese-language outlets).

``google_news``
    Google News RSS search (``https://news.google.com/rss/search?q=..&hl=..&gl=..&ceid=..``,
    at most 100 items). Item links point at ``news.google.com/rss/articles/<id>``.
    Resolution to the publisher's URL, in order: ids of the older format carry the URL
    (base64 protobuf) and are decoded offline; otherwise the Google page is fetched once
    and an HTTP redirect, a meta refresh or a link to the publisher named in the item's
    ``<source url=...>`` is followed. Google's current ids can only be decoded through an
    undocumented Google endpoint, which this spider does not call: such items end as
    ``unresolved`` in the ``pages`` table and are not tried again.

Queries come from ``config/themes.toml`` (a source's ``theme``: the strongest
stand-alone terms of that theme in the source's language) unless the source gives its
own ``query``, so that themes and searches do not drift apart. Both kinds search their
sources one after another, and when the service cannot be reached at all (DNS, refused
connection, timeout) the remaining sources on that host fail at once with the same
reason instead of each waiting for its own timeouts.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import deque
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.http import Request, Response
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.python.failure import Failure

from crawler.config import Source
from crawler.feeds import Entry, FeedError, _struct_to_iso
from crawler.middlewares import HostNotFound, PrivateNetworkRefused
from crawler.spiders import SourceSpider, _failure_reason
from pipelines.items import FetchedPage
from pipelines.normalize import canonical_url, same_site

__all__ = [
    "DISCOVERY_SPIDERS",
    "GDELT_API",
    "GDELT_DELAY",
    "GOOGLE_NEWS_SEARCH",
    "DiscoveryError",
    "GdeltSpider",
    "GoogleItem",
    "GoogleNewsSpider",
    "decode_google_news_url",
    "find_publisher_link",
    "gdelt_page_url",
    "parse_gdelt",
    "parse_google_news",
    "parse_timespan",
    "search_terms",
    "search_url",
]

GDELT_API = "https://api.gdeltproject.org/api/v2/doc/doc"
GDELT_DELAY = 5.0  # seconds between API requests: the API's documented limit
GDELT_MAX_RECORDS = 250  # the API's maximum per request
GDELT_SLOT = "gdelt-api"
GOOGLE_NEWS_SEARCH = "https://news.google.com/rss/search"
DEFAULT_TIMESPAN = "1d"
QUERY_TERMS = 6  # strongest terms of a theme that make its query

# Google News editions by language: hl, gl, ceid.
_EDITIONS = {
    "en": ("en-US", "US", "US:en"),
    "zh": ("zh-CN", "CN", "CN:zh-Hans"),
    "zh-hans": ("zh-CN", "CN", "CN:zh-Hans"),
    "zh-cn": ("zh-CN", "CN", "CN:zh-Hans"),
    "zh-hant": ("zh-TW", "TW", "TW:zh-Hant"),
    "zh-tw": ("zh-TW", "TW", "TW:zh-Hant"),
    "zh-hk": ("zh-HK", "HK", "HK:zh-Hant"),
}
# GDELT sourcelang: values by BCP 47 primary subtag.
_GDELT_LANGS = {
    "en": "english",
    "zh": "chinese",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "ja": "japanese",
    "ko": "korean",
    "ru": "russian",
    "ar": "arabic",
}
# GDELT's language names in ArtList results, back to BCP 47.
_GDELT_RESULT_LANGS = {name.capitalize(): code for code, name in _GDELT_LANGS.items()}
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class DiscoveryError(FeedError):
    """A search answer we cannot read, or a source whose query cannot be built."""


# =========================================================================== queries
def parse_timespan(text: str | None) -> timedelta:
    """``90min``, ``12h``, ``1d``, ``2w`` as a duration (default one day)."""
    match = re.fullmatch(r"([1-9][0-9]*)(min|h|d|w)", text or DEFAULT_TIMESPAN)
    if not match:
        raise DiscoveryError(f"timespan {text!r} must be a number and min, h, d or w")
    number, unit = int(match.group(1)), match.group(2)
    return timedelta(
        minutes=number if unit == "min" else 0,
        hours=number if unit == "h" else 0,
        days=number if unit == "d" else 7 * number if unit == "w" else 0,
    )


def _pick_alias(concept: Any, script: str) -> str | None:
    """The alias of *concept* to search for in *script*.

    ``latin``: as written, at least 3 characters; ``plain``: the same without punctuation
    (GDELT does not search it); ``hans``: the first Chinese alias (simplified comes first in
    themes.toml); ``hant``: the traditional form written right after it, when it has one.
    """
    aliases = [a.rstrip("*").strip() for a in (concept.name, *concept.aliases)]
    aliases = [a for a in dict.fromkeys(aliases) if a and "*" not in a]
    if script in ("hans", "hant"):
        chinese = [a for a in aliases if _CJK.search(a) and len(a) >= 2]
        if not chinese:
            return None
        first = chinese[0]
        if script == "hant" and len(chinese) > 1:
            after = chinese[1]
            if len(after) == len(first) and after != first:
                return after
        return first
    for alias in aliases:
        if _CJK.search(alias) or len(alias) < 3:
            continue
        if script == "plain" and re.search(r"[^\w\s]", alias):
            continue
        return alias
    return None


def _script(kind: str, language: str | None) -> str:
    if kind == "gdelt":
        return "plain"  # GDELT searches English translations of every language
    lang = (language or "en").lower()
    if not lang.startswith("zh"):
        return "latin"
    return "hant" if any(t in lang for t in ("hant", "-tw", "-hk", "-mo")) else "hans"


def search_terms(themes: Any, theme: str, script: str, limit: int = QUERY_TERMS) -> list[str]:
    """The strongest stand-alone terms of *theme*, one alias per concept in *script*.

    Terms (not context terms, which only count in articles about China) by weight, the
    order of the file breaking ties.
    """
    try:
        concepts = [c for c in themes[theme].concepts if not c.context]
    except KeyError:
        raise DiscoveryError(f"theme '{theme}' is not in themes.toml") from None
    concepts.sort(key=lambda c: -c.weight)  # stable: file order within a weight
    terms: list[str] = []
    for concept in concepts:
        alias = _pick_alias(concept, script)
        if alias and alias.casefold() not in {t.casefold() for t in terms}:
            terms.append(alias)
        if len(terms) >= limit:
            break
    if not terms:
        raise DiscoveryError(f"theme '{theme}' has no terms to search for ({script} script)")
    return terms


def _gdelt_query(terms: list[str], language: str | None) -> str:
    # GDELT: phrases in double quotes, OR-ed terms inside parentheses; punctuation
    # other than letters and digits is not searchable, so it becomes a space.
    cleaned = [" ".join(re.sub(r"[^\w]+", " ", t).split()) for t in terms]
    cleaned = [f'"{t}"' if " " in t else t for t in dict.fromkeys(c for c in cleaned if c)]
    query = cleaned[0] if len(cleaned) == 1 else "(" + " OR ".join(cleaned) + ")"
    lang = _GDELT_LANGS.get((language or "").split("-")[0].lower())
    return f"{query} sourcelang:{lang}" if lang else query


def _google_query(terms: list[str], timespan: str | None) -> str:
    query = " OR ".join(f'"{t}"' if " " in t else t for t in terms)
    when = (timespan or DEFAULT_TIMESPAN).replace("min", "m")
    if when.endswith("w"):
        when = f"{int(when[:-1]) * 7}d"
    if when.endswith("m"):  # Google knows hours and days, not minutes
        when = f"{max(1, -(-int(when[:-1]) // 60))}h"
    return f"{query} when:{when}"


def _with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: v for k, v in params.items() if k not in query})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def search_url(source: Source, themes: Any) -> str:
    """The search a discovery source makes, as a URL (without GDELT's time window).

    A query already in the source's URL (``q=`` for Google News, ``query=`` for GDELT)
    wins; else the source's ``query``; else terms of its ``theme`` from *themes*.
    """
    params = dict(parse_qsl(urlsplit(source.url).query))
    key = "query" if source.kind == "gdelt" else "q"
    extra: dict[str, str] = {}
    if key not in params:
        if source.query:
            terms = None
            raw = source.query
        else:
            if themes is None:
                raise DiscoveryError(
                    f"theme '{source.theme}' needs config/themes.toml (or give a 'query')"
                )
            script = _script(source.kind, source.language)
            terms = search_terms(themes, source.theme or "", script)
            raw = ""
        if source.kind == "gdelt":
            extra["query"] = _gdelt_query(terms, source.language) if terms else raw
        else:
            extra["q"] = _google_query(terms, source.timespan) if terms else raw
    if source.kind == "gdelt":
        extra.update(mode="ArtList", format="json", sort="DateDesc")
        extra["maxrecords"] = str(source.page_size or GDELT_MAX_RECORDS)
    else:
        lang = (source.language or "en").lower()
        hl, gl, ceid = _EDITIONS.get(lang) or _EDITIONS.get(lang.split("-")[0]) or _EDITIONS["en"]
        extra.update(hl=hl, gl=gl, ceid=ceid)
    return _with_params(source.url, extra)


# =========================================================================== GDELT
def _gdelt_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def gdelt_page_url(search: str, start: datetime, end: datetime) -> str:
    """The API request for the part ``[start, end]`` of the window."""
    parts = urlsplit(search)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("startdatetime", "enddatetime", "timespan")
    ]
    query += [("startdatetime", _gdelt_time(start)), ("enddatetime", _gdelt_time(end))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _seen(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


_URL_FIELD = re.compile(r'"url"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _text_field(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _urls_in(text: str) -> list[dict[str, Any]]:
    """The ``"url"`` fields of a document that does not parse, each as a record."""
    records = []
    for match in _URL_FIELD.findall(text):
        try:  # one bad escape (``\\u12``) loses that URL, not the others
            records.append({"url": json.loads(f'"{match}"', strict=False)})
        except ValueError:
            continue
    return records


def parse_gdelt(body: bytes) -> list[tuple[Entry, datetime | None]]:
    """Entries of an ArtList JSON answer, each with the time GDELT saw it.

    An empty answer or ``{}`` means no results. GDELT reports errors as plain text
    (``Please limit requests to one every 5 seconds ...``): that is a DiscoveryError, and so
    is JSON of another shape (``articles`` not a list). Its JSON is not always valid (raw
    control characters in titles); when the document does not parse, the article URLs are
    still read from it. Records that are not objects with a web URL are skipped.
    """
    text = body.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    if not text:
        return []
    if not text.startswith("{"):
        first = text.splitlines()[0].strip()
        raise DiscoveryError(f"GDELT answered: {first[:200]}")
    try:
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        records = _urls_in(text)
        if not records:
            raise DiscoveryError("GDELT answered with JSON that cannot be read") from None
    else:
        records = data.get("articles") if isinstance(data, dict) else None
        if records is None:
            records = []
        elif not isinstance(records, list):
            kind = type(records).__name__
            raise DiscoveryError(
                f"GDELT answered with JSON of another shape ('articles' is {kind})"
            )
    result: list[tuple[Entry, datetime | None]] = []
    for record in records:
        url = _text_field(record, "url") if isinstance(record, dict) else None
        if not url or not canonical_url(url):
            continue
        seen = _seen(record.get("seendate"))
        entry = Entry(
            url=url,
            title=_text_field(record, "title"),
            published_at=seen.isoformat(timespec="seconds") if seen else None,
            image=_text_field(record, "socialimage"),
            language=_GDELT_RESULT_LANGS.get(_text_field(record, "language") or ""),
        )
        result.append((entry, seen))
    return result


# =========================================================================== Google News
@dataclass
class GoogleItem:
    link: str  # as listed: usually a news.google.com article link
    url: str | None  # the publisher's URL when it could be decoded from the link
    title: str | None
    published_at: str | None
    publisher: str | None  # name from <source>
    publisher_url: str | None  # home page from <source url=...>


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise ValueError("truncated varint")


_ARTICLE_PATH = re.compile(r"^/(?:rss/)?articles/([A-Za-z0-9_-]+)")


def decode_google_news_url(url: str) -> str | None:
    """The publisher URL inside a Google News article link of the older format, else None.

    Older ids are base64url protobuf messages whose field 4 holds the article URL
    (``08 13 22 <length> <url>``). Current ids (``CBMi...`` decoding to ``AU_yqL...``) are
    opaque: None.
    """
    match = _ARTICLE_PATH.match(urlsplit(url).path)
    if not match:
        return None
    token = match.group(1)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    prefix = b"\x08\x13\x22"
    if not raw.startswith(prefix):
        return None
    try:
        length, pos = _varint(raw, len(prefix))
    except ValueError:
        return None
    candidate = raw[pos : pos + length]
    if len(candidate) != length or not candidate.startswith((b"http://", b"https://")):
        return None
    try:
        decoded = candidate.decode("ascii")
    except UnicodeDecodeError:
        return None
    return decoded if canonical_url(decoded) else None


def _stripped(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_google_news(body: bytes, url: str) -> list[GoogleItem]:
    """Items of a Google News RSS page (raises DiscoveryError when it is no feed)."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS found"
        raise DiscoveryError(f"not a Google News RSS page: {str(reason)[:120]}")
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not isinstance(link, str) or not link:
            continue
        source = entry.get("source")
        source = source if isinstance(source, dict) else {}
        publisher = _stripped(source.get("title"))
        title = _stripped(entry.get("title"))
        if title and publisher and title.endswith(f" - {publisher}"):
            title = title[: -len(publisher) - 3].strip() or title
        items.append(
            GoogleItem(
                link=link,
                url=decode_google_news_url(link),
                title=title,
                published_at=_struct_to_iso(entry.get("published_parsed")),
                publisher=publisher,
                publisher_url=_stripped(source.get("href")),
            )
        )
    return items


_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["'][^"']*?url\s*=\s*([^"'>\s]+)""",
    re.IGNORECASE,
)
_HREF = re.compile(r"""(?:href|data-n-au)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _join(base_url: str, link: str) -> str | None:
    """*link* (as written in HTML) made absolute, or None when it is no URL (``http://[::1/b``)."""
    try:
        return urljoin(base_url, unescape(link))
    except ValueError:
        return None


def find_publisher_link(html: str, base_url: str, publisher_url: str | None) -> str | None:
    """The publisher's article URL on a Google News article page, if the page names it.

    A meta refresh to another host wins; else the first link (``href`` or
    ``data-n-au``) on the publisher's site as named by the item's ``<source url=...>``.
    """
    google = urlsplit(base_url).netloc
    refresh = _REFRESH.search(html)
    if refresh:
        target = _join(base_url, refresh.group(1))
        if target and urlsplit(target).netloc not in ("", google):
            return target
    if not publisher_url:
        return None
    for match in _HREF.finditer(html):
        target = _join(base_url, match.group(1))
        if target is None:
            continue
        parts = urlsplit(target)
        if (
            parts.scheme in ("http", "https")
            and parts.netloc != google
            and same_site(target, publisher_url)
            and parts.path not in ("", "/")
        ):
            return target
    return None


# =========================================================================== spiders
def _one_line(exc: BaseException) -> str:
    """An unexpected exception as a one-line reason: DiscoveryError as is, others with their type."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    if isinstance(exc, DiscoveryError):
        return first[:300]
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return f"unreadable answer ({detail})"[:300]


def _unreachable(failure: Failure) -> bool:
    """The host could not be reached at all (as opposed to an answer we did not like)."""
    return bool(
        failure.check(
            CannotResolveHostError,
            DownloadConnectionRefusedError,
            DownloadTimeoutError,
            DNSLookupError,
            ConnectError,
            PrivateNetworkRefused,
            HostNotFound,
        )
    )


class _OneAtATime(SourceSpider):
    """Sources searched one after another: one service, one host, one request at a time."""

    service: ClassVar[str]

    def __init__(self, sources: list[Source], session: Any, **kwargs: Any):
        super().__init__(sources, session, **kwargs)
        self._queue: deque[Source] = deque(self.sources.values())

    async def start(self) -> AsyncIterator[Request]:
        for request in self.next_source():
            yield request

    def first_request(self, source: Source) -> Request:
        raise NotImplementedError

    def next_source(self) -> Iterator[Request]:
        """The first request of the next source that can be searched."""
        while self._queue:
            source = self._queue.popleft()
            try:
                request = self.first_request(source)
            except Exception as exc:  # one bad source must not stop the others
                self.session.report(source.name).fail(_one_line(exc))
                continue
            yield request
            return

    def give_up_host(self, url: str, reason: str) -> None:
        """Fail the waiting sources on the host of *url*: it cannot be reached now."""
        host = urlsplit(url).netloc
        for source in [s for s in self._queue if urlsplit(s.url).netloc == host]:
            self._queue.remove(source)
            self.session.report(source.name).fail(
                f"not tried, {self.service} unreachable: {reason}"
            )

    def search_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request
        reason, _status, _final = _failure_reason(failure)
        if _unreachable(failure):
            self.give_up_host(request.url, reason)
        report = self.session.report(request.meta["source"])
        self._listing_error(report, request.meta["depth"], f"{self.where(request)}: {reason}")
        yield from self.next_source()

    def answer_failed(self, response: Response, exc: Exception) -> None:
        """Record an answer that could not be read as the listing's error."""
        report = self.session.report(response.meta["source"])
        where = self.where(response.request)
        self._listing_error(report, response.meta["depth"], f"{where}: {_one_line(exc)}")

    def where(self, request: Request) -> str:
        """The search in a message: the query is in the configuration, so the host is enough."""
        page = f" (page {request.meta['depth'] + 1})" if request.meta["depth"] else ""
        return f"{self.service} search at {urlsplit(request.url).netloc}{page}"

    def themes(self) -> Any:
        return self.session.themes


class GdeltSpider(_OneAtATime):
    """GDELT DOC 2.0 API searches (``kind = "gdelt"``)."""

    name = "gdelt"
    kind = "gdelt"
    service = "GDELT"
    max_pages: ClassVar[int] = 8  # API requests per source and crawl
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_SLOTS": {GDELT_SLOT: {"concurrency": 1, "delay": GDELT_DELAY, "jitter": 0}},
    }

    def __init__(self, sources: list[Source], session: Any, **kwargs: Any):
        super().__init__(sources, session, **kwargs)
        self._seen: dict[str, set[str]] = {}

    def first_request(self, source: Source) -> Request:
        search = search_url(source, self.themes())
        end = datetime.now(UTC).replace(microsecond=0)
        start = end - parse_timespan(source.timespan)
        return self._page_request(source, search, start, end, page=0)

    def _page_request(
        self, source: Source, search: str, start: datetime, end: datetime, page: int
    ) -> Request:
        return Request(
            gdelt_page_url(search, start, end),
            callback=self.parse_search,
            errback=self.search_failed,
            dont_filter=True,
            priority=10,
            meta={
                "source": source.name,
                "depth": page,
                "search": search,
                "window": (start, end),
                "download_slot": GDELT_SLOT,  # 5 s apart, whatever the host
                "autothrottle_dont_adjust_delay": True,
            },
        )

    def parse_search(self, response: Response) -> Iterator[Request]:
        """One API answer: its articles, then the next page or else the next source.

        Whatever goes wrong reading the answer becomes this source's error; the queue
        moves on in every case (no ``yield`` inside ``finally``: a generator closed early
        must not yield again, so any Exception is caught instead).
        """
        next_page: Request | None = None
        try:
            next_page = yield from self._read_answer(response)
        except Exception as exc:  # the answer is untrusted input
            self.answer_failed(response, exc)
        if next_page is not None:
            yield next_page
        else:
            yield from self.next_source()

    def _read_answer(self, response: Response) -> Generator[Request, None, Request | None]:
        """Requests for the answer's new articles; returns the next page's request, if any."""
        meta = response.meta
        source = self.sources[meta["source"]]
        report = self.session.report(source.name)
        found = parse_gdelt(response.body)
        report.ok()
        report.format = "gdelt artlist json"
        seen = self._seen.setdefault(source.name, set())
        entries = []
        for entry, _when in found:
            url = canonical_url(entry.url)
            if url and url not in seen:
                seen.add(url)
                entries.append(entry)
        queued = report.queued
        yield from self.article_requests(report, entries)
        fresh = report.queued - queued  # nothing new on this page: older ones are known too
        start, end = meta["window"]
        times = [when for _entry, when in found if when is not None]
        oldest = min(times) if times else None
        page_size = source.page_size or GDELT_MAX_RECORDS
        more = (
            len(found) >= page_size
            and fresh > 0
            and report.budget > 0
            and meta["depth"] + 1 < self.max_pages
            and oldest is not None
            and start < oldest < end
        )
        if more:
            return self._page_request(source, meta["search"], start, oldest, meta["depth"] + 1)
        if len(found) >= page_size and report.budget > 0 and fresh > 0:
            report.incomplete = True  # window not exhausted: the rest waits
        return None


class GoogleNewsSpider(_OneAtATime):
    """Google News RSS searches (``kind = "google_news"``)."""

    name = "google_news"
    kind = "google_news"
    service = "Google News"

    def __init__(self, sources: list[Source], session: Any, **kwargs: Any):
        super().__init__(sources, session, **kwargs)
        self._publishers: dict[str, str | None] = {}  # listed link -> publisher home page
        self._search_hosts: set[str] = set()

    def first_request(self, source: Source) -> Request:
        url = search_url(source, self.themes())
        self._search_hosts.add(urlsplit(url).netloc)
        request = self.listing_request(url, source.name, depth=0)
        return request.replace(errback=self.search_failed)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """The search page (see SourceSpider), then the next source, whatever happened."""
        try:
            yield from super().parse_listing(response)
        except Exception as exc:  # the page is untrusted input
            self.answer_failed(response, exc)
        yield from self.next_source()

    def parse_entries(self, response: Response) -> tuple[list[Entry], list[str]]:
        items = parse_google_news(response.body, response.url)
        report = self.session.report(response.meta["source"])
        report.format = "google news rss"
        entries = []
        for item in items:
            url = item.url or item.link
            self._publishers[canonical_url(url) or url] = item.publisher_url
            entries.append(Entry(url=url, title=item.title, published_at=item.published_at))
        return entries, []

    def is_google_link(self, url: str) -> bool:
        parts = urlsplit(url)
        host = parts.hostname or ""
        google = parts.netloc in self._search_hosts or host == "news.google.com"
        return google and bool(_ARTICLE_PATH.match(parts.path))

    def article_requests(self, report: Any, entries: Iterable[Entry]) -> Iterator[Request]:
        for request in super().article_requests(report, entries):
            request.meta["publisher_url"] = self._publishers.get(request.meta["requested_url"])
            yield request

    def parse_article(self, response: Response) -> Iterator[Any]:
        if not self.is_google_link(response.url):  # a publisher page, maybe after a redirect
            yield from super().parse_article(response)
            return
        meta = response.meta
        text = response.text if hasattr(response, "text") else ""
        target = find_publisher_link(text, response.url, meta.get("publisher_url"))
        if target and canonical_url(target) and not self.is_google_link(target):
            yield Request(
                target,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={
                    "source": meta["source"],
                    "hints": meta["hints"],
                    "requested_url": meta["requested_url"],
                    "publisher_url": meta.get("publisher_url"),
                },
            )
            return
        yield FetchedPage(
            source=meta["source"],
            requested_url=meta["requested_url"],
            url=response.url,
            status=response.status,
            error="Google News link not resolved to the publisher's URL",
            outcome="unresolved",
        )


DISCOVERY_SPIDERS: dict[str, type[SourceSpider]] = {
    cls.kind: cls for cls in (GdeltSpider, GoogleNewsSpider)
}
