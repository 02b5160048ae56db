"""What the archive keeps of an extracted page (:class:`Article`), and the feed's or
sitemap's metadata filling its gaps (:func:`merge_hints`).

No trafilatura here: the crawl's process imports this, the extraction workers
(:mod:`pipelines.workers.pool`) import :mod:`pipelines.extraction.extract`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

from pipelines.extraction.authors import split_authors
from pipelines.extraction.dates import valid_date
from storage.captures import Records
from storage.formats import to_utc_iso
from storage.scripts import HAN_CHAR

__all__ = ["Article", "MIN_WORDS", "merge_hints", "word_count"]

_NOT_COLUMNS = ("signature", "semantic", "text_print", "words", "records")

# Fewer words than this is a menu, a paywall stub or an error page, not an article.
MIN_WORDS = 20


@dataclass
class Article:
    """What the archive keeps of a page (contract columns and metadata)."""

    url: str
    title: str | None = None
    text: str = ""
    author: str | None = None  # the authors joined with "; "
    published_at: str | None = None
    authors: list[str] = field(default_factory=list)
    date_source: str | None = None  # jsonld, meta, time, url, feed or htmldate (extraction.dates)
    feed_published_at: str | None = None  # the feed's or news sitemap's date, when it gave one
    language: str | None = None
    sitename: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    keywords: list[str] = field(default_factory=list)
    # the story signature of *text* (pipelines.stories.signatures), when an extraction worker computed
    # it already: the crawl's process need not; not a column (the archive stores it apart)
    signature: list[int] | None = field(default=None, repr=False, compare=False)
    # how the article reads against the themes (pipelines.scoring.semantic.Semantic.to_dict()),
    # when the extraction worker measured it (relevance.semantic); not a column: the scorer
    # reads it, and the evidence keeps it where it decided
    semantic: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    # what the extraction worker computed for the archive's writer (pipelines.prepare), so
    # that the writer only appends bytes and inserts rows; None: the writer computes it
    text_print: str | None = field(default=None, repr=False, compare=False)  # fingerprint(text)
    words: int | None = field(default=None, repr=False, compare=False)  # word_count(text)
    records: Records | None = field(default=None, repr=False, compare=False)  # WARC records

    def __post_init__(self) -> None:
        if isinstance(self.records, dict):  # as a stream of JSON carries it (the cluster's)
            self.records = Records(**self.records)

    @property
    def word_count(self) -> int:
        return word_count(self.text) if self.words is None else self.words

    def to_record(self) -> dict[str, Any]:
        # shallow (asdict copies deeply, the signature's 128 numbers included); the lists are
        # the article's own, which the archive only reads (it stores them as JSON)
        record = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_COLUMNS}
        record["word_count"] = self.word_count
        return record


def word_count(text: str) -> int:
    # a Han character carries about as much as a short word
    return len(re.findall(r"[^\W\d_]+", HAN_CHAR.sub(" ", text))) + len(HAN_CHAR.findall(text))


def merge_hints(article: Article, hints: dict[str, Any]) -> Article:
    """Fill what the page lacks from feed or sitemap metadata (*hints*).

    Hints: ``title``, ``published_at``, ``author``, ``tags``, ``keywords``, ``language``,
    ``image``, ``description``. The hint's date is kept in ``feed_published_at``; it becomes
    ``published_at`` (``date_source`` ``feed``) when the page has no date of its own or only
    htmldate's guess, and a hint's full timestamp replaces a page date of the same day.
    """
    changes: dict[str, Any] = {}
    for key in ("title", "author", "language", "image", "description"):
        if not getattr(article, key) and hints.get(key):
            changes[key] = hints[key]
    if not article.authors and hints.get("author"):
        changes["authors"] = split_authors(str(hints["author"]))
        changes["author"] = "; ".join(changes["authors"]) or None
    hinted = valid_date(to_utc_iso(hints.get("published_at")))
    page = article.published_at
    if hinted:
        changes["feed_published_at"] = hinted
        weak = not page or article.date_source == "htmldate"
        if weak or (len(page or "") == 10 and hinted.startswith(page or "")):
            changes["published_at"] = hinted
            changes["date_source"] = "feed"
    if hints.get("tags"):
        changes["tags"] = list(dict.fromkeys([*article.tags, *hints["tags"]]))
    if hints.get("keywords"):
        changes["keywords"] = list(dict.fromkeys([*article.keywords, *hints["keywords"]]))
    return replace(article, **changes) if changes else article
