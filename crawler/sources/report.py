"""Terminal output of the sources commands: the table of `culturewatch sources` and the
lines of `culturewatch sources check`."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from crawler.sources.state import CheckResult, SourceState
from storage.formats import parse_iso

__all__ = ["check_line", "check_summary", "print_states"]


def _when(iso: str | None) -> str:
    if not iso:
        return "never"
    when = parse_iso(iso)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if when is not None else iso


def print_states(states: list[SourceState], db: Path) -> None:
    """The states as a table (rich), then one line of totals."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"sources ({db})", title_justify="left", expand=False)
    for column, justify in (
        ("name", "left"),
        ("kind", "left"),
        ("lang", "left"),
        ("last success", "left"),
        ("last error", "left"),
        ("articles", "right"),
        ("relevant", "right"),
        ("attention", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold", no_wrap=column == "name")  # type: ignore[arg-type]
    for st in states:
        name = st.source.name if st.source.enabled else f"{st.source.name} (off)"
        error = ""
        if st.last_error and st.last_status == "failed":
            error = st.last_error.removeprefix(f"{st.source.url}: ")  # the URL is in the file
            error = error if len(error) <= 80 else error[:79] + "…"
            if st.failures_in_row > 1:
                error = f"[{st.failures_in_row}x] {error}"
        share = st.relevant_share
        table.add_row(
            name,
            st.source.kind,
            st.source.language or "",
            _when(st.last_success),
            error,
            str(st.articles),
            "" if share is None else f"{st.relevant} ({share:.0%})",
            st.flag or "",
        )
    console = Console()
    if not console.is_terminal:  # a pipe or file: one row per line, however wide
        console = Console(width=1000)
    console.print(table)
    failing = sum(1 for st in states if st.last_status == "failed")
    never = sum(1 for st in states if not st.last_attempt)
    flagged = sum(1 for st in states if st.flag)
    console.print(
        f"{len(states)} sources: {failing} failing at their last crawl, {never} never crawled, "
        f"{flagged} needing attention, {sum(st.articles for st in states)} articles archived"
    )


def check_line(result: CheckResult) -> str:
    """One line: ok or FAIL, name, kind, then what was found or why it failed."""
    source = result.source
    head = f"{'ok' if result.ok else 'FAIL':<4}  {source.name:<28} {source.kind:<11}"
    if not result.ok:
        return f"{head} {result.seconds:6.2f}s  {result.detail}"
    items = "" if result.items is None else f"{result.items} items"
    status = result.http_status if result.http_status is not None else "-"
    tail = f"  {result.detail}" if result.detail else ""
    return f"{head} {result.seconds:6.2f}s  HTTP {status}  {result.format or '?'}, {items}{tail}"


def check_summary(results: list[CheckResult], seconds: float) -> str:
    """The last line of a check: how many sources, how long, how many ok and failed."""
    failed = sum(1 for r in results if not r.ok)
    return (
        f"checked {len(results)} sources in {seconds:.1f}s: "
        f"{len(results) - failed} ok, {failed} failed"
    )
