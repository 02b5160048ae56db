"""Story signatures: an article's MinHash signature, as stored, and its LSH bands.

An article's shingles (:mod:`pipelines.stories.shingles`) give a MinHash signature of
``NUM_PERM`` values (datasketch); the signature is cut into ``BANDS`` bands of ``ROWS``
values, and each band's hash is stored (``storage.stories``): a new article's candidates
are the archived articles sharing at least one band hash (one indexed lookup), each
verified by the Jaccard similarity the two signatures estimate (:func:`jaccard`).

Why these numbers: with 32 bands of 4 rows a pair of Jaccard similarity J becomes a
candidate with probability 1 - (1 - J^4)^32: 0.87 at J = 0.5, 0.99 at 0.6, 0.9996 at 0.7,
so copies with a credit line, a dateline or a cut paragraph (J 0.6-0.95 on the labelled
set) are found, while unrelated texts (J < 0.1: probability < 0.4 %) rarely cost a
verification.

A signature is a plain tuple of ints here, and everything but :func:`signature` itself
(pack, unpack, bands, similarity) is pure Python: the crawl's process, which only files
the signatures its extraction workers computed, never loads numpy and datasketch (~11 MiB).
Nothing here reads or writes the archive (:mod:`pipelines.stories.assign` does, through
``storage.stories``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import struct
import sys
import types
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, Protocol, SupportsInt

from pipelines.stories.shingles import shingles

__all__ = [
    "BANDS",
    "NUM_PERM",
    "ROWS",
    "Signature",
    "band_hashes",
    "jaccard",
    "pack",
    "signature",
    "unpack",
]

BANDS = 32
ROWS = 4
NUM_PERM = BANDS * ROWS
_SEED = 11  # fixed: stored signatures must stay comparable across processes and versions

Signature = tuple[int, ...]  # NUM_PERM unsigned 32-bit values
_BLOB = struct.Struct(f"<{NUM_PERM}I")  # as stored: little-endian, 4 bytes a value


class _MinHash(Protocol):
    """What this module uses of a datasketch ``MinHash`` (it is loaded at run time, so
    mypy never sees the class)."""

    permutations: Any  # numpy arrays: handed as they are to the next MinHash
    hashvalues: Iterable[SupportsInt]  # a numpy array of uint64

    def update_batch(self, b: Iterable[bytes]) -> None: ...


_MinHashClass = Callable[..., _MinHash]  # called with datasketch's keyword arguments


def _load_minhash() -> _MinHashClass:
    """datasketch's MinHash class, without the rest of datasketch.

    ``import datasketch`` loads every sketch it has, and its LSH modules pull in scipy
    (~40 MiB and ~1 s of a crawl's start-up) that a MinHash never uses. When datasketch
    is not loaded yet, its package is stood in for by a bare module while
    ``datasketch.minhash`` loads, then removed: a later ``import datasketch`` runs the
    real package, which finds the same ``datasketch.minhash`` module already loaded.
    """
    loaded = sys.modules.get("datasketch")
    if loaded is not None and hasattr(loaded, "MinHash"):
        found: _MinHashClass = loaded.MinHash
        return found
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
    minhash_class: _MinHashClass = minhash.MinHash
    return minhash_class


@lru_cache(maxsize=1)
def _minhash() -> tuple[_MinHashClass, dict[str, str], _MinHash]:
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
