"""The analyst's day in a real headless Chromium (issue 29, items 4 to 6): a story's page as
a timeline reached from the stories table, a search's chart of attention over time, an alert
saved from the page and received on a loopback SMTP server, a source muted and unmuted.

Screenshots at 1400x1000 go to the test's temporary directory; with
``CULTUREWATCH_UPDATE_SCREENSHOT=1`` they replace the tracked ones in ``tests/screenshots/``
(story.png, attention.png, mutes.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browse_helpers import browse_server
from support.browser import HAVE_CHROMIUM, NO_CHROMIUM, screen, screenshot, wait
from test_day_web import WIRE_ORDER, demo_archive

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=NO_CHROMIUM),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Path]]:
    tmp = tmp_path_factory.mktemp("day-browser")
    with browse_server(demo_archive(tmp)) as base, screen(tmp / "chromium-profile") as driver:
        yield base, driver, tmp


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


def test_a_search_charted_over_time(site: tuple[str, Any, Path]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, driver, tmp = site
    driver.get(base + "/culturewatch/search?q=%E5%93%AA%E5%90%92")
    wait(driver, "a.cw-attention-link").click()
    WebDriverWait(driver, 30).until(
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, ".cw-chart svg.marks, .cw-chart canvas")) >= 4
        )
    )
    text = driver.find_element(By.TAG_NAME, "body").text
    assert "Attention over time: “哪吒”" in text and "matching of" in text
    csv_link = driver.find_element(By.CSS_SELECTOR, "a.cw-csv").get_attribute("href")
    assert "format=csv" in csv_link and "q=%E5%93%AA%E5%90%92" in csv_link
    screenshot(driver, tmp, "attention.png")


def test_an_alert_saved_from_the_page_arrives_by_mail(site: tuple[str, Any, Path]) -> None:
    from click.testing import CliRunner
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from support import write_settings
    from support.mailbox import Mailbox

    from crawler.cli import cli

    base, driver, tmp = site
    driver.get(base + "/culturewatch/search?q=animation")
    wait(driver, "details.cw-save-alert summary").click()
    form = driver.find_element(By.CSS_SELECTOR, "form.cw-alert-form")
    form.find_element(By.NAME, "name").send_keys("animation-web")
    form.find_element(By.NAME, "email").send_keys("desk@example.org")
    Select(form.find_element(By.NAME, "frequency")).select_by_value("daily")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver, ".cw-saved-alerts")
    assert "Alert 'animation-web' saved" in driver.find_element(By.TAG_NAME, "body").text
    config = tmp / "config"
    write_settings(config)
    with Mailbox() as box:
        (config / "alerts.toml").write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {box.port}\nfrom = "cw <cw@example.org>"\n'
            'security = "none"\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(
            cli, ["alerts", "run", "--config", str(config), "--db", str(tmp / "demo.db")]
        )
        assert result.exit_code == 0, result.output
        assert "animation-web -> email:desk@example.org: sent 2 stories" in result.stdout
        (message,) = box.messages
    assert message["To"] == "desk@example.org"
    body = message.get_body(("plain",)).get_content()
    assert "alert animation-web: 2 new stories" in body and "Search: animation" in body


def test_muting_a_source_from_the_page(site: tuple[str, Any, Path]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, driver, tmp = site
    driver.get(base + "/")
    wait(driver, "form.cw-search")
    assert "demo-meridian" in driver.find_element(By.CSS_SELECTOR, "body").text
    driver.get(base + "/-/culturewatch/mutes")
    form = wait(driver, "form.cw-mute-source")
    Select(form.find_element(By.NAME, "value")).select_by_value("demo-meridian")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    muted = wait(driver, "strong.cw-muted")
    assert muted.text == "demo-meridian"
    screenshot(driver, tmp, "mutes.png")
    driver.get(base + "/")
    wait(driver, "form.cw-search")
    assert "demo-meridian" not in driver.find_element(By.CSS_SELECTOR, "body").text
    driver.get(base + "/-/culturewatch/mutes")
    wait(driver, "form.cw-unmute button").click()
    wait(driver, "form.cw-mute-source")
    assert not driver.find_elements(By.CSS_SELECTOR, "strong.cw-muted")
    driver.get(base + "/")
    assert "demo-meridian" in wait(driver, "body").text
