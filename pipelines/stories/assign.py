"""Stories: the copies of one text across outlets, grouped as they are archived.

The assignment is on one floor. Here, what needs no archive: the article's signature and
its band hashes (:mod:`pipelines.stories.signatures`), and with the setting
``stories.cross_language`` its cross-language keys (:mod:`pipelines.stories.crosslang`),
with the measures that compare them (the Jaccard estimate of two signatures, the overlap
of two key sets; pure functions, handed over as they are). Then one call,
``storage.stories.place_article``, does the archive's part: the candidates sharing a band,
each verified against ``THRESHOLD``, the signature, bands and keys stored, the story of the
best candidate joined (else a story of one) and the story rows refreshed.

Why ``THRESHOLD`` 0.5: it keeps same-topic articles apart (their estimated J stays under
0.15 on the labelled set, tests/quality/eval_stories.py) while edited copies sit at 0.59
or more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipelines.stories.crosslang import CrossLanguage, overlap
from pipelines.stories.signatures import (
    Signature,
    band_hashes,
    jaccard,
    pack,
    signature,
    unpack,
)
from storage import stories as store
from storage.scripts import has_han, primary_language

if TYPE_CHECKING:
    from storage.archive import Archive

__all__ = [
    "THRESHOLD",
    "Brief",
    "assign_story",
    "rebuild_stories",
]

THRESHOLD = 0.5

Brief = tuple[str, str | None]  # (title, language) of an archived article, as stored


def assign_story(
    archive: Archive,
    article_id: int,
    text: str,
    *,
    threshold: float = THRESHOLD,
    cross: CrossLanguage | None = None,
    sig: Signature | None = None,
    brief: Brief | None = None,
) -> int:
    """Put the archived article *article_id* in its story; returns the story id.

    Call it inside the transaction that archived the article, so that a crash leaves
    both or neither. An article without shingles stays a story of one. With *cross* (the
    setting ``stories.cross_language``), an article that matches nothing in its own
    language may join the story of an article in the other (English / Chinese). *sig*:
    *text*'s signature when it is known already (an extraction worker computed it).
    *brief*: the article's (title, language) as archived, which its cross-language keys
    need; without it they are read from the archive (one more call, only with *cross*)."""
    if sig is None:
        sig = signature(text)
    copies = None if sig is None else _copy_match(sig, threshold)
    keys = None
    if cross is not None:
        if brief is None:
            title, language, _seen = store.article_brief(archive.db, article_id)
            brief = (title, language)
        keys = _cross_match(cross, text, *brief)
    return store.place_article(archive.db, article_id, copies=copies, cross=keys)


def _copy_match(sig: Signature, threshold: float) -> store.CopyMatch:
    """*sig* as stored, its bands, and its similarity to a stored signature."""

    def similarity(blob: bytes) -> float:
        return jaccard(sig, unpack(blob))

    return store.CopyMatch(pack(sig), band_hashes(sig), similarity, threshold)


def _cross_match(
    cross: CrossLanguage, text: str, title: str, language: str | None
) -> store.CrossMatch:
    """The cross-language keys of an article, and how they are compared."""
    chinese = primary_language(language) == "zh" or (language is None and has_han(text))
    keys = cross.keys(title, text, chinese=chinese)
    return store.CrossMatch(chinese, keys, overlap, cross.threshold, cross.window_hours)


def rebuild_stories(
    archive: Archive,
    *,
    batch_size: int = 500,
    progress: Callable[[int], Any] | None = None,
    cross: CrossLanguage | None = None,
) -> dict[str, int]:
    """Recompute every signature, band and story from the archived text.

    Articles are taken in the order they appeared (published, else fetched), all in one
    transaction: an interrupted rebuild leaves the stories as they were (readers see them
    throughout), never articles without a story. Returns the counts of articles and stories."""
    with archive.transaction():
        store.clear_stories(archive.db)
        done = 0
        for batch in store.rebuild_batches(archive.db, batch_size):
            for article in batch:
                brief = (article.title, article.language)
                assign_story(archive, article.id, article.text, cross=cross, brief=brief)
            done += len(batch)
            if progress is not None:
                progress(len(batch))
        return {"articles": done, "stories": archive.count("stories")}
