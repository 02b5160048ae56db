"""The one check of the keys of a table in the themes data (``themes.toml``, ``glossary.toml``):
a key that is not one of the known ones (a typo: ``contxt``, ``treshold``) is one line naming
the file and the dotted key, what is expected, and the closest known key when one is close.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence

__all__ = ["check_keys"]

_BARE = re.compile(r"[A-Za-z0-9_-]+")  # a TOML bare key; any other is written quoted


def check_keys(
    keys: Iterable[str],
    known: Sequence[str],
    where: str,
    fail: Callable[[str, str], Exception],
    *,
    what: str = "key",
    expected: str = "",
) -> None:
    """Raise ``fail(dotted key, problem)`` for the first of *keys* not in *known*.

    *where* is the dotted key of the table (empty at the top of the file); *what* names a
    key in the message ("theme"); *expected* describes the known keys (default: listed).
    """
    for key in keys:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        bare = _BARE.fullmatch(key) is not None
        dotted = (f"{where}." if where else "") + (key if bare else f'"{key}"')
        listed = expected or ", ".join(known)
        raise fail(dotted, f"is not a known {what} (expected {listed}){hint}")
