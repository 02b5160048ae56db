"""Kind ``gdelt``: searches of the GDELT DOC 2.0 API.

The GDELT DOC 2.0 API (https://blog.gdeltproject.org/gdelt-doc-2-0-api-debuts/) in
``mode=ArtList&format=json``. The API asks for at most one request every 5 seconds
and returns at most 250 articles per request, so the spider sends its API requests
one at a time through a download slot of its own (5 s apart, AutoThrottle kept off
it) and slices the time window: it asks for ``[now - timespan, now]`` newest first
and, while a page comes back full and still brings new articles, asks again for the
part of the window older than that page's oldest article. GDELT searches the English
machine translation of every language it monitors, so its queries are English; the
source's ``language`` becomes ``sourcelang:`` (``zh`` -> Chinese-language outlets).
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Request, Response

from crawler.config import Source
from crawler.kinds import Listing
from crawler.kinds.queries import (
    GDELT_LANGUAGES,
    GDELT_MAX_RECORDS,
    DiscoveryError,
    parse_timespan,
    search_url,
)
from crawler.kinds.search import SearchSpider
from crawler.listings.feeds import Entry
from pipelines.normalize import canonical_url

__all__ = [
    "GDELT_API",
    "GDELT_DELAY",
    "SPIDER",
    "GdeltSpider",
    "check_meta",
    "check_url",
    "describe",
    "gdelt_page_url",
    "parse_gdelt",
]

GDELT_API = "https://api.gdeltproject.org/api/v2/doc/doc"
GDELT_DELAY = 5.0  # seconds between API requests: the API's documented limit
GDELT_SLOT = "gdelt-api"
# GDELT's language names in ArtList results, back to BCP 47.
_GDELT_RESULT_LANGS = {name.capitalize(): code for code, name in GDELT_LANGUAGES.items()}


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
    records: Any
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


class GdeltSpider(SearchSpider):
    """GDELT DOC 2.0 API searches (``kind = "gdelt"``)."""

    name = "gdelt"
    kind = "gdelt"
    service = "GDELT"
    max_pages: ClassVar[int] = 8  # API requests per source and crawl
    custom_settings = {
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
        if more and oldest is not None:
            return self._page_request(source, meta["search"], start, oldest, meta["depth"] + 1)
        if len(found) >= page_size and report.budget > 0 and fresh > 0:
            report.incomplete = True  # window not exhausted: the rest waits
        return None


SPIDER = GdeltSpider


def check_url(source: Source, themes: Any) -> str:
    """The first API request of *source*'s search, as the crawl makes it."""
    end = datetime.now(UTC).replace(microsecond=0)
    return gdelt_page_url(search_url(source, themes), end - parse_timespan(source.timespan), end)


def check_meta(source: Source) -> dict[str, Any]:
    return {"download_slot": GDELT_SLOT, "autothrottle_dont_adjust_delay": True}


def describe(body: bytes, url: str, content_type: str, max_size: int) -> Listing:
    """The articles of an ArtList answer (DiscoveryError when it is none)."""
    return Listing("gdelt artlist json", len(parse_gdelt(body)))
