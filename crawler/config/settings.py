"""``settings.toml``: every setting declared once, as data, with its default, help and
bounds; :func:`load_settings` checks a whole file against them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.config.cron import cron_trigger
from crawler.config.files import (
    DEFAULT_DB,
    Bounds,
    ConfigError,
    check_numeric,
    config_dir,
    parse_toml,
    read_text,
)

__all__ = ["SETTINGS_SCHEMA", "Settings", "load_settings", "parse_duration", "type_name"]

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
        "warc_dir": (
            str,
            "",
            "Directory of the raw captures (gzipped WARC files); empty: warc/ beside the archive.",
        ),
        "warc_file_max_mb": (
            int,
            1000,
            "A new WARC file is started when the current one reaches this size (MB), in a new "
            "month, and by each crawl or revisit run.",
        ),
        "retention_days": (
            int,
            0,
            "Days the text and raw capture of a non-relevant, unlabelled article are kept "
            "(0: for ever); `culturewatch archive prune` drops older ones but keeps the row, "
            "URL, scores, themes and story (earlier versions lose their texts, keep their rows).",
        ),
        "allow_private_networks": (
            bool,
            False,
            "Allow requests to loopback, private, link-local and multicast addresses.",
        ),
    },
    "politeness": {
        "obey_robots_txt": (bool, True, "Obey robots.txt."),
        "robots_txt_max_age": (
            (int, float),
            86400,
            "Seconds a host's robots.txt is remembered across crawls (0: fetched every crawl).",
        ),
        "download_delay": ((int, float), 1.0, "Seconds between requests to the same domain."),
        "concurrent_requests": (int, 16, "Requests in flight overall."),
        "concurrent_requests_per_domain": (int, 2, "Requests in flight per domain."),
        "autothrottle": (
            bool,
            True,
            "Adapt the delay to the server's latency (AutoThrottle; in a cluster it may only "
            "lengthen a host's delay, for all workers).",
        ),
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
        "extract_workers": (
            int,
            0,
            "Processes that extract articles; 0 means one per core.",
        ),
        "extract_timeout": (
            (int, float),
            60,
            "Seconds one page may take to extract; then its worker is replaced, the page failed.",
        ),
    },
    "relevance": {
        "threshold": ((int, float), 0.5, "An article is relevant when its relevance >= this."),
        "semantic": (
            bool,
            False,
            "Also compare each article's meaning with the themes (config/semantic.toml), in the "
            "extraction workers; needs the `semantic` extra and ~0.6 s of CPU per article.",
        ),
    },
    "stories": {
        "cross_language": (
            bool,
            False,
            "Also join an English and a Chinese article of one story (theme concepts, numbers "
            "and Latin names in common, published within 72 hours). Off: pipelines/stories says why.",
        ),
    },
    "flags": {
        "failed_crawls": (
            int,
            3,
            "A source that failed this many crawls in a row is flagged (sources, digest).",
        ),
        "quiet_days": (
            int,
            7,
            "A source that brought no new article for this many days is flagged.",
        ),
    },
    "google_news": {
        "resolve_delay": (
            (int, float),
            1.0,
            "Seconds between the requests that resolve Google News links to publishers.",
        ),
    },
    "cluster": {
        "redis_url": (
            str,
            "",
            "Redis of a crawl shared by workers (`crawl --cluster`); empty: one process crawls.",
        ),
        "lease_seconds": (
            (int, float),
            15.0,
            "Seconds a page handed to a worker stays its own without a heartbeat, then "
            "another worker gets it.",
        ),
    },
    "revisit": {
        "after": (
            list,
            ["1h", "1d", "7d", "30d"],
            "When a relevant article is fetched again, counted from when it was first archived "
            '(durations: "30m", "1h", "1d", "7d"); [] for no revisits.',
        ),
        "max_per_crawl": (
            int,
            200,
            "At most this many revisits after each scheduled crawl (the most overdue first).",
        ),
        "removal_confirm_after": (
            str,
            "1h",
            "A removal (404, 410, a redirect to the home page, a soft 'not found') is called only "
            "when a second fetch at least this long after the first says so too.",
        ),
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
        "browse_url": (
            str,
            "http://127.0.0.1:8001",
            "Where `culturewatch browse` serves the archive: the HTML digest links each "
            "article to its page there (to label it); empty for no links.",
        ),
    },
}


# Bounds of every numeric setting: dotted key -> (minimum, maximum), checked by
# crawler.config.files.check_number (which also refuses nan, inf and -inf). The minimum is
# "> 0" where zero makes no sense, and every setting has a maximum, well above any sane
# value: durations within a crawl or a run at most a day (86400 s), durations across
# crawls at most 30 days, days at most 100 years (36500), counts at most 10^7.
# page_attempts <= 20 and page_retry_spacing <= 1 day keep the doubling wait
# (spacing * 2 ** (attempts - 2)) inside the dates Python can hold.
_DAY = 86400
SETTINGS_BOUNDS: dict[str, Bounds] = {
    "politeness.download_delay": (0, _DAY),
    "politeness.robots_txt_max_age": (0, 30 * _DAY),
    "politeness.concurrent_requests": (1, 1000),
    "politeness.concurrent_requests_per_domain": (1, 1000),
    "politeness.autothrottle_target_concurrency": ("> 0", 1000),
    "politeness.timeout": ("> 0", _DAY),
    "politeness.retry_times": (0, 100),
    "politeness.retry_backoff_base": (0, _DAY),
    "politeness.retry_backoff_max": (0, _DAY),
    "politeness.max_response_size": (1024, 1024**3),
    "warc_file_max_mb": (1, 10**6),
    "retention_days": (0, 36500),
    "crawl.max_items_per_source": (1, 10**7),
    "crawl.page_attempts": (1, 20),
    "crawl.page_retry_spacing": (0, _DAY),
    "crawl.write_retry_seconds": (0, _DAY),
    "crawl.extract_workers": (0, 64),
    "crawl.extract_timeout": ("> 0", _DAY),
    "relevance.threshold": (0, 1),
    "digest.max_age_days": (0, 36500),
    "flags.failed_crawls": (1, 10**7),
    "flags.quiet_days": (1, 36500),
    "google_news.resolve_delay": (0, _DAY),
    "cluster.lease_seconds": (1, _DAY),
    "revisit.max_per_crawl": (0, 10**7),
}

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": _DAY, "w": 7 * _DAY}
_DURATION = re.compile(r"(\d+)\s*([smhdw])")


def parse_duration(value: object, *, where: object = "settings", key: str = "duration") -> int:
    """Seconds of a duration such as ``"30m"``, ``"1h"``, ``"7d"`` or ``"2w"`` (at most a
    year); a ConfigError line naming *where* and *key* otherwise."""
    found = _DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
    seconds = int(found[1]) * _UNITS[found[2]] if found else 0
    if not found or seconds <= 0 or seconds > 366 * _DAY:
        raise ConfigError(
            f'{where}: \'{key}\' must be durations such as "1h", "1d" or "7d" '
            f"(s, m, h, d, w; at most a year), not {value!r}"
        )
    return seconds


# Settings that take one of a few words.
SETTINGS_CHOICES: dict[str, tuple[str, ...]] = {"digest.day": ("previous", "today")}


def _check_value(where: object, dotted: str, value: Any) -> None:
    """Choices, time zones and cron expressions (numbers: SETTINGS_BOUNDS, in _flatten)."""
    if dotted in SETTINGS_CHOICES and value not in SETTINGS_CHOICES[dotted]:
        words = " or ".join(f'"{c}"' for c in SETTINGS_CHOICES[dotted])
        raise ConfigError(f"{where}: '{dotted}' must be {words}, not {value!r}")
    if dotted == "revisit.after":
        seconds = [parse_duration(item, where=where, key=dotted) for item in value]
        if seconds != sorted(seconds):
            raise ConfigError(f"{where}: '{dotted}' must go from the earliest to the latest")
    if dotted == "revisit.removal_confirm_after":
        parse_duration(value, where=where, key=dotted)
    if dotted in ("schedule.crawl", "schedule.digest"):
        # checked for every command, not only by `schedule`
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
                raise ConfigError(f"{where}: '{dotted}' must be {type_name(typ)}, not {value!r}")
            check_numeric(where, dotted, typ, value, SETTINGS_BOUNDS)
            _check_value(where, dotted, value)
            values[dotted] = value
    return values


def _types(typ: type | tuple[type, ...]) -> tuple[type, ...]:
    return typ if isinstance(typ, tuple) else (typ,)


def type_name(typ: type | tuple[type, ...]) -> str:
    names = {
        int: "a whole number",
        float: "a number",
        str: "a string",
        bool: "true or false",
        list: "a list",
    }
    types = _types(typ)
    if float in types:
        return "a number"
    return " or ".join(names.get(t, t.__name__) for t in types)


def load_settings(directory: str | os.PathLike | None = None) -> Settings:
    """Read ``settings.toml`` from the config directory; a missing file means all defaults."""
    path = config_dir(directory) / "settings.toml"
    raw = parse_toml(path, read_text(path, missing_ok=True))
    return Settings(_flatten(raw, path), path)
