"""The sources commands: each source's state in the archive, and a live check of each.

``source_states`` reads the archive (never writes it). ``check_sources`` fetches every
source once, outside Scrapy, with the parsers the crawl uses, and reports what it found.
The check keeps the crawl's manners: the configured user agent, robots.txt, refusal of
private network addresses, one request at a time per host (5 s apart for the GDELT API),
short timeouts. A host that cannot be reached at all fails its remaining sources at
once, so an offline check ends in moments.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.config import Source

__all__ = ["CheckResult", "SourceState", "check_sources", "source_states"]


# =========================================================================== states
@dataclass
class SourceState:
    source: Source
    last_success: str | None = None
    last_attempt: str | None = None
    last_status: str | None = None
    last_error: str | None = None
    failures_in_row: int = 0
    articles: int = 0
    relevant: int = 0

    @property
    def relevant_share(self) -> float | None:
        return self.relevant / self.articles if self.articles else None


def source_states(sources: Iterable[Source], db: Path) -> list[SourceState]:
    """Each configured source with its health and article counts from the archive at *db*.

    A missing archive means no source was crawled yet.
    """
    states = {s.name: SourceState(s) for s in sources}
    if not Path(db).exists():
        return list(states.values())
    from storage.archive import Archive

    archive = Archive(db, readonly=True)
    try:
        tables = set(archive.db.table_names())
        if "sources" in tables:
            for row in archive.db.query(
                "select name, last_success_at, last_attempt_at, last_status, last_error, "
                "failures_in_row from sources"
            ):
                state = states.get(row["name"])
                if state is not None:
                    state.last_success = row["last_success_at"]
                    state.last_attempt = row["last_attempt_at"]
                    state.last_status = row["last_status"]
                    state.last_error = row["last_error"]
                    state.failures_in_row = row["failures_in_row"] or 0
        if "articles" in tables:
            for row in archive.db.query(
                "select source, count(*) as n, coalesce(sum(relevant), 0) as r "
                "from articles group by source"
            ):
                state = states.get(row["source"])
                if state is not None:
                    state.articles, state.relevant = row["n"], row["r"]
    finally:
        archive.close()
    return list(states.values())


def _when(iso: str | None) -> str:
    if not iso:
        return "never"
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def print_states(states: list[SourceState], db: Path) -> None:
    """The states as a table (rich), then one line of totals."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"sources ({db})", title_justify="left", expand=False)
    for column, justify in (
        ("name", "left"),
        ("kind", "left"),
        ("lang", "left"),
        ("last success", "left"),
        ("last error", "left"),
        ("articles", "right"),
        ("relevant", "right"),
    ):
        table.add_column(column, justify=justify, overflow="fold", no_wrap=column == "name")  # type: ignore[arg-type]
    for st in states:
        name = st.source.name if st.source.enabled else f"{st.source.name} (off)"
        error = ""
        if st.last_error and st.last_status == "failed":
            error = st.last_error.removeprefix(f"{st.source.url}: ")  # the URL is in the file
            error = error if len(error) <= 80 else error[:79] + "…"
            if st.failures_in_row > 1:
                error = f"[{st.failures_in_row}x] {error}"
        share = st.relevant_share
        table.add_row(
            name,
            st.source.kind,
            st.source.language or "",
            _when(st.last_success),
            error,
            str(st.articles),
            "" if share is None else f"{st.relevant} ({share:.0%})",
        )
    console = Console()
    if not console.is_terminal:  # a pipe or file: one row per line, however wide
        console = Console(width=1000)
    console.print(table)
    failing = sum(1 for st in states if st.last_status == "failed")
    never = sum(1 for st in states if not st.last_attempt)
    console.print(
        f"{len(states)} sources: {failing} failing at their last crawl, {never} never crawled, "
        f"{sum(st.articles for st in states)} articles archived"
    )


# =========================================================================== check
@dataclass
class CheckResult:
    source: Source
    ok: bool
    seconds: float = 0.0
    http_status: int | None = None
    format: str | None = None
    items: int | None = None
    detail: str = ""

    def line(self) -> str:
        """One line: ok or FAIL, name, kind, then what was found or why it failed."""
        head = f"{'ok' if self.ok else 'FAIL':<4}  {self.source.name:<28} {self.source.kind:<11}"
        if not self.ok:
            return f"{head} {self.seconds:6.2f}s  {self.detail}"
        items = "" if self.items is None else f"{self.items} items"
        status = self.http_status if self.http_status is not None else "-"
        tail = f"  {self.detail}" if self.detail else ""
        return f"{head} {self.seconds:6.2f}s  HTTP {status}  {self.format or '?'}, {items}{tail}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else "")[:200]


def _unexpected(exc: Exception) -> str:
    """Any other exception, as the one line of a failed check (no traceback)."""
    detail = _first_line(exc)
    return f"unreadable: {type(exc).__name__}" + (f": {detail}" if detail else "")


class _CheckFailed(Exception):
    """A check failed for a reason that fits in one line."""

    def __init__(self, message: str, *, host_down: bool = False, status: int | None = None):
        super().__init__(message)
        self.host_down = host_down  # the host cannot be reached at all
        self.status = status


def _resolve(host: str, timeout: float) -> list[str]:
    """The addresses of *host*, giving up after *timeout* (getaddrinfo itself has none)."""
    result: dict[str, Any] = {}

    def lookup() -> None:
        try:
            result["infos"] = socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM)
        except OSError as exc:
            result["error"] = exc

    worker = threading.Thread(target=lookup, daemon=True, name=f"resolve-{host}")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _CheckFailed(f"DNS lookup of {host} timed out after {timeout:g}s", host_down=True)
    if "error" in result:
        exc = result["error"]
        reason = getattr(exc, "strerror", None) or str(exc)
        raise _CheckFailed(f"DNS lookup of {host} failed: {reason}", host_down=True)
    return [info[4][0] for info in result["infos"]]


class _Fetcher:
    """urllib with the crawl's manners: user agent, size cap, private-network guard."""

    def __init__(self, user_agent: str, timeout: float, allow_private: bool, max_size: int):
        self.user_agent = user_agent
        self.timeout = timeout
        self.allow_private = allow_private
        self.max_size = max_size
        fetcher = self

        class GuardedRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
                fetcher.guard(newurl)
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        self.opener = urllib.request.build_opener(GuardedRedirect)

    def guard(self, url: str) -> None:
        from crawler.middlewares import is_private_address

        host = urlsplit(url).hostname or ""
        try:
            is_private_address(host)  # ValueError unless an address literal
            addresses = [host]
        except ValueError:
            addresses = _resolve(host, self.timeout)  # also makes DNS failures quick
        if self.allow_private:
            return
        for address in addresses:
            if is_private_address(address):
                where = host if address == host else f"{host} ({address})"
                raise _CheckFailed(
                    f"refused: {where} is a private network address "
                    "(--allow-private-networks allows it)",
                    host_down=True,
                )

    def get(self, url: str) -> tuple[int, str, bytes]:
        """(status, content type, body) of a successful GET; _CheckFailed otherwise."""
        self.guard(url)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body = response.read(self.max_size + 1)
                if len(body) > self.max_size:
                    raise _CheckFailed(f"larger than {self.max_size} bytes")
                return response.status, response.headers.get("Content-Type", ""), body
        except urllib.error.HTTPError as exc:
            raise _CheckFailed(f"HTTP {exc.code} {exc.reason}", status=exc.code) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, _CheckFailed):
                raise reason from None
            if isinstance(reason, TimeoutError | socket.timeout):
                raise _CheckFailed(f"timed out after {self.timeout:g}s", host_down=True) from None
            if isinstance(reason, socket.gaierror):
                raise _CheckFailed(
                    f"DNS lookup failed: {reason.strerror}", host_down=True
                ) from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise _CheckFailed(f"cannot connect: {text}", host_down=True) from None
        except _CheckFailed:
            raise
        except TimeoutError:
            raise _CheckFailed(f"timed out after {self.timeout:g}s", host_down=True) from None
        except OSError as exc:
            raise _CheckFailed(f"{type(exc).__name__}: {exc}", host_down=True) from None
        except ValueError as exc:  # e.g. a malformed redirect target
            raise _CheckFailed(f"bad response: {exc}") from None


def _gunzip(body: bytes, max_size: int) -> bytes:
    """A gzipped sitemap decompressed as the crawl does, refusing more than *max_size* bytes."""
    from scrapy.utils.gz import gunzip

    try:
        return gunzip(body, max_size=max_size)
    except ValueError as exc:
        limit = getattr(exc, "max_size", None)  # scrapy's _DecompressionMaxSizeExceeded
        if limit is None:
            raise
        raise _CheckFailed(f"larger than {limit} bytes once decompressed") from None


def _parse(
    source: Source, url: str, content_type: str, body: bytes, max_size: int = 0
) -> tuple[str, int, str]:
    """(format, item count, detail) of a fetched source, with the crawl's parsers.

    Raises _CheckFailed for an answer that is not what the kind expects; any other
    exception is an unreadable answer too, reported by the caller.
    """
    from crawler import discovery
    from crawler.feeds import FeedError, parse_feed
    from crawler.sitemaps import SitemapError, parse_sitemap

    try:
        if source.kind == "feed":
            fmt, entries = parse_feed(body, url, content_type)
            return fmt, len(entries), ""
        if source.kind == "sitemap":
            if body[:2] == b"\x1f\x8b":
                body = _gunzip(body, max_size)
            sitemap = parse_sitemap(body, url)
            if sitemap.kind == "index":
                return "sitemap index", len(sitemap.sitemaps), "child sitemaps"
            is_news = any(e.title or e.keywords for e in sitemap.entries)
            return ("news sitemap" if is_news else "sitemap"), len(sitemap.entries), ""
        if source.kind == "gdelt":
            found = discovery.parse_gdelt(body)
            return "gdelt artlist json", len(found), ""
        if source.kind == "google_news":
            items = discovery.parse_google_news(body, url)
            decoded = sum(1 for i in items if i.url)
            return "google news rss", len(items), f"{decoded} links decoded to publisher URLs"
    except (FeedError, SitemapError) as exc:
        raise _CheckFailed(f"unreadable: {_first_line(exc)}") from None
    raise _CheckFailed(f"unknown kind {source.kind}")


def _request_url(source: Source, themes: Any) -> str:
    from crawler import discovery

    if source.kind not in ("gdelt", "google_news"):
        return source.url
    try:
        search = discovery.search_url(source, themes)
    except discovery.DiscoveryError as exc:
        raise _CheckFailed(str(exc)) from None
    if source.kind == "gdelt":
        end = datetime.now(UTC).replace(microsecond=0)
        return discovery.gdelt_page_url(
            search, end - discovery.parse_timespan(source.timespan), end
        )
    return search


class _Host:
    """One host's sources, checked one after another with a delay between requests."""

    def __init__(self, fetcher: _Fetcher, delay: float, obey_robots: bool):
        self.fetcher = fetcher
        self.delay = delay
        self.obey_robots = obey_robots
        self.down: str | None = None
        self.robots: urllib.robotparser.RobotFileParser | None = None
        self.robots_read = False
        self.last = 0.0
        self.last_gdelt = 0.0

    def _wait(self, gdelt: bool = False) -> None:
        """Keep the delay between requests to this host, and 5 s between GDELT API calls."""
        from crawler.discovery import GDELT_DELAY

        due = max(
            self.last + self.delay if self.last else 0.0,
            self.last_gdelt + GDELT_DELAY if gdelt and self.last_gdelt else 0.0,
        )
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last = time.monotonic()
        if gdelt:
            self.last_gdelt = self.last

    def _allowed(self, url: str) -> bool:
        if not self.obey_robots:
            return True
        if not self.robots_read:
            self.robots_read = True
            robots_url = urljoin(url, "/robots.txt")
            self._wait()
            try:
                _status, _type, body = self.fetcher.get(robots_url)
                parser = urllib.robotparser.RobotFileParser(robots_url)
                parser.parse(body.decode("utf-8", errors="replace").splitlines())
                self.robots = parser
            except _CheckFailed as exc:
                if exc.host_down:
                    raise
                self.robots = None  # no robots.txt (4xx) or a server error: allowed
        if self.robots is None:
            return True
        return self.robots.can_fetch(self.fetcher.user_agent, url)

    def check(self, source: Source, themes: Any) -> CheckResult:
        started = time.monotonic()
        try:
            if self.down:
                raise _CheckFailed(f"not tried: {self.down}")
            url = _request_url(source, themes)
            if not self._allowed(url):
                raise _CheckFailed("forbidden by robots.txt")
            self._wait(gdelt=source.kind == "gdelt")
            status, content_type, body = self.fetcher.get(url)
            try:
                fmt, items, detail = _parse(source, url, content_type, body, self.fetcher.max_size)
            except _CheckFailed as exc:
                exc.status = exc.status or status
                raise
            except Exception as exc:  # hostile input (corrupt gzip, odd JSON): this source only
                raise _CheckFailed(_unexpected(exc), status=status) from None
            return CheckResult(source, True, time.monotonic() - started, status, fmt, items, detail)
        except _CheckFailed as exc:
            if exc.host_down and not self.down:
                self.down = str(exc)
            return CheckResult(
                source, False, time.monotonic() - started, exc.status, detail=str(exc)
            )
        except Exception as exc:  # a bug must cost one line, not the whole command
            return CheckResult(source, False, time.monotonic() - started, detail=_unexpected(exc))


def check_sources(
    sources: list[Source],
    *,
    themes: Any,
    user_agent: str,
    timeout: float = 10.0,
    delay: float = 1.0,
    obey_robots: bool = True,
    allow_private_networks: bool = False,
    max_size: int = 10 * 1024 * 1024,
    workers: int = 16,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Fetch each source once; hosts in parallel, each host's sources one at a time.

    Returns the results in the order of *sources*; *on_result* sees each as it comes.
    """
    fetcher = _Fetcher(user_agent, timeout, allow_private_networks, max_size)
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(urlsplit(source.url).netloc.lower(), []).append(source)
    lock = threading.Lock()
    results: dict[str, CheckResult] = {}

    def run(group: list[Source]) -> None:
        host = _Host(fetcher, delay, obey_robots)
        for source in group:
            result = host.check(source, themes)
            with lock:
                results[source.name] = result
                if on_result is not None:
                    on_result(result)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for future in [pool.submit(run, group) for group in groups.values()]:
            future.result()
    return [results[s.name] for s in sources]
