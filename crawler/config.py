"""Load and validate the TOML files under ``config/`` into typed objects.

Nothing here runs at import time: callers pass the directory (or file) they want.
Every problem is raised as a :class:`ConfigError` whose message is one line naming
the file and the key or line, which the CLI prints before exiting with status 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.kinds import DISCOVERY_NAMES, KIND_NAMES
from pipelines.themes import ThemeError, Themes, compile_themes

__all__ = [
    "ConfigError",
    "Settings",
    "Source",
    "SETTINGS_SCHEMA",
    "SOURCE_FIELDS",
    "SOURCE_KINDS",
    "DISCOVERY_KINDS",
    "config_dir",
    "config_file",
    "defaults_dir",
    "default_db_path",
    "load_settings",
    "load_sources",
    "load_themes",
    "read_toml",
]

DEFAULT_DB = "data/culturewatch.db"


class ConfigError(Exception):
    """A configuration problem, described in one line (file, key or line, what is wrong)."""


def defaults_dir() -> Path | None:
    """The default configuration shipped with culturewatch, or None if it cannot be found.

    An installed wheel carries a copy of the repository's ``config/`` in ``crawler/defaults/``
    (setup.py copies it at build time); a source checkout or an editable install reads
    ``config/`` beside the packages.
    """
    here = Path(__file__).resolve().parent
    if (here / "defaults" / "sources.toml").is_file():
        return here / "defaults"
    if (here.parent / "pyproject.toml").is_file() and (here.parent / "config").is_dir():
        return here.parent / "config"
    return None


def config_dir(path: str | os.PathLike | None = None) -> Path:
    """The configuration directory: *path*, else ``$CULTUREWATCH_CONFIG``, else ``./config``.

    With none of them there (an empty directory), the defaults shipped with culturewatch.
    """
    chosen = path or os.environ.get("CULTUREWATCH_CONFIG")
    if chosen:
        return Path(chosen)
    local = Path("config")
    if local.exists():
        return local
    return defaults_dir() or local


def config_file(name: str, directory: str | os.PathLike | None = None) -> Path:
    """*name* (``metadata.yml``) in the configuration directory, else the shipped default."""
    path = config_dir(directory) / name
    shipped = defaults_dir()
    if path.exists() or shipped is None or not (shipped / name).exists():
        return path
    return shipped / name


def default_db_path(settings: Settings | None = None) -> Path:
    """The archive path: ``$CULTUREWATCH_DB``, else the ``archive`` setting."""
    env = os.environ.get("CULTUREWATCH_DB")
    if env:
        return Path(env)
    return Path(settings.archive if settings else DEFAULT_DB)


def _read_text(path: Path, *, missing_ok: bool = False) -> str:
    """The text of a configuration file, which must be UTF-8 (a byte-order mark is dropped).

    A missing file reads as empty when *missing_ok*; every other problem (not UTF-8, a
    directory, no permission) is a one-line :class:`ConfigError`.
    """
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, NotADirectoryError) as exc:
        if missing_ok:
            return ""
        if isinstance(exc, NotADirectoryError):
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # where an editor shows it: the line, and the character in that line (1-based)
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8")) + 1
        raise ConfigError(
            f"{path}: not UTF-8: byte 0x{data[exc.start]:02x} at line {line}, column {column} "
            "(save the file as UTF-8)"
        ) from None
    return text.removeprefix("\ufeff")


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; any problem is a one-line :class:`ConfigError` naming the file."""
    return _parse_toml(path, _read_text(path))


# --------------------------------------------------------------------------- settings
# Settings are declared once, as data: section -> key -> (type, default, help).
# ``None`` is the top-level table. The help text is what `config/settings.toml` explains.
SETTINGS_SCHEMA: dict[str | None, dict[str, tuple[type | tuple[type, ...], Any, str]]] = {
    None: {
        "user_agent": (
            str,
            "culturewatch/0.1 (+https://github.com/culturewatch/culturewatch; media monitoring)",
            "User-Agent sent with every request; say who you are and how to reach you.",
        ),
        "archive": (str, DEFAULT_DB, "Path of the SQLite archive (CULTUREWATCH_DB overrides)."),
        "allow_private_networks": (
            bool,
            False,
            "Allow requests to loopback, private, link-local and multicast addresses.",
        ),
    },
    "politeness": {
        "obey_robots_txt": (bool, True, "Obey robots.txt."),
        "download_delay": ((int, float), 1.0, "Seconds between requests to the same domain."),
        "concurrent_requests": (int, 16, "Requests in flight overall."),
        "concurrent_requests_per_domain": (int, 2, "Requests in flight per domain."),
        "autothrottle": (bool, True, "Adapt the delay to the server's latency (AutoThrottle)."),
        "autothrottle_target_concurrency": (
            (int, float),
            1.0,
            "Average parallel requests AutoThrottle aims at per server.",
        ),
        "timeout": ((int, float), 30, "Seconds before a request is abandoned."),
        "retry_times": (int, 3, "Retries of a request after a 429, a 5xx or a network error."),
        "retry_backoff_base": (
            (int, float),
            2.0,
            "First retry waits this many seconds, doubling each time (Retry-After wins).",
        ),
        "retry_backoff_max": ((int, float), 120.0, "Longest wait before a retry, in seconds."),
        "max_response_size": (
            int,
            10 * 1024 * 1024,
            "Responses larger than this (bytes) are dropped.",
        ),
    },
    "crawl": {
        "max_items_per_source": (
            int,
            200,
            "At most this many new articles per source and crawl (a source may override).",
        ),
        "page_attempts": (
            int,
            4,
            "Fetches of a failing article page, over successive crawls, before it is given up.",
        ),
        "page_retry_spacing": (
            (int, float),
            3600,
            "Seconds before a failed page is fetched again; doubles after each failure.",
        ),
        "write_retry_seconds": (
            (int, float),
            60,
            "How long a failed archive write (disk full, locked) is retried before the crawl stops.",
        ),
    },
    "relevance": {
        "threshold": ((int, float), 0.5, "An article is relevant when its relevance >= this."),
    },
    "schedule": {
        "timezone": (str, "UTC", "IANA time zone of the cron expressions and of digest dates."),
        "crawl": (str, "*/30 * * * *", "Cron expression (five fields) of the crawls."),
        "digest": (str, "0 7 * * *", "Cron expression (five fields) of the daily digest."),
    },
    "digest": {
        "out": (str, "digests", "Directory the digest files are written to."),
        "max_age_days": (
            int,
            3,
            "An article enters the digest of the day it was archived if published at most this many days before.",
        ),
        "day": (
            str,
            "previous",
            "Day the scheduled digest covers: previous (the day that just ended) or today.",
        ),
    },
}


# Bounds of numeric settings: dotted key -> (minimum, maximum), None for no bound;
# "> 0" where zero makes no sense.
SETTINGS_BOUNDS: dict[str, tuple[float | str | None, float | None]] = {
    "politeness.download_delay": (0, None),
    "politeness.concurrent_requests": (1, None),
    "politeness.concurrent_requests_per_domain": (1, None),
    "politeness.autothrottle_target_concurrency": ("> 0", None),
    "politeness.timeout": ("> 0", None),
    "politeness.retry_times": (0, None),
    "politeness.retry_backoff_base": (0, None),
    "politeness.retry_backoff_max": (0, None),
    "politeness.max_response_size": (1024, None),
    "crawl.max_items_per_source": (1, None),
    "crawl.page_attempts": (1, None),
    "crawl.page_retry_spacing": (0, None),
    "crawl.write_retry_seconds": (0, None),
    "relevance.threshold": (0, 1),
    "digest.max_age_days": (0, None),
}


# Settings that take one of a few words.
SETTINGS_CHOICES: dict[str, tuple[str, ...]] = {"digest.day": ("previous", "today")}


def _check_value(where: object, dotted: str, value: Any) -> None:
    """Bounds, choices, time zones and cron expressions: what a type alone does not say."""
    if dotted in SETTINGS_CHOICES and value not in SETTINGS_CHOICES[dotted]:
        words = " or ".join(f'"{c}"' for c in SETTINGS_CHOICES[dotted])
        raise ConfigError(f"{where}: '{dotted}' must be {words}, not {value!r}")
    if dotted in ("schedule.crawl", "schedule.digest"):
        # checked for every command, not only by `schedule`; imported here because
        # crawler.cron imports this module (for ConfigError)
        from crawler.cron import cron_trigger

        cron_trigger(value, ZoneInfo("UTC"), key=dotted, where=where)
    if dotted == "schedule.timezone":
        try:
            if not value or value != value.strip():
                raise ValueError(value)
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(
                f"{where}: 'schedule.timezone' {value!r} is not an IANA time zone "
                '(e.g. "UTC", "Europe/Paris", "Asia/Shanghai")'
            ) from None
    low, high = SETTINGS_BOUNDS.get(dotted, (None, None))
    if low == "> 0" and value <= 0:
        raise ConfigError(f"{where}: '{dotted}' must be greater than 0, not {value!r}")
    if isinstance(low, (int, float)) and value < low:
        raise ConfigError(f"{where}: '{dotted}' must be at least {low}, not {value!r}")
    if high is not None and value > high:
        raise ConfigError(f"{where}: '{dotted}' must be at most {high}, not {value!r}")


@dataclass(frozen=True)
class Settings:
    """All settings by dotted name: ``settings["politeness.download_delay"]``.

    Top-level keys are also attributes: ``settings.archive``.
    """

    values: dict[str, Any]
    path: Path | None = None

    def __getitem__(self, dotted: str) -> Any:
        return self.values[dotted]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def _flatten(raw: dict[str, Any], path: Path | None) -> dict[str, Any]:
    where = path or "settings"
    values: dict[str, Any] = {}
    sections = {name for name in SETTINGS_SCHEMA if name is not None}
    for key in raw:
        if key not in SETTINGS_SCHEMA[None] and key not in sections:
            raise ConfigError(f"{where}: unknown key '{key}'")
    for section, fields in SETTINGS_SCHEMA.items():
        table = raw if section is None else raw.get(section, {})
        if section is not None and not isinstance(table, dict):
            raise ConfigError(f"{where}: '{section}' must be a table ([{section}])")
        for key in table:
            if section is not None and key not in fields:
                raise ConfigError(f"{where}: unknown key '{section}.{key}'")
        for key, (typ, default, _help) in fields.items():
            dotted = key if section is None else f"{section}.{key}"
            value = table.get(key, default)
            if not isinstance(value, typ) or (isinstance(value, bool) and bool not in _types(typ)):
                raise ConfigError(f"{where}: '{dotted}' must be {_type_name(typ)}, not {value!r}")
            _check_value(where, dotted, value)
            values[dotted] = value
    return values


def _types(typ: type | tuple[type, ...]) -> tuple[type, ...]:
    return typ if isinstance(typ, tuple) else (typ,)


def _type_name(typ: type | tuple[type, ...]) -> str:
    names = {int: "a whole number", float: "a number", str: "a string", bool: "true or false"}
    types = _types(typ)
    if float in types:
        return "a number"
    return " or ".join(names.get(t, t.__name__) for t in types)


def load_settings(directory: str | os.PathLike | None = None) -> Settings:
    """Read ``settings.toml`` from the config directory; a missing file means all defaults."""
    path = config_dir(directory) / "settings.toml"
    raw = _parse_toml(path, _read_text(path, missing_ok=True))
    return Settings(_flatten(raw, path), path)


# --------------------------------------------------------------------------- sources
# The registry of kinds (crawler/kinds/__init__.py: names only, no Scrapy at import).
SOURCE_KINDS = KIND_NAMES
# Kinds that search many outlets at once: they need a `query` or a `theme`.
DISCOVERY_KINDS = DISCOVERY_NAMES

# field -> (type, required, default, help)
SOURCE_FIELDS: dict[str, tuple[type | tuple[type, ...], bool, Any, str]] = {
    "name": (str, True, None, "Unique key of the source (letters, digits, - and _)."),
    "url": (str, True, None, "URL of the feed or sitemap, or the search endpoint (http or https)."),
    "kind": (
        str,
        True,
        None,
        "feed (RSS, Atom, JSON Feed), sitemap (incl. news sitemaps), gdelt (GDELT DOC 2.0 "
        "API search) or google_news (Google News RSS search).",
    ),
    "language": (str, False, None, "BCP 47 language of the source (en, zh, ...), if known."),
    "enabled": (bool, False, True, "false keeps the source in the file without crawling it."),
    "max_items": (int, False, None, "New articles per crawl from this source (default: setting)."),
    "verified": (bool, False, False, "true once the URL was seen to answer as expected."),
    "note": (str, False, "", "Why the source is here."),
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
    if values["page_size"] is not None and (kind != "gdelt" or not 1 <= values["page_size"] <= 250):
        raise ConfigError(f"{where}: 'page_size' is for kind gdelt only, from 1 to 250")


def load_sources(path: str | os.PathLike) -> list[Source]:
    """Read a sources file (``[[sources]]`` tables) and validate every entry."""
    path = Path(path)
    text = _read_text(path)
    raw = _parse_toml(path, text)
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
                raise ConfigError(f"{where}: '{key}' must be {_type_name(typ)}, not {value!r}")
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
        if values["max_items"] is not None and values["max_items"] < 1:
            raise ConfigError(f"{where}: 'max_items' must be at least 1")
        _check_discovery(values, where)
        sources.append(Source(**values))
    return sources


# --------------------------------------------------------------------------- themes
def load_themes(path: str | os.PathLike) -> Themes:
    """Read ``themes.toml`` and compile it (:func:`pipelines.themes.compile_themes`).

    Any problem is a one-line :class:`ConfigError` naming the file and the key.
    """
    path = Path(path)
    try:
        return compile_themes(read_toml(path), path=path)
    except ThemeError as exc:
        raise ConfigError(str(exc)) from None
