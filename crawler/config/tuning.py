"""Writing calibrated thresholds into ``themes.toml`` (``culturewatch evaluate --apply``).

The file is edited with tomlkit, which keeps every comment, blank line and the order of
keys: only the ``threshold`` line of each calibrated theme is added or changed. The result
is compiled before it replaces the file (atomically), so a file that would not load is
never written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from crawler.config.files import ConfigError, read_text

__all__ = ["write_theme_thresholds"]


def write_theme_thresholds(path: str | os.PathLike[str], thresholds: Mapping[str, float]) -> None:
    """Set ``[themes.KEY] threshold`` for each key of *thresholds* in the themes file *path*."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from pipelines.scoring.themes import ThemeError, compile_themes
    from storage.files import atomic_write

    path = Path(path)
    text = read_text(path)
    try:
        document = tomlkit.parse(text)
        for key, value in thresholds.items():
            document["themes"][key]["threshold"] = round(float(value), 4)
        new = tomlkit.dumps(document)
        compile_themes(tomlkit.parse(new).unwrap(), path=path)
    except (TOMLKitError, KeyError, ThemeError) as exc:
        raise ConfigError(f"{path}: cannot set the thresholds: {exc}") from None
    atomic_write(path, new)
