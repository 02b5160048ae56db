"""End to end in a real headless Chromium: open the archive, search for 哪吒, screenshot.

Uses Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) driven by
selenium; skipped when they are not installed. The screenshot goes to the test's temporary
directory; with ``CULTUREWATCH_UPDATE_SCREENSHOT=1`` it replaces the tracked
``tests/screenshots/browse.png`` (the one the README shows).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browse_helpers import browse_server, crawl_fixture_archive
from support.browser import (
    HAVE_CHROMIUM,
    NO_CHROMIUM,
    PNG_SIGNATURE,
    SCREENSHOTS,
    UPDATE_SCREENSHOT,
    chromium,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=NO_CHROMIUM),
]


def test_search_in_the_browser(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    db = crawl_fixture_archive(tmp_path)
    update = os.environ.get(UPDATE_SCREENSHOT, "") == "1"
    screenshot = SCREENSHOTS / "browse.png" if update else tmp_path / "browse.png"
    with browse_server(db) as base:
        driver = chromium(tmp_path / "chromium-profile", width=1280, height=1100)
        try:
            driver.get(f"{base}/culturewatch/articles")
            box = WebDriverWait(driver, 20).until(
                ec.presence_of_element_located((By.CSS_SELECTOR, "input[name=_search]"))
            )
            box.send_keys("哪吒", Keys.ENTER)
            WebDriverWait(driver, 20).until(ec.url_contains("_search="))
            titles = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "td.col-title")]
            assert titles and all("哪吒" in t for t in titles), titles
            assert "search matches" in driver.find_element(By.TAG_NAME, "body").text
            # the column descriptions come first on the page: show the search and results
            driver.execute_script("document.querySelector('h3').scrollIntoView()")
            screenshot.parent.mkdir(exist_ok=True)
            assert driver.save_screenshot(str(screenshot))
        finally:
            driver.quit()
    png = screenshot.read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= 800 and height >= 600, (width, height)
