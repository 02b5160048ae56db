"""Source kinds: the registry.

One module per kind holds its spider (``SPIDER``) and what ``sources check`` needs to
know about it (``check_url``, ``check_meta``, ``describe``). Adding a kind is one module
and one line in ``KINDS``. The registry itself (each kind's name, module and
whether it is a discovery kind) is data in :mod:`crawler.config.kinds`, which the sources
loader validates a source's ``kind`` against; this module imports neither Scrapy nor the kind
modules: a kind's module is imported only when it is used (``load``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, cast

from crawler.config.kinds import DISCOVERY_NAMES, KIND_NAMES, KINDS, Kind

if TYPE_CHECKING:
    from crawler.config import Source

__all__ = [
    "DISCOVERY_NAMES",
    "KIND_NAMES",
    "KINDS",
    "Kind",
    "KindModule",
    "Listing",
    "ListingUnusable",
    "load",
    "spider_classes",
]


@dataclass(frozen=True)
class Listing:
    """What ``sources check`` found in a fetched listing."""

    format: str
    items: int
    detail: str = ""


class ListingUnusable(Exception):
    """A fetched listing the kind cannot use, for a reason that fits in one line as is."""


class KindModule(Protocol):
    """What a kind's module provides."""

    SPIDER: type  # a crawler.kinds.base.SourceSpider

    def check_url(self, source: Source, themes: Any) -> str:
        """The URL ``sources check`` fetches for *source*."""
        ...

    def check_meta(self, source: Source) -> dict[str, Any]:
        """Request meta of the check's request (a download slot of its own, ...)."""
        ...

    def describe(self, body: bytes, url: str, content_type: str, max_size: int) -> Listing:
        """The format and item count of a fetched listing, read with the crawl's parsers."""
        ...


def load(kind: str) -> KindModule:
    """The module of *kind* (KeyError for an unknown kind)."""
    module: ModuleType = importlib.import_module(KINDS[kind].module)
    return cast("KindModule", module)


def spider_classes() -> dict[str, type]:
    """Kind name -> spider class, for every registered kind."""
    return {name: load(name).SPIDER for name in KINDS}
