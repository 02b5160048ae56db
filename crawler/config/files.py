"""Where the configuration is and how its files are read.

Every problem is a :class:`ConfigError` whose message is one line naming the file (and
the line, key or byte), which the CLI prints before exiting with status 2.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.scoring.themes import ThemeError, Themes, compile_themes

if TYPE_CHECKING:
    from crawler.config.settings import Settings

__all__ = [
    "DEFAULT_DB",
    "Bounds",
    "ConfigError",
    "check_number",
    "check_numeric",
    "config_dir",
    "config_file",
    "default_db_path",
    "defaults_dir",
    "editable",
    "glossary_for",
    "is_number_type",
    "load_themes",
    "parse_toml",
    "read_text",
    "read_toml",
]

DEFAULT_DB = "data/culturewatch.db"


class ConfigError(Exception):
    """A configuration problem, described in one line (file, key or line, what is wrong)."""


# The bounds of a number in a configuration file: (lowest, highest). The lowest is a
# number, "> 0" (anything greater than zero) or None (no lower bound); the highest is
# always a number: every number of every file has a sane upper bound.
Bounds = tuple[float | str | None, float]


def is_number_type(typ: type | tuple[type, ...]) -> bool:
    """Whether a key declared with *typ* holds a number (int or float; bool is not one)."""
    types = typ if isinstance(typ, tuple) else (typ,)
    return bool not in types and any(t in (int, float) for t in types)


def check_number(
    where: object, key: str, value: object, low: float | str | None, high: float
) -> None:
    """The one rule for every number of every configuration file (settings.toml,
    alerts.toml, sources files): finite (TOML accepts ``nan``, ``inf`` and ``-inf``; ``nan``
    compares false, so it would slip past any bound), at least *low* (see :data:`Bounds`),
    at most *high*.

    Raises a one-line :class:`ConfigError` naming *where* (the file, and the line) and *key*.
    """
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be a number, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        if low == "> 0":
            span = f"greater than 0 and at most {high}"
        elif low is None:
            span = f"at most {high}"
        else:
            span = f"from {low} to {high}"
        raise ConfigError(f"{where}: '{key}' must be a finite number {span}, not {value!r}")
    if low == "> 0" and value <= 0:
        raise ConfigError(f"{where}: '{key}' must be greater than 0, not {value!r}")
    if isinstance(low, (int, float)) and value < low:
        raise ConfigError(f"{where}: '{key}' must be at least {low}, not {value!r}")
    if value > high:
        raise ConfigError(f"{where}: '{key}' must be at most {high}, not {value!r}")


def check_numeric(
    where: object,
    key: str,
    typ: type | tuple[type, ...],
    value: object,
    bounds: Mapping[str, Bounds],
) -> None:
    """:func:`check_number` for *value* of *key* when its declared *typ* is a number, with
    the key's bounds in *bounds* (each loader's table; a numeric key without bounds there is
    a KeyError, a bug of the schema)."""
    if is_number_type(typ):
        check_number(where, key, value, *bounds[key])


def defaults_dir() -> Path | None:
    """The default configuration shipped with culturewatch, or None if it cannot be found.

    An installed wheel carries a copy of the repository's ``config/`` in ``crawler/defaults/``
    (setup.py copies it at build time); a source checkout or an editable install reads
    ``config/`` beside the packages.
    """
    here = Path(__file__).resolve().parent.parent  # crawler/
    if (here / "defaults" / "sources.toml").is_file():
        return here / "defaults"
    if (here.parent / "pyproject.toml").is_file() and (here.parent / "config").is_dir():
        return here.parent / "config"
    return None


def config_dir(path: str | os.PathLike | None = None) -> Path:
    """The configuration directory: *path*, else ``$CULTUREWATCH_CONFIG``, else ``./config``.

    With none of them there (an empty directory), the defaults shipped with culturewatch.
    """
    chosen = path or os.environ.get("CULTUREWATCH_CONFIG")
    if chosen:
        return Path(chosen)
    local = Path("config")
    if local.exists():
        return local
    return defaults_dir() or local


def editable(path: Path) -> Path:
    """*path*, a configuration file a command is about to change; raises ConfigError when it
    is the copy installed with culturewatch (an upgrade would undo the change)."""
    installed = Path(__file__).resolve().parent.parent / "defaults"
    if path.resolve().is_relative_to(installed):
        raise ConfigError(
            f"{path}: the defaults installed with culturewatch are not edited; "
            "write your own with `culturewatch init`, or pass --config DIR"
        )
    return path


def config_file(name: str, directory: str | os.PathLike | None = None) -> Path:
    """*name* (``metadata.yml``) in the configuration directory, else the shipped default."""
    path = config_dir(directory) / name
    shipped = defaults_dir()
    if path.exists() or shipped is None or not (shipped / name).exists():
        return path
    return shipped / name


def default_db_path(settings: Settings | None = None) -> Path:
    """The archive path: ``$CULTUREWATCH_DB``, else the ``archive`` setting."""
    env = os.environ.get("CULTUREWATCH_DB")
    if env:
        if Path(env).is_dir():  # SQLite would say "disk I/O error"
            raise ConfigError(f"CULTUREWATCH_DB: {env} is a directory, not an archive file")
        return Path(env)
    path = Path(settings.archive if settings else DEFAULT_DB)
    if path.is_dir():
        where = f"{settings.path}: 'archive'" if settings and settings.path else "'archive'"
        raise ConfigError(f"{where}: {path} is a directory, not an archive file")
    return path


def read_text(path: Path, *, missing_ok: bool = False) -> str:
    """The text of a configuration file, which must be UTF-8 (a byte-order mark is dropped).

    A missing file reads as empty when *missing_ok*; every other problem (not UTF-8, a
    directory, no permission) is a one-line :class:`ConfigError`.
    """
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, NotADirectoryError) as exc:
        if missing_ok:
            return ""
        if isinstance(exc, NotADirectoryError):
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # where an editor shows it: the line, and the character in that line (1-based)
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8")) + 1
        raise ConfigError(
            f"{path}: not UTF-8: byte 0x{data[exc.start]:02x} at line {line}, column {column} "
            "(save the file as UTF-8)"
        ) from None
    return text.removeprefix("\ufeff")


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; any problem is a one-line :class:`ConfigError` naming the file."""
    return parse_toml(path, read_text(path))


GLOSSARY = "glossary.toml"
log = logging.getLogger("culturewatch.config")
# Compiled themes by what they were compiled from: the path and a digest of the text of
# themes.toml and of the glossary. Compiling the matchers of every language takes about half a second; a process
# that loads the same files again (rescore workers, the web app, the schedule, the quality
# scripts) gets the same Themes back. An edited file (other text) is compiled again.
_THEMES_CACHE: dict[tuple[str, str, str, str], Themes] = {}
_THEMES_CACHE_SIZE = 8


def glossary_for(path: Path) -> Path | None:
    """The glossary read with the themes file *path*: ``glossary.toml`` beside it, else the
    one shipped with culturewatch (a configuration written before the glossary existed scores
    every language, not English and Chinese only; the forms of concepts it does not have are
    left out), else None."""
    beside = path.with_name(GLOSSARY)
    if beside.is_file():
        return beside
    shipped = defaults_dir()
    if shipped is None or not (shipped / GLOSSARY).is_file():
        return None
    return shipped / GLOSSARY


def load_themes(path: str | os.PathLike) -> Themes:
    """Read ``themes.toml``, and ``glossary.toml`` beside it (:func:`glossary_for`: the local
    forms of the concepts in other languages), and compile them
    (:func:`pipelines.scoring.themes.compile_themes`); unchanged files already compiled in
    this process are not compiled again.

    Any problem is a one-line :class:`ConfigError` naming the file and the key.
    """
    path = Path(path)
    glossary_path = glossary_for(path)
    text = read_text(path)
    glossary_text = read_text(glossary_path) if glossary_path is not None else None
    key = (str(path), _digest(text), str(glossary_path), _digest(glossary_text or ""))
    cached = _THEMES_CACHE.get(key)
    if cached is not None:
        return cached
    if glossary_path is not None and glossary_path != path.with_name(GLOSSARY):
        log.info(
            "%s: no %s beside it; using the glossary shipped with culturewatch (%s); an "
            "empty %s there scores English and Chinese only",
            path,
            GLOSSARY,
            glossary_path,
            GLOSSARY,
        )
    raw = parse_toml(path, text)
    glossary = (
        parse_toml(glossary_path, glossary_text)
        if glossary_path and glossary_text is not None
        else None
    )
    try:
        themes = compile_themes(
            raw,
            path=path,
            glossary=glossary,
            glossary_path=glossary_path,
            partial_glossary=glossary_path != path.with_name(GLOSSARY),
        )
    except ThemeError as exc:
        raise ConfigError(str(exc)) from None
    if len(_THEMES_CACHE) >= _THEMES_CACHE_SIZE:
        _THEMES_CACHE.clear()
    _THEMES_CACHE[key] = themes
    return themes


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
