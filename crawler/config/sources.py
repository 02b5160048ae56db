"""Sources files (``sources.toml``, ``--sources``): ``[[sources]]`` tables into
:class:`Source` objects, each checked against the fields declared once in
:data:`SOURCE_FIELDS` and the kinds of the registry (``crawler/kinds/``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.config.files import Bounds, ConfigError, check_numeric, parse_toml, read_text
from crawler.config.kinds import DISCOVERY_NAMES, KIND_NAMES
from crawler.config.settings import SETTINGS_BOUNDS, type_name
from storage.groups import SOURCE_GROUPS

__all__ = [
    "DISCOVERY_KINDS",
    "SOURCE_BOUNDS",
    "SOURCE_FIELDS",
    "SOURCE_KINDS",
    "Source",
    "load_sources",
]

# The registry of kinds (crawler/config/kinds.py: names only, no Scrapy at import).
SOURCE_KINDS = KIND_NAMES
# Kinds that search many outlets at once: they need a `query` or a `theme`.
DISCOVERY_KINDS = DISCOVERY_NAMES

# field -> (type, required, default, help)
SOURCE_FIELDS: dict[str, tuple[type | tuple[type, ...], bool, Any, str]] = {
    "name": (str, True, None, "Unique key of the source (letters, digits, - and _)."),
    "url": (
        str,
        True,
        None,
        "URL of the feed or sitemap, the site's page (site), or the search endpoint.",
    ),
    "kind": (
        str,
        True,
        None,
        "feed (RSS, Atom, JSON Feed), sitemap (incl. news sitemaps), site (a home or section "
        "page whose feed or sitemap the crawl finds), gdelt (GDELT DOC 2.0 API search) or "
        "google_news (Google News RSS search).",
    ),
    "language": (str, False, None, "BCP 47 language of the source (en, zh, ...), if known."),
    "enabled": (bool, False, True, "false keeps the source in the file without crawling it."),
    "max_items": (int, False, None, "New articles per crawl from this source (default: setting)."),
    "verified": (bool, False, False, "true once the URL was seen to answer as expected."),
    "note": (str, False, "", "Why the source is here."),
    "group": (
        str,
        False,
        None,
        "What kind of outlet it is: "
        + ", ".join(SOURCE_GROUPS)
        + " (facets, dashboards, digests).",
    ),
    "theme": (str, False, None, "gdelt, google_news: build the query from this theme's terms."),
    "query": (str, False, None, "gdelt, google_news: the search query (instead of a theme)."),
    "timespan": (
        str,
        False,
        None,
        "gdelt, google_news: how far back to search, e.g. 90min, 12h, 1d, 2w (default 1d).",
    ),
    "page_size": (int, False, None, "gdelt: records per API request, 1..250 (default 250)."),
}


# Bounds of every numeric field -> (minimum, maximum), checked with nan, inf and -inf by
# crawler.config.files.check_number.
SOURCE_BOUNDS: dict[str, Bounds] = {
    "max_items": SETTINGS_BOUNDS["crawl.max_items_per_source"],
    "page_size": (1, 250),
}


@dataclass(frozen=True)
class Source:
    name: str
    url: str
    kind: str
    language: str | None = None
    enabled: bool = True
    max_items: int | None = None
    verified: bool = False
    note: str = ""
    group: str | None = None
    theme: str | None = None
    query: str | None = None
    timespan: str | None = None
    page_size: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _source_line(text: str, index: int) -> int | None:
    """Line number of the *index*-th ``[[sources]]`` header, for error messages."""
    seen = -1
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith("[[sources]]"):
            seen += 1
            if seen == index:
                return number
    return None


_TIMESPAN = re.compile(r"^[1-9][0-9]*(min|h|d|w)$")
_DISCOVERY_ONLY = ("theme", "query", "timespan", "page_size")


def _check_discovery(values: dict[str, Any], where: str) -> None:
    """The fields of the discovery kinds (gdelt, google_news)."""
    kind = values["kind"]
    if kind not in DISCOVERY_KINDS:
        for key in _DISCOVERY_ONLY:
            if values[key] is not None:
                raise ConfigError(
                    f"{where}: '{key}' is only for kinds {', '.join(DISCOVERY_KINDS)}"
                )
        return
    if not (values["query"] or values["theme"]):
        raise ConfigError(f"{where}: kind '{kind}' needs a 'query' or a 'theme'")
    if values["timespan"] is not None and not _TIMESPAN.match(values["timespan"]):
        raise ConfigError(
            f"{where}: 'timespan' {values['timespan']!r} must be a number and min, h, d or w (e.g. 1d)"
        )
    if values["page_size"] is not None and kind != "gdelt":
        raise ConfigError(f"{where}: 'page_size' is for kind gdelt only")


def load_sources(path: str | os.PathLike) -> list[Source]:
    """Read a sources file (``[[sources]]`` tables) and validate every entry."""
    path = Path(path)
    text = read_text(path)
    raw = parse_toml(path, text)
    unknown = set(raw) - {"sources"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown key '{sorted(unknown)[0]}' (expected [[sources]] tables)"
        )
    entries = raw.get("sources", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'sources' must be an array of tables ([[sources]])")
    sources: list[Source] = []
    names: set[str] = set()
    for index, entry in enumerate(entries):
        line = _source_line(text, index)
        where = f"{path}:{line}" if line else f"{path}: sources[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: each source must be a table")
        for key in entry:
            if key not in SOURCE_FIELDS:
                raise ConfigError(f"{where}: unknown key '{key}'")
        values: dict[str, Any] = {}
        for key, (typ, required, default, _help) in SOURCE_FIELDS.items():
            if key not in entry:
                if required:
                    raise ConfigError(f"{where}: missing key '{key}'")
                values[key] = default
                continue
            value = entry[key]
            if not isinstance(value, typ) or (isinstance(value, bool) and typ is not bool):
                raise ConfigError(f"{where}: '{key}' must be {type_name(typ)}, not {value!r}")
            check_numeric(where, key, typ, value, SOURCE_BOUNDS)
            values[key] = value
        name = values["name"].strip()
        if not name or not all(c.isalnum() or c in "-_." for c in name):
            raise ConfigError(f"{where}: 'name' {name!r} must be letters, digits, '-', '_' or '.'")
        if name in names:
            raise ConfigError(f"{where}: duplicate name '{name}'")
        names.add(name)
        values["name"] = name
        if values["kind"] not in SOURCE_KINDS:
            raise ConfigError(
                f"{where}: unknown kind '{values['kind']}' (one of: {', '.join(SOURCE_KINDS)})"
            )
        if not values["url"].startswith(("http://", "https://")):
            raise ConfigError(f"{where}: 'url' must start with http:// or https://")
        if values["group"] is not None and values["group"] not in SOURCE_GROUPS:
            raise ConfigError(
                f"{where}: unknown group '{values['group']}' (one of: {', '.join(SOURCE_GROUPS)})"
            )
        _check_discovery(values, where)
        sources.append(Source(**values))
    return sources
