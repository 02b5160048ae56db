"""The archive: SQLite through sqlite-utils.

sqlite-utils, on import, loads numpy and pandas when they are installed, only to map their
scalar types to column types. The archive never writes a numpy or pandas value, and
numpy is installed here (datasketch needs it, in the extraction workers): loaded in the
crawl's process it would cost ~11 MiB for nothing (pandas, where a user has it, ~50 MiB).
So the first import of sqlite-utils, which this package makes before any of its modules
runs, is done with those two hidden; a later ``import numpy`` anywhere works as usual.
"""

from __future__ import annotations

import sys


def _import_sqlite_utils() -> None:
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


_import_sqlite_utils()
