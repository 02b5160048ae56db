"""Config files for a test crawl (``settings.toml``, a sources file) and the crawl CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .paths import REPO

__all__ = ["TEST_SETTINGS", "crawl_cli", "write_settings", "write_sources"]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON escapes are valid TOML
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_sources(path: str | Path, entries: Iterable[Mapping[str, Any]]) -> Path:
    """Write a sources file: one ``[[sources]]`` table per entry (name, url, kind, ...)."""
    path = Path(path)
    blocks = [
        "[[sources]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in entry.items())
        for entry in entries
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


TEST_SETTINGS: dict[str, dict[str, Any]] = {
    "politeness": {
        "download_delay": 0,
        "autothrottle": False,
        "retry_times": 1,
        "retry_backoff_base": 0.1,
        "timeout": 10,
    },
}


def write_settings(path: str | Path, **overrides: Any) -> Path:
    """Write a ``settings.toml`` with fast politeness for tests, and beside it the
    project's ``themes.toml`` when there is none (a crawl needs both).

    *path* is a config directory (``settings.toml`` is written inside) or the file.
    Overrides: a top-level key (``allow_private_networks=True``), a whole section as a
    dict (``politeness={"timeout": 5}``, merged), or dotted via
    ``**{"crawl.max_items_per_source": 3}``.
    """
    path = Path(path)
    if path.suffix != ".toml":
        path = path / "settings.toml"
    top: dict[str, Any] = {}
    sections = {name: dict(values) for name, values in TEST_SETTINGS.items()}
    for key, value in overrides.items():
        if "." in key:
            section, _, name = key.partition(".")
            sections.setdefault(section, {})[name] = value
        elif isinstance(value, Mapping):
            sections.setdefault(key, {}).update(value)
        else:
            top[key] = value
    lines = [f"{k} = {_toml_value(v)}" for k, v in top.items()]
    for section, values in sections.items():
        lines += ["", f"[{section}]"] + [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).lstrip("\n") + "\n", encoding="utf-8")
    themes = path.parent / "themes.toml"
    if not themes.exists():
        themes.write_bytes((REPO / "config" / "themes.toml").read_bytes())
    return path


def crawl_cli(
    config: str | Path, sources: str | Path, db: str | Path, *extra: str, timeout: float = 120
) -> Any:
    """``culturewatch crawl`` in its own process (Twisted's reactor runs once per process);
    returns the ``subprocess.CompletedProcess``. Loopback needs ``--allow-private-networks``
    in *extra*."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--config",
            str(config),
            "--sources",
            str(sources),
            "--db",
            str(db),
            *extra,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
