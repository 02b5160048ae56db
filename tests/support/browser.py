"""A real headless Chromium for the browser tests (Debian's chromium and chromium-driver).

:func:`chromium` starts one with the flags this machine's closed network needs (no
background networking, component updates or sync) and a profile of its own; the tests
skip themselves with :data:`HAVE_CHROMIUM` (reason :data:`NO_CHROMIUM`) when it is not
installed. The pages the README shows are taken by :func:`screen`, a Chromium whose
viewport is the screenshots' :data:`WIDTH` x :data:`HEIGHT`, with :func:`wait` for an
element and :func:`screenshot`: into the test's directory, or with
``CULTUREWATCH_UPDATE_SCREENSHOT=1`` over the tracked one in ``tests/screenshots/``::

    with browse_server(db) as base, screen(tmp / "profile") as driver:
        driver.get(base + "/")
        wait(driver, "form.cw-search")
        screenshot(driver, tmp, "front.png")
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .paths import REPO

__all__ = [
    "CHROMEDRIVER",
    "CHROMIUM",
    "HAVE_CHROMIUM",
    "HEIGHT",
    "NO_CHROMIUM",
    "PNG_SIGNATURE",
    "SCREENSHOTS",
    "UPDATE_SCREENSHOT",
    "WIDTH",
    "chromium",
    "screen",
    "screenshot",
    "wait",
]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_CHROMIUM = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()
NO_CHROMIUM = (
    "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
)
SCREENSHOTS = REPO / "tests" / "screenshots"
UPDATE_SCREENSHOT = "CULTUREWATCH_UPDATE_SCREENSHOT"  # =1: replace the tracked screenshots
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH, HEIGHT = 1400, 1000  # the viewport of the screenshots README shows


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


@contextmanager
def screen(profile: Path, *, width: int = WIDTH, height: int = HEIGHT) -> Iterator[Any]:
    """A headless Chromium whose viewport (not window) is *width* x *height*, no scrollbars,
    as the screenshots are; quit on leaving."""
    driver = chromium(profile, width=width, height=height, flags=("--hide-scrollbars",))
    try:
        driver.set_window_size(width, height)
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
        yield driver
    finally:
        driver.quit()


def wait(driver: Any, css: str, seconds: float = 20) -> Any:
    """The first element matching *css*, once the page has it (at most *seconds*)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    located = ec.presence_of_element_located((By.CSS_SELECTOR, css))
    return WebDriverWait(driver, seconds).until(located)


def screenshot(
    driver: Any, directory: Path, name: str, *, size: tuple[int, int] = (WIDTH, HEIGHT)
) -> Path:
    """Save what *driver* shows as *directory*/*name* (``tests/screenshots/``*name* with
    ``CULTUREWATCH_UPDATE_SCREENSHOT=1``), check it is a real PNG of *size*, return its path."""
    update = os.environ.get(UPDATE_SCREENSHOT, "") == "1"
    path = SCREENSHOTS / name if update else directory / name
    path.parent.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(path)), path
    png = path.read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000, path
    shown = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert shown == size, (name, shown)
    return path
