"""The ``relevance.semantic`` setting: the prototypes a crawl's extraction workers compare
articles with (``semantic.toml``), checked before anything starts.

With the setting off (the default) nothing is read and no model package is imported. With
it on, ``semantic.toml`` (the configuration directory's, else the shipped one) must be
valid, name the themes of ``themes.toml``, hold a calibration, and its model's package (the
``semantic`` extra) must import: otherwise one :class:`ConfigError` line (exit status 2).
The package is imported here only to know that it can be; the model is loaded and run in
the extraction workers (:mod:`pipelines.workers.loop`), never in the crawl's process.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from crawler.config.files import ConfigError, config_file
from crawler.config.settings import Settings
from pipelines.scoring.encoders import MODELS
from pipelines.scoring.semantic import Prototypes, SemanticConfigError, load_prototypes
from pipelines.scoring.themes import Themes

__all__ = ["SemanticSetup", "load_semantic"]

EXTRA = "pip install 'culturewatch[semantic]'"


@dataclass(frozen=True)
class SemanticSetup:
    """What a crawl with ``relevance.semantic = true`` needs: the prototypes file (the
    workers read it) and what it holds."""

    path: Path
    prototypes: Prototypes


def load_semantic(
    settings: Settings, directory: Path | None, themes: Themes | None
) -> SemanticSetup | None:
    """None when ``relevance.semantic`` is off; else the checked setup (ConfigError)."""
    if not settings["relevance.semantic"]:
        return None
    path = config_file("semantic.toml", directory)
    try:
        prototypes = load_prototypes(path)
    except SemanticConfigError as exc:
        raise ConfigError(str(exc)) from None
    if prototypes.calibration is None:
        raise ConfigError(
            f"{path}: [semantic.calibration] is missing (relevance.semantic = true needs it): "
            "fit it with tests/quality/eval_semantic.py --fit"
        )
    unknown = sorted(set(prototypes.themes) - set(themes.keys if themes else ()))
    if unknown:
        raise ConfigError(f"{path}: [themes.{unknown[0]}] is not a theme of themes.toml")
    package = MODELS[prototypes.model]
    try:
        importlib.import_module(package)
    except Exception as exc:  # noqa: BLE001 - ImportError, or a broken install's own error
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ConfigError(
            f"settings: relevance.semantic = true needs the semantic extra ({EXTRA}): "
            f"{prototypes.model} cannot be imported ({why})"
        ) from None
    return SemanticSetup(path, prototypes)
