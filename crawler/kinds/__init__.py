"""Source kinds: the registry.

One module per kind holds its spider (``SPIDER``) and what ``sources check`` needs to
know about it (``check_url``, ``check_meta``, ``describe``). Adding a kind is one module
and one line in ``KINDS``. This module imports neither Scrapy nor the kind modules:
``crawler.config`` validates a source's ``kind`` against ``KIND_NAMES`` at load time, and
a kind's module is imported only when it is used (``load``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, cast

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
class Kind:
    """A registry entry: the kind's name, its module, and whether it searches many outlets
    (a discovery kind needs a ``query`` or a ``theme``)."""

    name: str
    module: str
    discovery: bool = False


# kind name -> entry; the order is the order of the crawl's spiders
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("feed", "crawler.kinds.feed"),
        Kind("sitemap", "crawler.kinds.sitemap"),
        Kind("site", "crawler.kinds.site"),
        Kind("gdelt", "crawler.kinds.gdelt", discovery=True),
        Kind("google_news", "crawler.kinds.google_news", discovery=True),
    )
}
KIND_NAMES: tuple[str, ...] = tuple(KINDS)
DISCOVERY_NAMES: tuple[str, ...] = tuple(k.name for k in KINDS.values() if k.discovery)


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
