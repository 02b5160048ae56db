"""Stories: the copies of one text across outlets, grouped as they are archived.

An article's shingles (:mod:`pipelines.stories.shingles`) give a MinHash signature of
``NUM_PERM`` values (datasketch); the signature is cut into ``BANDS`` bands of ``ROWS``
values, and each band's hash is stored (``storage.stories``). A new article's candidates
are the archived articles sharing at least one band hash (one indexed lookup); each is
verified by the Jaccard similarity its signature estimates, and the article joins the
story of the best candidate at or above ``THRESHOLD``, else it stays a story of one.

Why these numbers: with 32 bands of 4 rows a pair of Jaccard similarity J becomes a
candidate with probability 1 - (1 - J^4)^32: 0.87 at J = 0.5, 0.99 at 0.6, 0.9996 at 0.7,
so copies with a credit line, a dateline or a cut paragraph (J 0.6-0.95 on the labelled
set) are found, while unrelated texts (J < 0.1: probability < 0.4 %) rarely cost a
verification. The verification threshold 0.5 keeps same-topic articles apart (their
estimated J stays under 0.15 on the labelled set, tests/quality/eval_stories.py).

A signature is a plain tuple of ints here, and everything but :func:`signature` itself
(bands, similarity, storage) is pure Python: the crawl's process, which only files the
signatures its extraction workers computed, never loads numpy and datasketch (~11 MiB).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import struct
import sys
import types
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pipelines.stories.crosslang import CrossLanguage, overlap
from pipelines.stories.shingles import shingles
from storage import stories as store
from storage.formats import parse_iso
from storage.scripts import has_han, primary_language

if TYPE_CHECKING:
    from storage.archive import Archive

__all__ = [
    "BANDS",
    "NUM_PERM",
    "ROWS",
    "THRESHOLD",
    "Signature",
    "assign_story",
    "band_hashes",
    "jaccard",
    "pack",
    "rebuild_stories",
    "signature",
    "unpack",
]

BANDS = 32
ROWS = 4
NUM_PERM = BANDS * ROWS
THRESHOLD = 0.5
_SEED = 11  # fixed: stored signatures must stay comparable across processes and versions

Signature = tuple[int, ...]  # NUM_PERM unsigned 32-bit values
_BLOB = struct.Struct(f"<{NUM_PERM}I")  # as stored: little-endian, 4 bytes a value


def _load_minhash() -> type[Any]:
    """datasketch's MinHash class, without the rest of datasketch.

    ``import datasketch`` loads every sketch it has, and its LSH modules pull in scipy
    (~40 MiB and ~1 s of a crawl's start-up) that a MinHash never uses. When datasketch
    is not loaded yet, its package is stood in for by a bare module while
    ``datasketch.minhash`` loads, then removed: a later ``import datasketch`` runs the
    real package, which finds the same ``datasketch.minhash`` module already loaded.
    """
    loaded = sys.modules.get("datasketch")
    if loaded is not None and hasattr(loaded, "MinHash"):
        return loaded.MinHash
    spec = importlib.util.find_spec("datasketch")
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError("datasketch is not installed")
    bare = types.ModuleType("datasketch")
    bare.__path__ = list(spec.submodule_search_locations)
    bare.__spec__ = spec
    sys.modules["datasketch"] = bare
    try:
        minhash = importlib.import_module("datasketch.minhash")
    finally:
        if sys.modules.get("datasketch") is bare:
            del sys.modules["datasketch"]
    return minhash.MinHash


@lru_cache(maxsize=1)
def _minhash() -> tuple[type[Any], dict[str, str], Any]:
    """MinHash, its keyword for the permutation scheme, and a template holding the
    permutations (computed once): loaded on the first signature, not on import."""
    minhash = _load_minhash()
    # "legacy" is the permutation scheme of every datasketch release up to 1.x and one of
    # the schemes of 2.x: the signatures stored by either are the same, so an upgrade of
    # datasketch within the pinned range never splits the archive's stories.
    params = inspect.signature(minhash.__init__).parameters
    scheme = {"scheme": "legacy"} if "scheme" in params else {}
    return minhash, scheme, minhash(num_perm=NUM_PERM, seed=_SEED, **scheme)


def _hash(shingle: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(shingle, digest_size=4).digest(), "little")


def signature(text: str) -> Signature | None:
    """The MinHash signature of *text*'s shingles, or None when it has none."""
    grams = shingles(text)
    if not grams:
        return None
    minhash_class, scheme, template = _minhash()
    minhash = minhash_class(
        num_perm=NUM_PERM,
        seed=_SEED,
        hashfunc=_hash,
        permutations=template.permutations,
        **scheme,
    )
    minhash.update_batch([g.encode("utf-8") for g in sorted(grams)])
    return tuple(int(v) for v in minhash.hashvalues)


def pack(sig: Signature) -> bytes:
    """*sig* as stored (``story_signatures.minhash``)."""
    return _BLOB.pack(*sig)


def unpack(blob: bytes) -> Signature:
    """A stored signature as a tuple."""
    return struct.unpack(f"<{len(blob) // 4}I", blob)


def band_hashes(sig: Signature) -> list[int]:
    """One signed 64-bit hash per band of *sig* (an SQLite integer)."""
    raw = pack(sig)
    width = ROWS * 4
    return [
        int.from_bytes(
            hashlib.blake2b(raw[b * width : (b + 1) * width], digest_size=8).digest(),
            "little",
            signed=True,
        )
        for b in range(BANDS)
    ]


def jaccard(a: Signature, b: Signature) -> float:
    """The Jaccard similarity of two texts as their signatures estimate it."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def assign_story(
    archive: Archive,
    article_id: int,
    text: str,
    *,
    threshold: float = THRESHOLD,
    cross: CrossLanguage | None = None,
    sig: Signature | None = None,
) -> int:
    """Put the archived article *article_id* in its story; returns the story id.

    Call it inside the transaction that archived the article, so that a crash leaves
    both or neither. An article without shingles stays a story of one. With *cross* (the
    setting ``stories.cross_language``), an article that matches nothing in its own
    language may join the story of an article in the other (English / Chinese). *sig*:
    *text*'s signature when it is known already (an extraction worker computed it)."""
    db = archive.db
    if sig is None:
        sig = signature(text)
    best: tuple[float, int] | None = None
    if sig is not None:
        bands = band_hashes(sig)
        for _other, story_id, blob in store.candidates(db, bands, exclude=article_id):
            similarity = jaccard(sig, unpack(blob))
            if similarity >= threshold and (best is None or similarity > best[0]):
                best = (similarity, story_id)
        store.save_signature(db, article_id, pack(sig), bands)
    if cross is not None:
        found = _cross_language(db, article_id, text, cross, search=best is None)
        best = best or found
    if best is None:
        store.new_story_of_one(db, article_id)
        return article_id
    store.move_to_story(db, article_id, best[1])
    return best[1]


def _cross_language(
    db: Any, article_id: int, text: str, cross: CrossLanguage, *, search: bool
) -> tuple[float, int] | None:
    """Store the article's cross-language keys; when *search*, the best story of the other
    language within the window (overlap, story id), if any reaches the threshold."""
    title, language, seen = store.article_brief(db, article_id)
    chinese = primary_language(language) == "zh" or (language is None and has_han(text))
    keys = cross.keys(title, text, chinese=chinese)
    store.save_keys(db, article_id, chinese=chinese, seen=seen, keys=keys)
    when = parse_iso(seen)
    if not search or when is None:
        return None
    window = timedelta(hours=cross.window_hours)
    best: tuple[float, int] | None = None
    for _other, story_id, other_keys in store.cross_candidates(
        db,
        chinese=chinese,
        since=(when - window).isoformat(timespec="seconds"),
        until=(when + window).isoformat(timespec="seconds"),
    ):
        english, han = (frozenset(other_keys), keys) if chinese else (keys, frozenset(other_keys))
        score = overlap(english, han)
        if score >= cross.threshold and (best is None or score > best[0]):
            best = (score, story_id)
    return best


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
        return _rebuild(archive, batch_size=batch_size, progress=progress, cross=cross)


def _rebuild(
    archive: Archive,
    *,
    batch_size: int,
    progress: Callable[[int], Any] | None,
    cross: CrossLanguage | None,
) -> dict[str, int]:
    store.clear_stories(archive.db)
    done = 0
    ids = [
        int(row[0])
        for row in archive.db.execute(
            "select id from articles order by coalesce(published_at, fetched_at), id"
        ).fetchall()
    ]
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        marks = ",".join("?" for _ in chunk)
        texts = dict(
            archive.db.execute(
                f"select id, coalesce(text, '') from articles where id in ({marks})", chunk
            ).fetchall()
        )
        for article_id in chunk:
            assign_story(archive, article_id, texts.get(article_id, ""), cross=cross)
        done += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return {"articles": done, "stories": archive.count("stories")}
