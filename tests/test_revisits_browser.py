"""An article's history in a real headless Chromium: its versions, the word diff with the
deleted words struck and the inserted ones marked, a removal's date and status.

The archive is written by the product's own code (``Archive.upsert_article``, then
``storage.revisits.apply_fetch`` with the answers of three revisits); the screenshot goes to
the test's temporary directory, or with ``CULTUREWATCH_UPDATE_SCREENSHOT=1`` to
``tests/screenshots/history.png`` (for the README).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browse_helpers import browse_server
from support.browser import HAVE_CHROMIUM, NO_CHROMIUM, screen, screenshot

from storage.archive import Archive
from storage.revisits import Due, Fetch, apply_fetch
from storage.versions import Snapshot

URL = "https://state-news.example/culture/2026/ne-zha-abroad.html"
TITLE = "Ne Zha 2 draws crowds in forty countries, a triumph of cultural confidence"
TEXT = (
    "The animated film Ne Zha 2 opened in forty countries this week, its distributor said.\n"
    "Audiences in Sydney, Toronto and Kuala Lumpur queued for the first screenings.\n"
    "A foreign critic called the film a lecture on cultural confidence.\n"
    "The studio plans a third film for the Spring Festival season."
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=NO_CHROMIUM),
]


def _answer(archive: Archive, article_id: int, fetch: Fetch, now: str) -> str:
    row = archive.db.execute(
        "select revisits, coalesce(state, 'current'), etag, last_modified, removal_seen_at "
        "from article_revisits "
        "where article_id = ?",
        [article_id],
    ).fetchone() or (0, "current", None, None, None)
    due = Due(article_id, URL, "2026-03-04T08:00:00+00:00", *row)
    with archive.transaction():
        return apply_fetch(
            archive.db, archive.raw_pages, due, fetch, after=[3600], confirm=3600, now=now
        )


def history_archive(directory: Path) -> tuple[Path, int]:
    db = directory / "archive.db"
    with Archive(db) as archive:
        article_id, _ = archive.upsert_article(
            {
                "url": URL,
                "title": TITLE,
                "text": TEXT,
                "source": "state-news",
                "author": "Staff reporter",
                "published_at": "2026-03-04T07:00:00+00:00",
                "fetched_at": "2026-03-04T08:00:00+00:00",
                "language": "en",
                "relevance": 0.9,
                "relevant": 1,
                "themes": ["films_games"],
            }
        )
        edited = Snapshot(
            title="Ne Zha 2 draws crowds in forty countries",
            text=TEXT.replace(
                "A foreign critic called the film a lecture on cultural confidence.\n", ""
            ).replace("forty countries this week", "forty-two countries this week"),
            author="Staff reporter",
            published_at="2026-03-04T07:00:00+00:00",
        )
        ok = Fetch("ok", URL, status=200, final_url=URL, body=b"<html>edited</html>")
        ok.extracted = edited
        assert _answer(archive, article_id, ok, "2026-03-04T09:05:00+00:00") == "changed"
        gone = Fetch("ok", URL, status=404, final_url=URL, body=b"gone")
        assert _answer(archive, article_id, gone, "2026-03-05T08:10:00+00:00") == (
            "removal_pending"
        )
        assert _answer(archive, article_id, gone, "2026-03-05T09:20:00+00:00") == "removed"
    return db, article_id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Path, int]]:
    tmp = tmp_path_factory.mktemp("history-browser")
    db, article_id = history_archive(tmp)
    with browse_server(db) as base, screen(tmp / "profile") as driver:
        yield base, driver, tmp, article_id


def test_article_page_shows_its_history(site: tuple[str, Any, Path, int]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, driver, tmp, article_id = site
    driver.get(f"{base}/culturewatch/articles/{article_id}")
    history = WebDriverWait(driver, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "section.cw-history"))
    )
    removed = history.find_element(By.CSS_SELECTOR, ".cw-removed").text
    assert removed == "Removed on 2026-03-05, HTTP 404."
    versions = history.find_elements(By.CSS_SELECTOR, "li.cw-version")
    assert [v.get_attribute("id") for v in versions] == ["version-3", "version-2", "version-1"]
    deleted = [d.text for d in history.find_elements(By.CSS_SELECTOR, ".cw-diff del")]
    inserted = [i.text for i in history.find_elements(By.CSS_SELECTOR, ".cw-diff ins")]
    assert "forty" in deleted and "forty-two" in inserted
    assert any("lecture on cultural confidence." in d for d in deleted)
    chips = [c.text for c in versions[1].find_elements(By.CSS_SELECTOR, ".cw-chip")]
    assert chips == ["headline", "body"]
    # the deleted words are struck through (the browser's rendering of <del>)
    style = driver.execute_script(
        "return getComputedStyle(document.querySelector('.cw-diff del')).textDecorationLine"
    )
    assert "line-through" in style
    driver.execute_script("arguments[0].scrollIntoView()", history)
    screenshot(driver, tmp, "history.png")
