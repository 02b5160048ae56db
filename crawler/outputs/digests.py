"""The digest as the application writes it: configuration read here, plain values passed down.

:mod:`storage.outputs` knows nothing of the configuration; this module reads the settings
(``schedule.timezone``, ``digest.max_age_days``, ``digest.out``) and the theme labels of
``themes.toml`` and hands them to :func:`storage.outputs.write_digest`.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.config import ConfigError, Settings, default_db_path, load_settings, load_themes
from crawler.config import config_dir as config_dir_of
from crawler.sources.state import flag_rule
from pipelines.scoring.themes import THEME_KEYS
from storage.failing import HEALTH_QUERY
from storage.outputs import Digest, default_labels, write_digest
from storage.web.loopback import is_loopback

__all__ = [
    "article_pages",
    "browse_port",
    "digest_from_config",
    "digest_timezone",
    "health_page",
    "theme_labels",
]


def digest_timezone(settings: Settings) -> ZoneInfo:
    """The ``schedule.timezone`` setting (validated when the settings were loaded)."""
    return ZoneInfo(settings["schedule.timezone"])


def article_pages(settings: Settings) -> str | None:
    """Where `culturewatch browse` serves the articles' pages (``digest.browse_url``), for
    the digest's links back to them; None when the setting is empty."""
    from storage.web.serve import DATABASE_NAME

    base = str(settings["digest.browse_url"]).strip().rstrip("/")
    return f"{base}/{DATABASE_NAME}/articles" if base else None


def browse_port(settings: Settings, default: int) -> int:
    """The port ``culturewatch browse`` listens on without ``--port``: the one of
    ``digest.browse_url`` when that URL is on this machine (127.0.0.1, localhost, ::1), so
    that the digest's "label it" links reach it; else *default*."""
    base = str(settings["digest.browse_url"]).strip()
    try:
        url = urlsplit(base)
        port = url.port
    except ValueError:
        return default
    if port is None or not url.hostname or not is_loopback(url.hostname):
        return default
    return port


def health_page(settings: Settings) -> str | None:
    """The source-health query where `culturewatch browse` serves it (``digest.browse_url``),
    for the digest's and the alerts' word on failing sources; None when the setting is empty."""
    from storage.web.serve import DATABASE_NAME

    base = str(settings["digest.browse_url"]).strip().rstrip("/")
    return f"{base}/{DATABASE_NAME}/{HEALTH_QUERY}" if base else None


def theme_labels(config_dir: str | os.PathLike | None) -> dict[str, str]:
    """Theme key -> label, in the scorer's order, from ``themes.toml`` when it loads, else
    from the keys.

    The digest only needs the labels, so a themes file that does not load (it would stop
    a crawl) does not stop a digest: the keys stand in.
    """
    labels = default_labels(THEME_KEYS)
    if config_dir is None:
        return labels
    try:
        themes = load_themes(Path(config_dir) / "themes.toml")
    except ConfigError:
        return labels
    labels.update({theme.key: theme.label for theme in themes.themes})
    return labels


def digest_from_config(
    *,
    config_dir: str | os.PathLike | None = None,
    db: str | os.PathLike | None = None,
    day: date | None = None,
    out: str | os.PathLike | None = None,
) -> tuple[Digest, list[Path]]:
    """What ``culturewatch digest`` does: settings and themes, then :func:`write_digest`.

    *day* defaults to today in ``schedule.timezone``. Raises ConfigError or DigestError.
    """
    directory = config_dir_of(config_dir)
    settings = load_settings(directory)
    tz = digest_timezone(settings)
    max_age = settings["digest.max_age_days"]
    if max_age < 0:
        raise ConfigError(f"{settings.path}: 'digest.max_age_days' must be 0 or more")
    return write_digest(
        Path(db) if db else default_db_path(settings),
        day or datetime.now(tz).date(),
        Path(out) if out else Path(settings["digest.out"]),
        tz=tz,
        max_age_days=max_age,
        labels=theme_labels(directory),
        article_pages=article_pages(settings),
        flags=flag_rule(settings),
        health_page=health_page(settings),
    )
