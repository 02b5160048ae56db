"""The stories of the archive: signatures, LSH bands, and each story's row.

A story is the set of archived copies of one text (syndicated, re-published with edits);
every article belongs to exactly one (``articles.story_id``). A new article starts as a
story of one whose id is the article's own id (ids never collide: an article id is
unique, and a story keeps the id of the article that founded it).

``pipelines/stories/`` computes what needs no archive: an article's signature and its band
hashes, its cross-language keys, and the measures that compare them (the Jaccard estimate
of two signatures, the overlap of two key sets), handed here as plain functions. The
archive's side of the assignment is one call, :func:`place_article`: the candidates, their
verification against the threshold, the signature, bands and keys stored, the story chosen
(or one of its own) and the story rows refreshed. A signature is an opaque blob here. The
rebuild's reads (:func:`rebuild_batches`) and its clearing (:func:`clear_stories`) are here
too. The tables:

    story_signatures  article_id -> MinHash signature (uint32 array as a blob)
    story_bands       article_id x band -> hash of that band of the signature,
                      indexed on (band, hash): candidates are one indexed lookup
    story_keys        article_id -> the cross-language keys (only with the setting
                      stories.cross_language), indexed on (chinese, seen)
    stories           per story: title, first copy (seen, source, URL), last copy,
                      article_count, source_count, languages, sources, spread_hours
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

import sqlite_utils

from storage.carriers import CarriedCopy, carried_at, carrying_order
from storage.connection import Reader
from storage.formats import parse_iso
from storage.scripts import primary_language

__all__ = [
    "ArchivedText",
    "Candidate",
    "CopyMatch",
    "CrossMatch",
    "article_brief",
    "clear_stories",
    "move_to_story",
    "new_story_of_one",
    "place_article",
    "rebuild_batches",
    "refresh_story",
    "story_rows",
]

Candidate = tuple[int, int, bytes]  # article_id, story_id, signature blob


@dataclass(frozen=True)
class CopyMatch:
    """A new article's signature as the caller computed it, and how to verify a candidate:
    *similarity* of a stored signature (its blob) to this one, joined at *threshold* or more."""

    signature: bytes  # as stored (story_signatures.minhash)
    bands: Sequence[int]  # one hash per band (story_bands)
    similarity: Callable[[bytes], float]
    threshold: float


@dataclass(frozen=True)
class CrossMatch:
    """A new article's cross-language keys (setting stories.cross_language), and how to
    compare them with those of the other language's articles within *window_hours*:
    ``overlap(english keys, chinese keys)``, joined at *threshold* or more."""

    chinese: bool
    keys: frozenset[str]
    overlap: Callable[[frozenset[str], frozenset[str]], float]
    threshold: float
    window_hours: float


class ArchivedText(NamedTuple):
    """What the rebuild reads of an article."""

    id: int
    text: str  # '' when it has none
    title: str  # '' when it has none
    language: str | None


def place_article(
    db: sqlite_utils.Database,
    article_id: int,
    *,
    copies: CopyMatch | None,
    cross: CrossMatch | None = None,
) -> int:
    """Put the archived article *article_id* in its story; returns the story id.

    With *copies* (None for a text without shingles), the article joins the story of the
    most similar candidate sharing a band with it, at the threshold or more; its signature
    and bands are stored. With *cross*, its keys are stored, and an article that matched
    nothing in its own language joins the story of the best article of the other language
    first seen within the window, at the threshold or more. Else it is a story of one.
    Call it inside the transaction that archived the article."""
    best: tuple[float, int] | None = None
    if copies is not None:
        for _other, story_id, blob in _candidates(db, copies.bands, exclude=article_id):
            similarity = copies.similarity(blob)
            if similarity >= copies.threshold and (best is None or similarity > best[0]):
                best = (similarity, story_id)
        _save_signature(db, article_id, copies.signature, copies.bands)
    if cross is not None:
        found = _cross_language(db, article_id, cross, search=best is None)
        best = best or found
    if best is None:
        new_story_of_one(db, article_id)
        return article_id
    move_to_story(db, article_id, best[1])
    return best[1]


def _cross_language(
    db: sqlite_utils.Database, article_id: int, cross: CrossMatch, *, search: bool
) -> tuple[float, int] | None:
    """Store the article's cross-language keys; when *search*, the best story of the other
    language within the window (overlap, story id), if any reaches the threshold."""
    row = db.execute(
        "select coalesce(published_at, fetched_at) from articles where id = ?", [article_id]
    ).fetchone()
    seen = row[0] if row else ""
    _save_keys(db, article_id, chinese=cross.chinese, seen=seen, keys=cross.keys)
    when = parse_iso(seen)
    if not search or when is None:
        return None
    window = timedelta(hours=cross.window_hours)
    best: tuple[float, int] | None = None
    for _other, story_id, other_keys in _cross_candidates(
        db,
        chinese=cross.chinese,
        since=(when - window).isoformat(timespec="seconds"),
        until=(when + window).isoformat(timespec="seconds"),
    ):
        theirs = frozenset(other_keys)
        english, han = (theirs, cross.keys) if cross.chinese else (cross.keys, theirs)
        score = cross.overlap(english, han)
        if score >= cross.threshold and (best is None or score > best[0]):
            best = (score, story_id)
    return best


def new_story_of_one(db: sqlite_utils.Database, article_id: int) -> None:
    """Make *article_id* a story of one (its story id is its own id)."""
    db.execute("update articles set story_id = ? where id = ?", [article_id, article_id])
    refresh_story(db, article_id)


def _save_signature(
    db: sqlite_utils.Database, article_id: int, signature: bytes, bands: Sequence[int]
) -> None:
    """Store the signature of *article_id* and its band hashes (replacing any)."""
    db.execute("delete from story_bands where article_id = ?", [article_id])
    db.execute(
        "insert or replace into story_signatures (article_id, minhash) values (?, ?)",
        [article_id, signature],
    )
    db.conn.executemany(
        "insert into story_bands (article_id, band, hash) values (?, ?, ?)",
        [(article_id, band, value) for band, value in enumerate(bands)],
    )


def _candidates(
    db: sqlite_utils.Database, bands: Sequence[int], *, exclude: int, limit: int = 500
) -> list[Candidate]:
    """The articles sharing at least one band with *bands* (not *exclude*), with their
    story and signature; at most *limit*, those sharing the most bands first."""
    if not bands:
        return []
    values = ",".join("(?, ?)" for _ in bands)
    params: list[Any] = [x for band, value in enumerate(bands) for x in (band, value)]
    rows = db.execute(
        f"with q(band, hash) as (values {values}), "
        "hit as (select b.article_id, count(*) as n from q "
        "join story_bands b on b.band = q.band and b.hash = q.hash "
        "where b.article_id != ? group by b.article_id order by n desc limit ?) "
        "select hit.article_id, a.story_id, s.minhash from hit "
        "join articles a on a.id = hit.article_id "
        "join story_signatures s on s.article_id = hit.article_id",
        [*params, exclude, limit],
    ).fetchall()
    return [(int(r[0]), int(r[1]), bytes(r[2])) for r in rows if r[1] is not None]


def article_brief(db: Reader, article_id: int) -> tuple[str, str | None, str]:
    """(title, language, first seen: published, else fetched) of *article_id*."""
    row = db.execute(
        "select coalesce(title, ''), language, coalesce(published_at, fetched_at) "
        "from articles where id = ?",
        [article_id],
    ).fetchone()
    return (row[0], row[1], row[2]) if row else ("", None, "")


def _save_keys(
    db: sqlite_utils.Database, article_id: int, *, chinese: bool, seen: str, keys: Iterable[str]
) -> None:
    """Store the cross-language keys of *article_id*."""
    db.execute(
        "insert or replace into story_keys (article_id, chinese, seen, keys) values (?, ?, ?, ?)",
        [article_id, int(chinese), seen, json.dumps(sorted(keys), ensure_ascii=False)],
    )


def _cross_candidates(
    db: sqlite_utils.Database, *, chinese: bool, since: str, until: str, limit: int = 2000
) -> list[tuple[int, int, list[str]]]:
    """The articles of the other language (Chinese when *chinese* is False) first seen
    between *since* and *until*: (article_id, story_id, keys), newest first."""
    rows = db.execute(
        "select k.article_id, a.story_id, k.keys from story_keys k "
        "join articles a on a.id = k.article_id "
        "where k.chinese = ? and k.seen between ? and ? order by k.seen desc limit ?",
        [int(not chinese), since, until, limit],
    ).fetchall()
    return [(int(r[0]), int(r[1]), json.loads(r[2])) for r in rows if r[1] is not None]


def move_to_story(db: sqlite_utils.Database, article_id: int, story_id: int) -> None:
    """Move *article_id* into *story_id*; the story it leaves is refreshed (or deleted
    when it is left empty)."""
    row = db.execute("select story_id from articles where id = ?", [article_id]).fetchone()
    old = row[0] if row else None
    db.execute("update articles set story_id = ? where id = ?", [story_id, article_id])
    if old is not None and old != story_id:
        refresh_story(db, old)
    refresh_story(db, story_id)


def refresh_story(db: sqlite_utils.Database, story_id: int) -> None:
    """Recompute the row of *story_id* from its articles (delete it when it has none).

    The first copy, ``sources`` and ``languages`` in the order the copies were carried, and
    ``spread_hours``, are :func:`storage.carriers.carrying_order`'s (publication time where
    known, else archive time), as the digest and the alerts name them."""
    rows = db.execute(
        "select id, source, url, title, published_at, fetched_at, language "
        "from articles where story_id = ?",
        [story_id],
    ).fetchall()
    if not rows:
        db.execute("delete from stories where id = ?", [story_id])
        return
    carriers = carrying_order(
        CarriedCopy(int(r[0]), r[1] or "", r[2] or "", r[3] or "", r[4], r[5] or "", r[6])
        for r in rows
    )
    first, last = carriers.first, carriers.last
    sources = [c.source for c in carriers.outlets if c.source]
    languages = list(
        dict.fromkeys(filter(None, (primary_language(c.language) for c in carriers.copies)))
    )
    db.execute(
        "insert or replace into stories (id, title, first_seen, first_source, first_url, "
        "last_seen, article_count, source_count, languages, sources, spread_hours) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            story_id,
            first.title or None,
            first.when,
            first.source or None,
            first.url,
            last.when,
            len(rows),
            len(sources),
            json.dumps(languages, ensure_ascii=False),
            json.dumps(sources, ensure_ascii=False),
            carriers.spread_hours,
        ],
    )


def clear_stories(db: sqlite_utils.Database) -> None:
    """Forget every signature, band and story (before a rebuild)."""
    for table in ("story_bands", "story_signatures", "story_keys", "stories"):
        db.execute(f"delete from {table}")
    db.execute("update articles set story_id = null")


def rebuild_batches(db: Reader, batch_size: int) -> Iterator[list[ArchivedText]]:
    """Every article in the order it appeared (published, else fetched; then id), in
    batches of *batch_size*: the ids are read at the start, the texts batch by batch."""
    ids = [
        int(row[0])
        for row in db.execute(
            "select id from articles order by coalesce(published_at, fetched_at), id"
        ).fetchall()
    ]
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        marks = ",".join("?" for _ in chunk)
        found = {
            int(row[0]): ArchivedText(int(row[0]), row[1], row[2], row[3])
            for row in db.execute(
                "select id, coalesce(text, ''), coalesce(title, ''), language "
                f"from articles where id in ({marks})",
                chunk,
            ).fetchall()
        }
        yield [found.get(i, ArchivedText(i, "", "", None)) for i in chunk]


def story_rows(
    db: sqlite_utils.Database, *, limit: int = 20, min_sources: int = 1
) -> Iterable[dict[str, Any]]:
    """The most amplified stories: most outlets first, then most copies, then earliest;
    ``first_basis`` says whether ``first_seen`` is the first copy's publication time
    ("published") or its archive time ("archived"; :mod:`storage.carriers`)."""
    first_copy = "from articles a where a.story_id = s.id and a.url = s.first_url limit 1"
    cursor = db.execute(
        "select id, title, first_seen, first_source, first_url, article_count, "
        "source_count, languages, sources, spread_hours, "
        f"(select a.published_at {first_copy}) as first_published_at, "
        f"(select a.fetched_at {first_copy}) as first_fetched_at from stories s "
        "where source_count >= ? order by source_count desc, article_count desc, "
        "first_seen limit ?",
        [min_sources, limit],
    )
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        item = dict(zip(names, row, strict=True))
        item["languages"] = json.loads(item["languages"] or "[]")
        item["sources"] = json.loads(item["sources"] or "[]")
        published, fetched = item.pop("first_published_at"), item.pop("first_fetched_at")
        item["first_basis"] = carried_at(published, fetched)[1]
        yield item
