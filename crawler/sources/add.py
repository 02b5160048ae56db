"""``sources add``: what to write for a URL that was checked, and appending it.

The URL is checked as a ``site`` source (:func:`crawler.sources.state.check_sources`: the
crawl's own Scrapy stack, one discovery from the URL). What the check found decides the
entry: a feed or sitemap given directly becomes a ``feed`` or ``sitemap`` source at its
final URL, a page with a feed, a sitemap or article links a ``site`` source at the page.
The entry is appended to the sources file as text, after a comment saying what was found
and when, so the file's own comments and layout stay as they are; the whole file is
loaded again before it is replaced, so what is written is always a valid sources file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawler.config import ConfigError, Source, load_sources
from crawler.sources.state import CheckResult
from pipelines.normalize import canonical_url

__all__ = ["LANGUAGE", "append_entry", "duplicate", "entry_text", "new_name", "planned"]

LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")  # BCP 47, loosely
_NAME_PART = re.compile(r"[^a-z0-9]+")


def _key(url: str) -> str:
    """A URL compared for duplicates: canonical, without the trailing slash or the scheme."""
    canonical = canonical_url(url) or url
    parts = urlsplit(canonical)
    host = (parts.hostname or "").removeprefix("www.")
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path.rstrip('/')}?{parts.query}"


def duplicate(configured: list[Source], *, urls: list[str], name: str | None) -> Source | None:
    """A configured source with one of *urls* or the *name*, if any."""
    keys = {_key(url) for url in urls}
    for source in configured:
        if (name is not None and source.name == name) or _key(source.url) in keys:
            return source
    return None


def new_name(url: str, taken: set[str]) -> str:
    """A name for the source at *url*: its host (without ``www.``) and first path
    segment, ``-2``, ``-3``... when that is taken."""
    parts = urlsplit(url)
    host = (parts.hostname or "source").removeprefix("www.")
    first = next((p for p in parts.path.split("/") if p and "." not in p), "")
    base = _NAME_PART.sub("-", f"{host} {first}".lower()).strip("-")[:60] or "source"
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def planned(url: str, result: CheckResult) -> tuple[str, str]:
    """(kind, URL) of the entry: the listing itself, or the page as a ``site``."""
    if result.kind in ("feed", "sitemap") and result.url:
        return result.kind, result.url
    return "site", url


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML string


def entry_text(
    *,
    name: str,
    url: str,
    kind: str,
    language: str | None,
    result: CheckResult,
    group: str | None = None,
) -> str:
    """The ``[[sources]]`` table, after a comment on what the check found."""
    today = datetime.now(UTC).date().isoformat()
    unit = "child sitemaps" if result.format == "sitemap index" else "items"
    found = f"{result.format}, {result.items} {unit}"
    if kind == "site":
        what = f"a site's page; discovery found {result.detail} ({found})"
        note = f"A site's page: the crawl reads what discovery finds there ({result.detail})."
        if result.detail.startswith("links "):
            what = f"a site's page with no feed or sitemap; {result.items} article links on it"
    else:
        what = f"a {kind} ({found})"
        note = f"A {kind}: {found} when it was added."
    lines = [
        f"# Added by `culturewatch sources add` on {today}: {what}.",
        "[[sources]]",
        f"name = {_toml(name)}",
        f"url = {_toml(url)}",
        f"kind = {_toml(kind)}",
    ]
    if language:
        lines.append(f"language = {_toml(language)}")
    if group:
        lines.append(f"group = {_toml(group)}")
    lines += ["verified = true", f"note = {_toml(note)}"]
    return "\n".join(lines) + "\n"


def append_entry(path: Path, entry: str) -> None:
    """Append *entry* to the sources file at *path* (created when missing), after checking
    that the whole file still loads; replaced atomically, its mode kept."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    text = old + ("\n" if old and not old.endswith("\n") else "") + ("\n" if old else "") + entry
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            load_sources(tmp)
        except ConfigError as exc:  # a bug, not the user's: say so in one line
            raise ConfigError(f"{path}: the new entry would not load: {exc}") from None
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
