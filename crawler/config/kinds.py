"""The source kinds a sources file may name: each kind's name, the module of its spider and
whether it searches many outlets (a discovery kind needs a ``query`` or a ``theme``).

Declared here, as data, so the sources loader checks a ``kind`` without importing the kinds
(:mod:`crawler.kinds` imports this, never the other way round). Adding a kind is one module
in ``crawler/kinds/`` and one line in ``KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DISCOVERY_NAMES", "KIND_NAMES", "KINDS", "Kind"]


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
