"""What a run of the alerts works from: ``alerts.toml``, the saved alerts, the settings.

:class:`AlertsPlan` is read from the configuration directory (raising
:class:`crawler.config.ConfigError` on a broken file): the alerts of ``alerts.toml`` and the
ones saved in the archive (:mod:`crawler.config.saved_alerts`), their queries parsed with the
themes' aliases (:func:`theme_concepts`), where feeds go, the digest's time zone and theme
labels; the scheduler adds the run's deadline and stop request.
:mod:`crawler.outputs.alert_runs` runs the alerts of a plan.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from crawler.config import ConfigError, config_dir, default_db_path, load_settings, load_themes
from crawler.config.alerts import Alert, AlertsConfig, load_alerts
from crawler.config.saved_alerts import with_saved_alerts
from pipelines.scoring.themes import Themes
from storage.concepts import Concepts

__all__ = ["ALERTS_FILE", "AlertsPlan", "theme_concepts"]

ALERTS_FILE = "alerts.toml"


def theme_concepts(themes: Themes) -> Concepts:
    """The alias groups of every concept of the themes, as written (for the query parser)."""
    return Concepts(themes.alias_groups)


@dataclass(frozen=True)
class AlertsPlan:
    """The alerts and everything they need, read from the configuration."""

    config: AlertsConfig
    db: Path
    tz: ZoneInfo
    labels: dict[str, str]
    feeds: Path
    user_agent: str
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    stop: threading.Event | None = None  # set: no delivery starts, one under way is abandoned
    until: float | None = None  # monotonic time: the run's deadline (None: each attempt's only)
    warnings: tuple[str, ...] = ()  # saved alerts left out (crawler.config.saved_alerts)
    health_page: str | None = None  # the source-health query's URL (digest.browse_url)

    def halted(self) -> str:
        """Why no delivery may start now ("" when one may)."""
        if self.stop is not None and self.stop.is_set():
            return "not run: the scheduler is stopping"
        if self.until is not None and time.monotonic() >= self.until:
            return "not run: the job's deadline passed"
        return ""

    @classmethod
    def from_config(
        cls, *, config_dir_path: Path | None = None, db: Path | None = None
    ) -> AlertsPlan:
        """Settings, themes and ``alerts.toml`` of the configuration directory (ConfigError)."""
        from crawler.outputs.digests import digest_timezone, health_page, theme_labels

        directory = config_dir(config_dir_path)
        settings = load_settings(directory)
        themes = load_themes(directory / "themes.toml")
        concepts = theme_concepts(themes)
        db = Path(db) if db else default_db_path(settings)
        config, warnings = with_saved_alerts(
            load_alerts(directory / ALERTS_FILE, concepts), db, concepts
        )
        return cls(
            config=config,
            db=db,
            warnings=warnings,
            tz=digest_timezone(settings),
            labels=theme_labels(directory),
            feeds=config.feeds or Path(settings["digest.out"]) / "alerts",
            user_agent=settings.user_agent,
            health_page=health_page(settings),
        )

    def chosen(self, names: Sequence[str] = (), frequency: str | None = None) -> list[Alert]:
        """The alerts called *names* (all when none) of *frequency* (any when None)."""
        for name in names:
            if self.config.named(name) is None:
                known = ", ".join(a.name for a in self.config.alerts) or "none"
                raise ConfigError(f"{self.config.path}: no alert named '{name}' (alerts: {known})")
        return [
            a
            for a in self.config.alerts
            if (not names or a.name in names) and (frequency is None or a.frequency == frequency)
        ]
