"""What every command shares: the options (``--config``, ``--db``, ...) and the one-line
errors (a message on stderr and an exit status: 2 configuration, 1 failure, 75 busy)."""

from __future__ import annotations

import errno
import functools
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.config import ConfigError, default_db_path, load_settings

if TYPE_CHECKING:
    from crawler.config import Settings
from crawler.exits import EXIT_BUSY  # `crawl` exits with it when another crawl holds the archive

__all__ = [
    "DEFAULT_PORT",
    "EXIT_BUSY",
    "allow_private_option",
    "archive_lock",
    "archive_path",
    "check_port",
    "config_option",
    "db_option",
    "existing_archive",
    "fail",
    "handle_errors",
    "sources_file_option",
]


def fail(message: str, code: int = 1) -> None:
    click.echo(f"culturewatch: {message}", err=True)
    sys.exit(code)


def archive_path(db: Path | None, settings: Settings) -> Path:
    """``--db``, else ``$CULTUREWATCH_DB``, else the ``archive`` setting."""
    if db and Path(db).is_dir():  # SQLite would say "disk I/O error"
        raise ConfigError(f"--db: {db} is a directory, not an archive file")
    return Path(db) if db else default_db_path(settings)


def existing_archive(db: Path | None, settings: Settings) -> Path:
    """:func:`archive_path`, which must exist: a command that only works on an archive."""
    path = archive_path(db, settings)
    if not path.exists():
        fail(f"no archive at {path}")
    _refuse_foreign(path)
    return path


def _refuse_foreign(path: Path) -> None:
    """One line and exit status 1 when *path* is another program's file: before the lock
    file beside it, before anything is written into it."""
    from storage.schema import NotAnArchive, refuse_foreign

    try:
        refuse_foreign(path)
    except NotAnArchive as exc:
        fail(str(exc), 1)


@contextmanager
def archive_lock(path: Path, holder: str) -> Iterator[None]:
    """Hold the crawl lock of *path* as *holder* (crawl, rescore, rebuild) for the block;
    when another process holds it, one line and exit status 75 (1 when it cannot be taken)."""
    from crawler.lock import ArchiveBusy, LockError, crawl_lock

    _refuse_foreign(path)
    try:
        with crawl_lock(path, holder=holder):
            yield
    except ArchiveBusy as exc:  # another crawl or rescore holds the archive: try again later
        fail(str(exc), EXIT_BUSY)
    except LockError as exc:
        fail(str(exc), 1)


def _command_name() -> str:
    """The running command as typed after ``culturewatch``: ``crawl``, ``sources check``."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return "command"
    return " ".join(ctx.command_path.split()[1:]) or ctx.command.name or "command"


def _os_error(exc: OSError) -> str:
    """``FILE: strerror`` (``OLD -> NEW: strerror`` for a rename), or the bare error."""
    text = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        where = str(exc.filename)
        if exc.filename2 is not None:
            where += f" -> {exc.filename2}"
        text = f"{where}: {text}"
    return " ".join(text.split())


def check_port(host: str, port: int, command: str) -> None:
    """Fail now, in one line, when Datasette could not listen on *host*:*port* (before a
    demo's crawl, before ``browse`` says it serves)."""
    import socket

    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as exc:
        fail(f"{command} failed: cannot serve on {host}:{port}: {exc.strerror or exc}", 1)


def _archive_named(kwargs: dict[str, Any]) -> str:
    """ "FILE: " for the archive a command was given (``--db``, else ``$CULTUREWATCH_DB`` or
    the ``archive`` setting of its ``--config``), so that "file is not a database" names it."""
    try:
        db = kwargs.get("db")
        path = Path(db) if db else default_db_path(load_settings(kwargs.get("config")))
    except (ConfigError, OSError):
        return ""
    return f"{path}: "


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn configuration errors into one line and exit status 2, archive errors into 1.

    An operating-system error nothing else handled (the disk full, a permission denied)
    is one line and exit status 1 too: ``culturewatch: digest failed: FILE: strerror``.
    Click's own exceptions and ``sys.exit`` pass through untouched, and so does a closed
    stdout (EPIPE, ``culturewatch score ... | head``), which click ends quietly.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            fail(f"config error: {exc}", 2)
        except sqlite3.DatabaseError as exc:  # not a SQLite file, corrupt, read-only...
            fail(f"archive error: {_archive_named(kwargs)}{exc}", 1)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            fail(f"{_command_name()} failed: {_os_error(exc)}", 1)

    return wrapper


config_option = click.option(
    "--config",
    "config",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Configuration directory (default: $CULTUREWATCH_CONFIG or ./config).",
)
allow_private_option = click.option(
    "--allow-private-networks",
    is_flag=True,
    default=False,
    help="Allow loopback, private and link-local destinations (refused by default).",
)
sources_file_option = click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sources file (default: sources.toml in the configuration directory).",
)
# where Datasette serves the archive (browse, demo)
DEFAULT_PORT = 8001
port_option = click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port Datasette listens on [default: the port of the 'digest.browse_url' setting "
    "when it is on this machine, else 8001].",
)
host_option = click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface Datasette listens on; anything but loopback exposes the archive.",
)
db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite archive (default: $CULTUREWATCH_DB or the 'archive' setting, ./data/culturewatch.db).",
)
