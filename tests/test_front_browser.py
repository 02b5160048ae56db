"""The reader's pages in a real headless Chromium: the front page, a concept search from its
box, an article page with its evidence marked, the dashboard with its charts drawn.

Screenshots of the first screen at 1400x1000 go to the test's temporary directory; with
``CULTUREWATCH_UPDATE_SCREENSHOT=1`` they replace the tracked ones in ``tests/screenshots/``
(front.png, search.png, article.png, dashboard.png: the README shows them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browse_helpers import ENGLISH_NEZHA, browse_server, front_archive
from support.browser import HAVE_CHROMIUM, NO_CHROMIUM, screen, screenshot, wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=NO_CHROMIUM),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Path]]:
    tmp = tmp_path_factory.mktemp("front-browser")
    with browse_server(front_archive(tmp)) as base, screen(tmp / "chromium-profile") as driver:
        yield base, driver, tmp


def test_front_page_and_a_concept_search(site: tuple[str, Any, Path]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, driver, tmp = site
    driver.get(base + "/")
    box = wait(driver, "form.cw-search input[name=q]")
    sections = driver.find_elements(By.CSS_SELECTOR, "section.cw-theme")
    assert len(sections) == 6
    titles = [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".cw-theme a.cw-title")]
    assert ENGLISH_NEZHA["title"] in titles
    dashboard = driver.find_element(By.LINK_TEXT, "Dashboard: attention over time")
    assert dashboard.get_attribute("href").endswith("/-/dashboards/attention")
    assert box.location["y"] < 200  # the search box is on the first screen, at the top
    screenshot(driver, tmp, "front.png")

    box.send_keys("哪吒", Keys.ENTER)
    WebDriverWait(driver, 20).until(ec.url_contains("/culturewatch/search"))
    wait(driver, "table.rows-and-columns")
    found = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "td.col-title")]
    assert any(ENGLISH_NEZHA["title"] in t for t in found), found  # the English spelling
    assert any("哪吒" in t for t in found), found
    assert driver.find_elements(By.CSS_SELECTOR, "td.col-snippet mark")
    screenshot(driver, tmp, "search.png")


def test_article_page_marks_the_evidence(site: tuple[str, Any, Path]) -> None:
    from selenium.webdriver.common.by import By

    base, driver, tmp = site
    driver.get(base + "/culturewatch/search?q=Nezha")
    wait(driver, "td.col-title a.cw-title")
    link = next(
        a
        for a in driver.find_elements(By.CSS_SELECTOR, "td.col-title a.cw-title")
        if a.text == ENGLISH_NEZHA["title"]
    )
    link.click()
    wait(driver, "article.cw-article")
    marks = [m.text for m in driver.find_elements(By.CSS_SELECTOR, ".cw-body mark")]
    assert "Ne Zha 2" in marks, marks
    why = driver.find_element(By.CSS_SELECTOR, "section.cw-why").text
    assert "Why it scored" in why and "Chinese films and games abroad" in why
    screenshot(driver, tmp, "article.png")


def test_dashboard_draws_its_charts(site: tuple[str, Any, Path]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, driver, tmp = site
    driver.get(base + "/-/dashboards/attention")
    WebDriverWait(driver, 30).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg.marks, canvas.marks")) >= 3
    )
    text = driver.find_element(By.TAG_NAME, "body").text
    assert "Attention per theme" in text and "Attention per source group" in text
    screenshot(driver, tmp, "dashboard.png")
