"""A real headless Chromium for the browser tests (Debian's chromium and chromium-driver).

:func:`chromium` starts one with the flags this machine's closed network needs (no
background networking, component updates or sync) and a profile of its own; the tests
skip themselves with :data:`HAVE_CHROMIUM` when it is not installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

__all__ = ["CHROMEDRIVER", "CHROMIUM", "HAVE_CHROMIUM", "chromium"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_CHROMIUM = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def chromium(profile: Path, *, width: int, height: int, flags: tuple[str, ...] = ()) -> Any:
    """A selenium WebDriver of a new headless Chromium, its window *width* x *height*,
    its profile in *profile*; the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
        *flags,
    ):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
