"""The alerts saved from the web pages (the archive's ``saved_alerts``) beside alerts.toml's.

:func:`with_saved_alerts` adds to an :class:`AlertsConfig` the alerts saved in the archive
(:mod:`storage.saved_alerts`), checked as alerts.toml's are (:func:`check_alert`; they
write no feed). On a name clash **alerts.toml wins**: the saved alert is left out, with one
warning line; so is a saved alert that is no longer valid (its search no longer reads with
the themes' names, or it mails but alerts.toml has no ``[smtp]``: then one with a webhook
too keeps its webhook alone, with a warning line).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from crawler.config.alerts import AlertsConfig, check_alert
from crawler.config.files import ConfigError
from storage.concepts import Concepts
from storage.connection import reading
from storage.saved_alerts import saved_alerts

__all__ = ["with_saved_alerts"]


def with_saved_alerts(
    config: AlertsConfig, db: Path, concepts: Concepts
) -> tuple[AlertsConfig, tuple[str, ...]]:
    """*config* with the alerts saved in the archive *db* (none when it does not exist), and
    the warnings (one line each) about the saved alerts left out."""
    if not db.exists():
        return config, ()
    with reading(db) as database:
        saved = saved_alerts(database.conn)
    names = {a.name for a in config.alerts}
    alerts, warnings = list(config.alerts), []
    for row in saved:
        where = f"{db}: saved alert '{row.name}'"
        if row.name in names:
            warnings.append(
                f"warning: {where} is left out: {config.path} has an alert of that name, which wins"
            )
            continue
        entry = {
            "name": row.name, "query": row.query, "frequency": row.frequency,
            "email": [row.email] if row.email else [], "feed": False,
            **({"webhook": row.webhook} if row.webhook else {}),
        }  # fmt: skip
        try:
            alert = check_alert(entry, where, concepts)
        except ConfigError as exc:
            warnings.append(f"warning: left out: {exc}")
            continue
        if alert.email and config.smtp is None:
            if not alert.webhook:
                warnings.append(f"warning: {where} is left out: it mails, but there is no [smtp]")
                continue
            warnings.append(f"warning: {where} posts to its webhook only: there is no [smtp]")
            alert = replace(alert, email=())
        alerts.append(alert)
    return replace(config, alerts=tuple(alerts)), tuple(warnings)
