"""`handle_errors`: an operating-system error that escapes a command is one line, exit 1;
click's own exceptions and ``sys.exit`` keep their meaning."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler.cli import handle_errors


def invoke(body) -> click.testing.Result:
    @click.command()
    @handle_errors
    def job() -> None:
        body()

    return CliRunner().invoke(job, [], prog_name="culturewatch")


def test_disk_full_is_one_line_and_exit_1() -> None:
    def write_to_full_disk() -> None:
        with open("/dev/full", "wb", buffering=0) as handle:  # every write: ENOSPC
            handle.write(b"digest")

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    result = invoke(write_to_full_disk)
    assert result.exit_code == 1
    assert result.output == "culturewatch: job failed: No space left on device\n"


def test_the_file_is_named_when_the_error_knows_it(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "2026-03-04.md"
    result = invoke(lambda: missing.write_text("x"))
    assert result.exit_code == 1
    assert result.output == f"culturewatch: job failed: {missing}: No such file or directory\n"
    old, new = tmp_path / "old", tmp_path / "new"
    result = invoke(lambda: os.rename(old, new))
    assert result.output == (
        f"culturewatch: job failed: {old} -> {new}: No such file or directory\n"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_permission_denied(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = invoke(lambda: (locked / "x").write_text("x"))
    assert result.exit_code == 1
    assert result.output == f"culturewatch: job failed: {locked / 'x'}: Permission denied\n"


def test_click_exceptions_and_exits_pass_through() -> None:
    def usage() -> None:
        raise click.UsageError("no such option")

    result = invoke(usage)
    assert result.exit_code == 2 and "Error: no such option" in result.output
    assert "Usage:" in result.output

    def bad_file() -> None:  # click.FileError is a ClickException, not an OSError
        raise click.FileError("/srv/in.txt", hint="it is gone")

    result = invoke(bad_file)
    assert result.exit_code == 1 and "Could not open file" in result.output
    assert "job failed" not in result.output

    def status() -> None:
        sys.exit(3)

    assert invoke(status).exit_code == 3

    def abort() -> None:
        raise click.Abort()

    result = invoke(abort)
    assert result.exit_code == 1 and "Aborted!" in result.output


def test_a_closed_pipe_is_left_to_click() -> None:
    """`culturewatch score *.txt | head -1`: click ends quietly on EPIPE; no message."""

    def write_to_closed_pipe() -> None:
        read, write = os.pipe()
        os.close(read)
        try:
            os.write(write, b"x")
        finally:
            os.close(write)

    result = invoke(write_to_closed_pipe)
    assert result.exit_code == 1
    assert result.output == ""
