"""Datasette's plugin hook marker, typed.

``datasette.hookimpl`` is pluggy's marker, which carries no annotations: every hook it marks
would be untyped for mypy. :func:`hookimpl` marks the same way and keeps the hook's type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from datasette import hookimpl as _datasette_hookimpl

__all__ = ["hookimpl"]

Hook = TypeVar("Hook", bound=Callable[..., Any])


def hookimpl(*, trylast: bool = False) -> Callable[[Hook], Hook]:
    """Mark a function as a Datasette hook (``trylast``: called after the others)."""

    def mark(function: Hook) -> Hook:
        return cast(Hook, _datasette_hookimpl(function, trylast=trylast))

    return mark
