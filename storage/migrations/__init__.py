"""The archive's migrations, in order: ``sqlite_utils`` migrations of the set ``culturewatch``.

Each is recorded by its function name in ``_sqlite_migrations``, so archives in the field
depend on the names and the order: never rename, reorder or change one, add the next
instead, in :mod:`storage.migrations.later`. :mod:`storage.schema` applies them
(``migrate``, ``bring_up_to_date``).
"""

from __future__ import annotations

# Registration order is the order migrations run in: first, then later.
from storage.migrations import first, later  # noqa: F401  (they register themselves)
from storage.migrations.registry import ARTICLE_COLUMNS, migrations

__all__ = ["ARTICLE_COLUMNS", "migrations"]
