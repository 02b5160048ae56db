"""The crawl lock: who holds it is named, and a lock that cannot be written is one line."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import EXIT_BUSY, cli
from crawler.lock import ArchiveBusy, LockError, crawl_lock, lock_path
from storage.archive import Archive

REPO = Path(__file__).resolve().parent.parent
SOURCE = '[[sources]]\nname = "a"\nurl = "http://127.0.0.1:9/feed.xml"\nkind = "feed"\n'


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Themes, default settings and one source nothing fetches (a private address, refused)."""
    directory = tmp_path / "config"
    directory.mkdir()
    shutil.copy(REPO / "config" / "themes.toml", directory / "themes.toml")
    (directory / "sources.toml").write_text(SOURCE, encoding="utf-8")
    return directory


def crawl(config: Path, db: Path, *prefix: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            *prefix,
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--config",
            str(config),
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def hold(path: Path, content: str) -> int:
    """Lock *path* as a process of an older or another version would: returns the fd."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="ascii")
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


# --------------------------------------------------------------------------- the holder
def test_the_lock_file_says_who_holds_it(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with crawl_lock(db) as path:
        assert path.read_text(encoding="ascii") == f"{os.getpid()} crawl\n"
    assert path.read_text(encoding="ascii") == ""  # emptied when released
    with crawl_lock(db, holder="rescore"):
        assert path.read_text(encoding="ascii") == f"{os.getpid()} rescore\n"
        with pytest.raises(ArchiveBusy) as info, crawl_lock(db):
            pass
    message = str(info.value)
    assert message == (
        f"a rescore is running on {db} (pid {os.getpid()}); try again when it has finished"
    )


def test_a_crawl_refused_by_a_rescore_names_the_rescore(tmp_path: Path, config: Path) -> None:
    db = tmp_path / "a.db"
    with crawl_lock(db, holder="rescore"):
        result = crawl(config, db)
    assert result.returncode == EXIT_BUSY
    line = one_line(result)
    assert line == (
        f"culturewatch: a rescore is running on {db} (pid {os.getpid()}); "
        "try again when it has finished"
    )
    assert not db.exists()


def test_a_rescore_refused_by_a_crawl_names_the_crawl(tmp_path: Path, config: Path) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()
    with crawl_lock(db):
        result = CliRunner().invoke(cli, ["rescore", "--db", str(db), "--config", str(config)])
    assert result.exit_code == EXIT_BUSY
    assert result.output == (
        f"culturewatch: another crawl is running on {db} (pid {os.getpid()}); "
        "try again when it has finished\n"
    )


@pytest.mark.slow
def test_a_running_rescore_holds_the_lock_as_a_rescore(tmp_path: Path, config: Path) -> None:
    """A real `culturewatch rescore`, held up by another SQLite writer: a crawl started
    meanwhile is refused with exit status 75 and told that a rescore is running."""
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        archive.upsert_article({"url": "https://news.example/1", "title": "t", "text": "body"})
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the rescore's first write waits (busy timeout: 30 s)
    rescore = subprocess.Popen(
        [sys.executable, "-m", "crawler", "rescore", "--db", str(db), "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        path = lock_path(db)
        while not (path.exists() and path.read_text(encoding="ascii").endswith(" rescore\n")):
            assert rescore.poll() is None, rescore.communicate()
            assert time.monotonic() < deadline, "the rescore never took the lock"
            time.sleep(0.05)
        assert path.read_text(encoding="ascii") == f"{rescore.pid} rescore\n"
        result = crawl(config, db)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        out, err = rescore.communicate(timeout=60)
    assert rescore.returncode == 0, err
    assert "rescored 1 articles" in out
    assert result.returncode == EXIT_BUSY
    assert one_line(result) == (
        f"culturewatch: a rescore is running on {db} (pid {rescore.pid}); "
        "try again when it has finished"
    )


@pytest.mark.parametrize(
    ("content", "who"),
    [
        ("4321\n", "another crawl or rescore is running on {db} (pid 4321)"),  # older versions
        ("4321 rescore\n", "a rescore is running on {db} (pid 4321)"),
        ("4321 crawl\n", "another crawl is running on {db} (pid 4321)"),
        ("", "another crawl or rescore is running on {db}"),  # between truncate and write
        ("4321 \x1b[2J\nrm -rf\n", "another crawl or rescore is running on {db} (pid 4321)"),
    ],
)
def test_what_the_lock_file_says_is_read_with_care(tmp_path: Path, content: str, who: str) -> None:
    db = tmp_path / "a.db"
    fd = hold(lock_path(db), content)
    try:
        with pytest.raises(ArchiveBusy) as info, crawl_lock(db):
            pass
    finally:
        os.close(fd)
    assert str(info.value) == who.format(db=db) + "; try again when it has finished"


def test_the_holder_is_one_word(tmp_path: Path) -> None:
    with pytest.raises(ValueError), crawl_lock(tmp_path / "a.db", holder="two words"):
        pass


# --------------------------------------------------------------------------- disk full
def _full_tmpfs_prefix(directory: Path) -> tuple[str, ...]:
    """``unshare`` arguments running a shell command with *directory* a full 64 KiB tmpfs,
    in a private mount namespace (nothing is mounted outside it); skip when not possible."""
    if not shutil.which("unshare"):
        pytest.skip("unshare is not installed")
    directory.mkdir()
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
         f"mount -t tmpfs -o size=64k tmpfs '{directory}'"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a user namespace: {probe.stderr.strip()}")
    fill = (
        f"mount -t tmpfs -o size=64k tmpfs '{directory}' && "
        f"{{ cat /dev/zero > '{directory}/fill' 2>/dev/null; "
        f'test "$(df --output=avail \'{directory}\' | tail -1)" -eq 0; }} && exec "$@"'
    )
    return ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", fill, "sh")


def test_a_full_disk_under_the_lock_is_one_line_and_exit_1(tmp_path: Path, config: Path) -> None:
    full = tmp_path / "full"
    prefix = _full_tmpfs_prefix(full)
    db = full / "a.db"
    result = crawl(config, db, *prefix)
    assert result.returncode == 1, result.stderr
    assert one_line(result) == (
        f"culturewatch: cannot write the crawl lock {db}.lock: No space left on device"
    )


def test_lock_error_is_raised_for_an_unwritable_lock(tmp_path: Path) -> None:
    # /dev/full: every write fails with ENOSPC (its truncate with EINVAL): never a traceback
    db = tmp_path / "a.db"
    lock_path(db).symlink_to("/dev/full")
    with pytest.raises(LockError, match=r"^cannot write the crawl lock .*a\.db\.lock: "):
        with crawl_lock(db):
            pass
