"""The crawl's progress display: a live line on a terminal, plain lines otherwise."""

from __future__ import annotations

import io

from crawler.cli import progress as display
from crawler.progress import CrawlSnapshot

SNAP = CrawlSnapshot(elapsed=65.0, sources=4, sources_done=1, queued=300, fetched=130, new=120)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_snapshot_reads_as_one_line() -> None:
    line = display.describe(SNAP)
    assert line == (
        "sources 1/4 done, pages 130 fetched of 300 queued, 120 new, 2.0 pages/s, 1:05 elapsed"
    )


def test_a_crawl_shared_by_workers_counts_their_pages() -> None:
    snap = CrawlSnapshot(
        elapsed=65.0, sources=4, sources_done=4, queued=300, fetched=130, new=120,
        cluster=(300, 8, 130),
    )  # fmt: skip
    assert display.describe(snap) == (
        "sources 4/4 done, pages 130 fetched of 300 queued, 120 new, "
        "workers: 300 pushed, 8 in flight, 130 done, 2.0 pages/s, 1:05 elapsed"
    )


def test_plain_lines_when_not_a_terminal(monkeypatch) -> None:
    out = io.StringIO()
    shown = display.CrawlProgress(out)
    shown.update(SNAP)  # less than PLAIN_EVERY since it started: nothing yet
    assert out.getvalue() == ""
    monkeypatch.setattr(display, "PLAIN_EVERY", 0.0)
    shown.update(SNAP)
    shown.update(SNAP)
    shown.close()
    assert out.getvalue().splitlines() == [f"progress: {display.describe(SNAP)}"] * 2


def test_a_live_line_on_a_terminal_is_cleared_at_the_end() -> None:
    out = Terminal()
    shown = display.CrawlProgress(out)
    shown.update(SNAP)
    assert "crawling" in out.getvalue() and "130 fetched" in out.getvalue()
    shown.close()
    assert out.getvalue().endswith("\x1b[2K")  # transient: erased before the summary
