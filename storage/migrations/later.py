"""The archive's migrations from m016 on, in order (:mod:`storage.migrations` has the rules)."""

from __future__ import annotations

import sqlite_utils

from storage.migrations.registry import migrations


@migrations()
def m017_saved_alerts_and_mutes(db: sqlite_utils.Database) -> None:
    # Alerts saved from the web pages (storage/saved_alerts.py), run beside those of
    # alerts.toml, and mutes: a source or a term hidden from the front page, the digest
    # and the alerts.
    db.table("saved_alerts").create(
        {
            "name": str, "query": str, "frequency": str, "email": str, "webhook": str,
            "created_by": str, "created_at": str,
        },
        pk="name", not_null={"query", "frequency", "created_at"}, if_not_exists=True,
    )  # fmt: skip
    db.table("mutes").create(
        {"id": int, "kind": str, "value": str, "created_by": str, "created_at": str},
        pk="id", not_null={"kind", "value", "created_at"}, if_not_exists=True,
    )  # fmt: skip
    db.table("mutes").create_index(["kind", "value"], unique=True, if_not_exists=True)
