"""The analyst's day in a real headless Chromium (issue 29, items 4 to 6): a story's page as
a timeline reached from the stories table, a search's chart of attention over time, an alert
saved from the page and received on a loopback SMTP server, a source muted and unmuted.

Screenshots at 1400x1000 go to the test's temporary directory; with
``CULTUREWATCH_UPDATE_SCREENSHOT=1`` they replace the tracked ones in ``tests/screenshots/``
(story.png, attention.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browse_helpers import browse_server
from support.browser import HAVE_CHROMIUM, chromium
from test_day_web import WIRE_ORDER, demo_archive
from test_front_browser import HEIGHT, WIDTH, screenshot, wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not HAVE_CHROMIUM,
        reason="chromium and chromium-driver are not installed "
        "(apt-get install chromium chromium-driver)",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Path]]:
    tmp = tmp_path_factory.mktemp("day-browser")
    db = demo_archive(tmp)
    with browse_server(db) as base:
        driver = chromium(
            tmp / "chromium-profile", width=WIDTH, height=HEIGHT, flags=("--hide-scrollbars",)
        )
        try:
            driver.set_window_size(WIDTH, HEIGHT)
            inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
            driver.set_window_size(2 * WIDTH - inner[0], 2 * HEIGHT - inner[1])
            yield base, driver, tmp
        finally:
            driver.quit()


def test_a_story_timeline_from_the_stories_table(site: tuple[str, Any, Path]) -> None:
    from selenium.webdriver.common.by import By

    base, driver, tmp = site
    driver.get(base + "/culturewatch/stories")
    title = wait(driver, "td.col-title")
    assert title.size["width"] > 200  # the title does not wrap one word per line
    driver.find_element(By.CSS_SELECTOR, "td.col-id a").click()
    wait(driver, "ol.cw-timeline")
    outlets = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".cw-copy .cw-outlet")]
    assert outlets == WIRE_ORDER
    figures = driver.find_element(By.CSS_SELECTOR, ".cw-figures").text
    assert "4 outlets" in figures and "11 hours" in figures
    screenshot(driver, tmp, "story.png")
    driver.find_elements(By.CSS_SELECTOR, ".cw-copy a.cw-title")[2].click()
    wait(driver, "article.cw-article")
    assert "demo-courier" in driver.find_element(By.CSS_SELECTOR, ".cw-meta").text
