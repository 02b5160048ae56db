"""The digest and the labels: the labelled precision of the last 30 days, and the HTML's link
from each entry back to its article page (where it is labelled)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.archive import Archive
from storage.labels import add_label, wilson
from storage.outputs import default_labels, write_digest

DAY = date(2026, 3, 4)
PAGES = "http://127.0.0.1:8001/culturewatch/articles"


def build(db: Path) -> dict[str, int]:
    # (url, fetched_at, relevant, labels by person)
    rows = [
        ("https://a.example/today", "2026-03-04T08:00:00+00:00", 1, {"ana": 1}),
        ("https://a.example/week", "2026-02-26T08:00:00+00:00", 1, {"ana": 0, "bo": 0}),
        ("https://a.example/month", "2026-02-03T08:00:00+00:00", 1, {"ana": 1}),  # day 30
        ("https://a.example/old", "2026-02-02T08:00:00+00:00", 1, {"ana": 0}),  # day 31: out
        ("https://a.example/later", "2026-03-05T08:00:00+00:00", 1, {"ana": 0}),  # after: out
        ("https://a.example/noise", "2026-03-04T09:00:00+00:00", 0, {"ana": 0}),  # not relevant
        ("https://a.example/unlabelled", "2026-03-04T10:00:00+00:00", 1, {}),
    ]
    ids = {}
    with Archive(db) as archive:
        for url, fetched, relevant, labels in rows:
            row_id, _ = archive.upsert_article(
                {"url": url, "title": url.rsplit("/", 1)[1], "text": "x", "fetched_at": fetched}
            )
            archive.set_relevance(
                row_id,
                relevance=0.9 if relevant else 0.1,
                relevant=bool(relevant),
                themes=["films_games"] if relevant else [],
                theme_scores={"films_games": 0.9},
                evidence={},
            )
            with archive.transaction():
                for person, label in labels.items():
                    add_label(archive.db.conn, row_id, label, labelled_by=person)
            ids[url] = row_id
    return ids


def test_labelled_precision_and_links(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    ids = build(db)
    out = tmp_path / "digests"
    labels = default_labels(["films_games"])
    write_digest(db, DAY, out, tz=ZoneInfo("UTC"), labels=labels, article_pages=PAGES)
    data = json.loads((out / "2026-03-04.json").read_text(encoding="utf-8"))
    found = data["labelled_precision"]
    # today's (relevant), the week's (not, both people), the 30th day's (relevant)
    assert (found["labelled"], found["correct"], found["days"]) == (3, 2, 30)
    assert found["precision"] == 2 / 3
    low, high = wilson(2, 3) or (0, 1)
    assert (found["low"], found["high"]) == (low, high)
    markdown = (out / "2026-03-04.md").read_text(encoding="utf-8")
    assert "Labelled precision of the last 30 days: **0.67** (2 of the 3" in markdown
    page = (out / "2026-03-04.html").read_text(encoding="utf-8")
    assert "Labelled precision of the last 30 days: <strong>0.67</strong>" in page
    assert f'<a href="{PAGES}/{ids["https://a.example/today"]}#label">' in page


def test_no_labels_no_precision_and_no_links_when_not_served(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    build(db)
    with Archive(db) as archive, archive.transaction():
        archive.db.execute("delete from labels")
    out = tmp_path / "digests"
    write_digest(db, DAY, out, tz=ZoneInfo("UTC"), labels=default_labels(["films_games"]))
    assert (
        json.loads((out / "2026-03-04.json").read_text(encoding="utf-8"))["labelled_precision"]
        is None
    )
    page = (out / "2026-03-04.html").read_text(encoding="utf-8")
    assert "Labelled precision" not in page and "#label" not in page
