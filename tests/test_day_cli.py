"""The analyst's day, round two (issue 29): the printed URL, failures as news, one first
carrier, and the smaller mends of the command line.

Every command runs in its own process (``culturewatch ...``), on a real demo archive built
once by ``culturewatch demo --no-browse`` (the demo's own site on 127.0.0.1).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browse_helpers import CULTUREWATCH, free_port, get

pytestmark = pytest.mark.slow


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREWATCH_")}
    return subprocess.run(
        [CULTUREWATCH, *args], env={**clean, **(env or {})}, cwd=cwd,
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("day-demo") / "demo.db"
    result = run("demo", "--no-browse", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return db


@contextmanager
def serving(*args: str, log: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run ``culturewatch ARGS`` (browse or demo) until it prints its "Serving ..." line;
    yields the URL that line gives and the process."""
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [CULTUREWATCH, *args], stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            found = re.search(r"^Serving .* at (\S+) \(Ctrl-C", log.read_text(), re.M)
            if found:
                break
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        url = found.group(1)
        for _ in range(300):  # the line comes just before uvicorn listens
            try:
                get(url + "-/versions.json")
                break
            except OSError:
                time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# --------------------------------------------------------------------------- 1. the door
@pytest.mark.parametrize("command", ["browse", "demo"])
def test_the_printed_url_is_the_front_page(command: str, demo_db: Path, tmp_path: Path) -> None:
    port = free_port()
    with serving(command, "--db", str(demo_db), "--port", str(port), log=tmp_path / "log") as (
        url,
        _,
    ):
        assert url == f"http://127.0.0.1:{port}/"
        status, page = get(url)
        assert status == 200 and "cw-front" in page  # the front page, not the SQL box
        assert 'href="/culturewatch"' in page  # the database page one click away
