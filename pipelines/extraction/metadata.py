"""An article's metadata from the page's own evidence: headline, publication date, authors.

Pure functions over a parsed page (an lxml tree), general rules only (nothing per
publisher); each job in its module:

- **title**: :mod:`pipelines.extraction.titles` (the site's names:
  :mod:`pipelines.extraction.sitenames`);
- **date** (``date_source``): :mod:`pipelines.extraction.dates`;
- **authors**: the evidence and the choice, :mod:`pipelines.extraction.bylines`; the names,
  :mod:`pipelines.extraction.authors`;
- the words they look for: :mod:`pipelines.extraction.vocabulary`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipelines.extraction import bylines
from pipelines.extraction.authors import split_authors
from pipelines.extraction.dates import published_date, valid_date
from pipelines.extraction.jsonld import jsonld_objects
from pipelines.extraction.sitenames import names_site, site_names
from pipelines.extraction.titles import best_title, strip_site_affixes

__all__ = [
    "PageMetadata",
    "choose_authors",
    "page_metadata",
    "published_date",
    "split_authors",
    "strip_site_affixes",
    "valid_date",
]

_DOMAIN = re.compile(r"(?:^|[\s(])(?:www\.)?[\w-]+\.[a-z]{2,}(?:[/\s)]|$)", re.I)


@dataclass
class PageMetadata:
    title: str | None = None
    published_at: str | None = None
    date_source: str | None = None
    authors: list[str] = field(default_factory=list)  # JSON-LD's
    site_names: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # JSON-LD authors that are CMS accounts
    tree: Any = field(default=None, repr=False, compare=False)  # the page, for its bylines
    _evidence: list[tuple[str, list[str]]] | None = field(default=None, repr=False)

    @property
    def evidence(self) -> list[tuple[str, list[str]]]:
        """The page's evidence of its authors after JSON-LD (:func:`bylines.page_evidence`),
        read when first asked for (most pages name their authors in JSON-LD)."""
        if self._evidence is None:
            self._evidence = bylines.page_evidence(self.tree) if self.tree is not None else []
        return self._evidence

    def not_person(self, name: str) -> bool:
        """*name* is the site (its name, its domain) or a CMS account, not a person."""
        return bool(
            names_site(name, self.site_names) or name in self.accounts or _DOMAIN.search(name)
        )


def choose_authors(meta: PageMetadata, found: str | None, text: str | None = None) -> list[str]:
    """The authors of the page: its evidence (JSON-LD first; trafilatura's byline *found*,
    ``"A; B"``, after the page's byline elements) chosen as :mod:`bylines` says; the body
    *text*'s first lines give the byline when the evidence names only the site."""

    def evidence() -> Iterator[tuple[str, list[str]]]:
        yield "jsonld", meta.authors
        guessed = False
        for kind, texts in meta.evidence:  # read only when JSON-LD names no one
            if kind in ("label", "link") and not guessed:
                guessed = True
                yield "trafilatura", [found] if found else []
            yield kind, texts
        if not guessed:
            yield "trafilatura", [found] if found else []

    return bylines.choose_authors(evidence(), meta.not_person, text)


def page_metadata(tree: Any, url: str) -> PageMetadata:
    """The title, publication date (and its evidence) and authors of the page *tree*."""
    objects = jsonld_objects(tree)
    names = site_names(tree, objects, url)
    published, source = published_date(tree, objects, url)
    return PageMetadata(
        title=best_title(tree, objects, names),
        published_at=published,
        date_source=source,
        authors=bylines.ld_authors(objects),
        site_names=names,
        accounts=bylines.ld_accounts(objects),
        tree=tree,
    )
