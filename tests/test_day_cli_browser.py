"""The failing-sources banner in a real headless Chromium (issue 29): after an offline crawl
of the default sources, the URL ``culturewatch browse`` prints opens the front page, which
says every source failed and leads to the source-health query in one click."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from browse_helpers import free_port
from support.browser import HAVE_CHROMIUM, NO_CHROMIUM, chromium
from test_day_cli import demo_db, offline_db, serving

__all__ = ["demo_db", "offline_db"]  # the fixtures, shared with test_day_cli.py

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=NO_CHROMIUM),
]


def test_the_printed_url_shows_the_failing_sources_banner(
    offline_db: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    db, _ = offline_db
    port = free_port()
    with serving("browse", "--db", str(db), "--port", str(port), log=tmp_path / "log") as (url, _):
        driver = chromium(tmp_path / "profile", width=1200, height=900)
        try:
            driver.get(url)  # the URL as printed: the front page
            wait = WebDriverWait(driver, 20)
            banner = wait.until(
                ec.presence_of_element_located((By.CSS_SELECTOR, ".cw-failing-all"))
            )
            assert banner.is_displayed()
            head = driver.find_element(By.CSS_SELECTOR, ".cw-head")
            assert banner.location["y"] > head.location["y"]  # right under the search box
            assert banner.location["y"] < 400  # on the first screen
            assert "Every source is failing." in banner.text
            assert "Every source failed the last crawl" in banner.text
            banner.find_element(By.LINK_TEXT, "Source health").click()
            wait.until(ec.url_contains("/culturewatch/source_health"))
            wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
            errors = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "td.col-last_error")]
            assert errors and any("DNS lookup" in e for e in errors), errors[:3]
        finally:
            driver.quit()
