"""``alerts.toml``: saved searches that reach people, checked into :class:`AlertsConfig`.

An ``[smtp]`` table (the mail server; the login comes from environment variables it names),
``[delivery]`` (webhook timeout and retries, where the Atom feeds go, how far back a new
alert looks), ``[schedule]`` (when ``daily`` and ``weekly`` alerts run) and ``[[alerts]]``
tables. Every key is declared once, as data, with its help (:data:`ALERT_FIELDS`,
:data:`SMTP_FIELDS`, ...); every problem is one :class:`ConfigError` line naming the file
and the line or key. A missing file means no alerts.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.config.files import Bounds, ConfigError, check_numeric, parse_toml, read_text
from crawler.config.settings import type_name
from pipelines.scoring.themes import THEME_KEYS
from storage.concepts import ConceptQueryError, Concepts, concept_query
from storage.groups import SOURCE_GROUPS
from storage.versions import CHANGE_KINDS

__all__ = [
    "ALERTS_BOUNDS",
    "ALERT_FIELDS",
    "DELIVERY_FIELDS",
    "FREQUENCIES",
    "SCHEDULE_FIELDS",
    "SMTP_FIELDS",
    "Alert",
    "AlertsConfig",
    "Smtp",
    "check_alert",
    "load_alerts",
    "webhook_label",
]

FREQUENCIES = ("after_crawl", "daily", "weekly")
SECURITY = ("none", "starttls", "tls")
WEBHOOK_FORMATS = ("json", "slack")
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}

Fields = dict[str, tuple[type | tuple[type, ...], bool, Any, str]]

# key -> (type, required, default, help), as the shipped config/alerts.toml explains them
SMTP_FIELDS: Fields = {
    "host": (str, True, None, "Mail server (SMTP) host name."),
    "port": (int, False, None, "Port (default 25, 587 with starttls, 465 with tls)."),
    "from": (str, True, None, 'Sender address, e.g. "culturewatch <alerts@example.org>".'),
    "security": (str, False, "starttls", "none, starttls (upgrade after connecting) or tls."),
    "user_env": (str, False, None, "NAME of the environment variable holding the login."),
    "password_env": (str, False, None, "NAME of the environment variable holding the password."),
    "ca_file": (str, False, None, "PEM file of the certificate authorities to trust."),
    "timeout": ((int, float), False, 30, "Seconds before the connection is abandoned."),
}
DELIVERY_FIELDS: Fields = {
    "timeout": ((int, float), False, 10, "Seconds a webhook may take to answer."),
    "retries": (int, False, 3, "Retries of a webhook after a 5xx, a 429 or a network error."),
    "backoff": ((int, float), False, 2.0, "First retry waits this many seconds, doubling."),
    "feeds": (str, False, None, "Directory of the Atom feeds (default: alerts/ in digest.out)."),
    "lookback_days": (int, False, 7, "Only articles first archived this many days back or less."),
}
SCHEDULE_FIELDS: Fields = {
    "daily": (str, False, "0 7 * * *", "Cron expression of the daily alerts."),
    "weekly": (str, False, "0 7 * * 1", "Cron expression of the weekly alerts."),
}
ALERT_FIELDS: Fields = {
    "name": (str, True, None, "Unique key of the alert (letters, digits, - and _)."),
    "query": (str, True, None, 'The search: terms in any language, OR/AND/NOT, "phrases".'),
    "frequency": (str, True, None, "after_crawl (after every crawl), daily or weekly."),
    "themes": (list, False, [], "Only articles on one of these themes (keys)."),
    "min_relevance": ((int, float), False, 0.0, "Only articles at least this relevant (0..1)."),
    "languages": (list, False, [], 'Only articles in these languages ("en", "zh").'),
    "groups": (list, False, [], "Only articles of sources in these groups (sources.toml)."),
    "email": (list, False, [], "Addresses to mail (one message each; needs [smtp])."),
    "webhook": (str, False, None, "URL to POST the new stories to."),
    "webhook_format": (str, False, "json", "json (a generic body) or slack."),
    "feed": (bool, False, True, "Write the alert's Atom feed (the pull option)."),
    "changes": (
        list,
        False,
        [],
        "Watch changes instead of new articles: articles a revisit saw changed in one of "
        "these ways (removed, restored, headline, body, byline, date).",
    ),
}

# Bounds of every number (key as in messages -> (minimum, maximum)), checked with nan,
# inf and -inf by crawler.config.files.check_number: seconds at most a day, days at most
# 100 years, retries at most 100.
_DAY = 86400
ALERTS_BOUNDS: dict[str, Bounds] = {
    "smtp.port": (1, 65535),
    "smtp.timeout": ("> 0", _DAY),
    "delivery.timeout": ("> 0", _DAY),
    "delivery.retries": (0, 100),
    "delivery.backoff": (0, _DAY),
    "delivery.lookback_days": ("> 0", 36500),
    "min_relevance": (0, 1),
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}$")


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    security: str = "starttls"
    user_env: str | None = None
    password_env: str | None = None
    ca_file: Path | None = None
    timeout: float = 30


@dataclass(frozen=True)
class Alert:
    name: str
    query: str
    frequency: str
    expression: str  # the FTS5 MATCH expression of articles_search (storage.concepts)
    themes: tuple[str, ...] = ()
    min_relevance: float = 0.0
    languages: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    webhook: str | None = None
    webhook_format: str = "json"
    feed: bool = True
    changes: tuple[
        str, ...
    ] = ()  # watch these kinds of change (storage.versions), not new articles

    @property
    def targets(self) -> tuple[str, ...]:
        """The push deliveries, each recorded on its own: ``email:ADDRESS`` and
        ``webhook:`` with :func:`webhook_label` (a webhook URL is often its own secret)."""
        return tuple(f"email:{a}" for a in self.email) + (
            (f"webhook:{webhook_label(self.webhook)}",) if self.webhook else ()
        )


def webhook_label(url: str) -> str:
    """*url* as the archive, the CLI and error messages show it: scheme, host and port, and a
    hash of the whole URL (``https://hooks.example.org/…3fa9c2d1e0``): a Slack-style webhook's
    path is its password, and the archive is browsable."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]
    return f"{parts.scheme}://{parts.hostname}{port}/…{digest}"


@dataclass(frozen=True)
class AlertsConfig:
    path: Path | None = None
    alerts: tuple[Alert, ...] = ()
    smtp: Smtp | None = None
    timeout: float = 10
    retries: int = 3
    backoff: float = 2.0
    feeds: Path | None = None  # None: alerts/ in the digest directory
    lookback_days: int = 7
    daily: str = "0 7 * * *"
    weekly: str = "0 7 * * 1"

    def of(self, frequency: str) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.frequency == frequency)

    def named(self, name: str) -> Alert | None:
        return next((a for a in self.alerts if a.name == name), None)


def _line(text: str, header: str, index: int = 0) -> int | None:
    """Line number of the *index*-th ``header`` line (``[smtp]``, ``[[alerts]]``)."""
    seen = -1
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(header):
            seen += 1
            if seen == index:
                return number
    return None


def _values(table: Mapping[str, Any], fields: Fields, where: str, prefix: str) -> dict[str, Any]:
    """The keys of *table* checked against *fields* (unknown, missing, wrong type) and
    every number against :data:`ALERTS_BOUNDS`."""
    for key in table:
        if key not in fields:
            raise ConfigError(f"{where}: unknown key '{prefix}{key}'")
    values: dict[str, Any] = {}
    for key, (typ, required, default, _help) in fields.items():
        if key not in table:
            if required:
                raise ConfigError(f"{where}: missing key '{prefix}{key}'")
            values[key] = list(default) if isinstance(default, list) else default
            continue
        value = table[key]
        wrong_bool = isinstance(value, bool) and typ is not bool
        if not isinstance(value, typ) or wrong_bool:
            kind = "a list of strings" if typ is list else type_name(typ)
            raise ConfigError(f"{where}: '{prefix}{key}' must be {kind}, not {value!r}")
        if isinstance(value, list) and not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where}: '{prefix}{key}' must be a list of non-empty strings")
        check_numeric(where, f"{prefix}{key}", typ, value, ALERTS_BOUNDS)
        values[key] = value
    return values


def _address(value: str, where: str, key: str) -> str:
    name, address = parseaddr(value)
    ok = (
        "\n" not in value
        and "\r" not in value
        and re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+", address or "")
    )
    if not ok:
        raise ConfigError(f"{where}: '{key}' {value!r} is not an e-mail address")
    return value.strip()


def _smtp(table: Any, where: str) -> Smtp:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: 'smtp' must be a table ([smtp])")
    v = _values(table, SMTP_FIELDS, where, "smtp.")
    if v["security"] not in SECURITY:
        raise ConfigError(
            f"{where}: 'smtp.security' must be none, starttls or tls, not {v['security']!r}"
        )
    port = v["port"] if v["port"] is not None else _DEFAULT_PORTS[v["security"]]
    if not v["host"].strip() or any(c.isspace() for c in v["host"].strip()):
        raise ConfigError(f"{where}: 'smtp.host' {v['host']!r} is not a host name")
    for key in ("user_env", "password_env"):
        if v[key] is not None and not _ENV_NAME.match(v[key]):
            raise ConfigError(
                f"{where}: 'smtp.{key}' {v[key]!r} must be the NAME of an environment "
                "variable (letters, digits, _), never the login itself"
            )
    if (v["user_env"] is None) != (v["password_env"] is None):
        raise ConfigError(f"{where}: 'smtp.user_env' and 'smtp.password_env' go together")
    return Smtp(
        host=v["host"].strip(),
        port=port,
        sender=_address(v["from"], where, "smtp.from"),
        security=v["security"],
        user_env=v["user_env"],
        password_env=v["password_env"],
        ca_file=Path(v["ca_file"]) if v["ca_file"] else None,
        timeout=v["timeout"],
    )


def check_alert(entry: Any, where: str, concepts: Concepts) -> Alert:
    """One alert from its table (an ``[[alerts]]`` entry, or a saved alert's row) at *where*;
    a ConfigError line says what is wrong."""
    return _alert(entry, where, concepts)


def _alert(entry: Any, where: str, concepts: Concepts) -> Alert:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each alert must be a table ([[alerts]])")
    v = _values(entry, ALERT_FIELDS, where, "")
    name = v["name"].strip()
    if not _NAME.match(name):
        raise ConfigError(f"{where}: 'name' {name!r} must be letters, digits, '-', '_' or '.'")
    if v["frequency"] not in FREQUENCIES:
        raise ConfigError(
            f"{where}: 'frequency' must be after_crawl, daily or weekly, not {v['frequency']!r}"
        )
    if not v["query"].strip():
        raise ConfigError(f"{where}: 'query' is empty")
    try:
        expression = concept_query(v["query"], concepts, strict=True)
    except ConceptQueryError as exc:
        raise ConfigError(f"{where}: 'query' {v['query']!r}: {exc}") from None
    for theme in v["themes"]:
        if theme not in THEME_KEYS:
            raise ConfigError(
                f"{where}: 'themes' has {theme!r}, not a theme (one of: {', '.join(THEME_KEYS)})"
            )
    for language in v["languages"]:
        if not _LANGUAGE.match(language):
            raise ConfigError(
                f"{where}: 'languages' has {language!r}, not a language code (en, zh, ...)"
            )
    for group in v["groups"]:
        if group not in SOURCE_GROUPS:
            raise ConfigError(
                f"{where}: 'groups' has {group!r}, not a source group "
                f"(one of: {', '.join(SOURCE_GROUPS)})"
            )
    for kind in v["changes"]:
        if kind not in CHANGE_KINDS:
            raise ConfigError(
                f"{where}: 'changes' has {kind!r}, not a kind of change "
                f"(one of: {', '.join(CHANGE_KINDS)})"
            )
    emails = tuple(dict.fromkeys(_address(a, where, "email") for a in v["email"]))
    webhook = v["webhook"]
    if webhook is not None:
        parts = urlsplit(webhook.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in webhook.strip():
            raise ConfigError(f"{where}: 'webhook' must be an http:// or https:// URL")
        webhook = webhook.strip()
    if v["webhook_format"] not in WEBHOOK_FORMATS:
        raise ConfigError(
            f"{where}: 'webhook_format' must be json or slack, not {v['webhook_format']!r}"
        )
    if not (emails or webhook or v["feed"]):
        raise ConfigError(f"{where}: alert '{name}' delivers nowhere (email, webhook or feed)")
    return Alert(
        name=name,
        query=v["query"],
        frequency=v["frequency"],
        expression=expression,
        themes=tuple(dict.fromkeys(v["themes"])),
        min_relevance=float(v["min_relevance"]),
        languages=tuple(dict.fromkeys(lang.lower() for lang in v["languages"])),
        groups=tuple(dict.fromkeys(v["groups"])),
        email=emails,
        webhook=webhook,
        webhook_format=v["webhook_format"],
        feed=v["feed"],
        changes=tuple(dict.fromkeys(v["changes"])),
    )


def load_alerts(path: str | os.PathLike, concepts: Concepts | None = None) -> AlertsConfig:
    """Read and check ``alerts.toml``; a missing file is no alerts.

    *concepts* are the alias groups of the themes
    (``crawler.outputs.alerts_plan.theme_concepts``): a query is read with them, and a query
    that cannot be read as written is refused here.
    """
    from crawler.config.cron import cron_trigger

    path = Path(path)
    text = read_text(path, missing_ok=True)
    raw = parse_toml(path, text)
    concepts = concepts or Concepts()
    known = ("smtp", "delivery", "schedule", "alerts")
    for key in raw:
        if key not in known:
            raise ConfigError(
                f"{path}: unknown key '{key}' (expected [smtp], [delivery], [schedule], [[alerts]])"
            )
    smtp = None
    if "smtp" in raw:
        smtp = _smtp(raw["smtp"], f"{path}:{_line(text, '[smtp]') or 1}")
    tables: dict[str, dict[str, Any]] = {}
    for key, fields in (("delivery", DELIVERY_FIELDS), ("schedule", SCHEDULE_FIELDS)):
        where = f"{path}:{_line(text, f'[{key}]') or 1}"
        if not isinstance(raw.get(key, {}), dict):
            raise ConfigError(f"{where}: '{key}' must be a table ([{key}])")
        tables[key] = _values(raw.get(key, {}), fields, where, f"{key}.")
    delivery, schedule = tables["delivery"], tables["schedule"]
    for key in ("daily", "weekly"):
        cron_trigger(schedule[key], ZoneInfo("UTC"), key=f"schedule.{key}", where=path)
    entries = raw.get("alerts", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'alerts' must be an array of tables ([[alerts]])")
    alerts: list[Alert] = []
    for index, entry in enumerate(entries):
        line = _line(text, "[[alerts]]", index)
        where = f"{path}:{line}" if line else f"{path}: alerts[{index}]"
        alert = _alert(entry, where, concepts)
        if any(a.name == alert.name for a in alerts):
            raise ConfigError(f"{where}: duplicate name '{alert.name}'")
        if alert.email and smtp is None:
            raise ConfigError(f"{where}: alert '{alert.name}' has 'email' but there is no [smtp]")
        alerts.append(alert)
    return AlertsConfig(
        path=path,
        alerts=tuple(alerts),
        smtp=smtp,
        timeout=delivery["timeout"],
        retries=delivery["retries"],
        backoff=delivery["backoff"],
        feeds=Path(delivery["feeds"]) if delivery["feeds"] else None,
        lookback_days=delivery["lookback_days"],
        daily=schedule["daily"],
        weekly=schedule["weekly"],
    )
