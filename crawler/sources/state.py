"""What the sources commands show: each source's state in the archive, and a live check.

``source_states`` joins the configured sources with their health in the archive
(:func:`storage.queries.source_states`, read-only). ``check_sources`` fetches every source
once through the crawl's own Scrapy stack (:mod:`crawler.kinds.check`, in a process of its
own since Twisted's reactor runs once per process) and returns what it found; printing is
the CLI's (:mod:`crawler.sources.report`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.config import Settings, Source

if TYPE_CHECKING:
    from storage.health import FlagRule

__all__ = [
    "CheckResult",
    "SourceState",
    "archive_sources",
    "check_sources",
    "flag_rule",
    "source_states",
]


# =========================================================================== states
def flag_rule(settings: Settings) -> FlagRule:
    """When a source needs attention: the ``[flags]`` settings."""
    from storage.health import FlagRule

    return FlagRule(settings["flags.failed_crawls"], settings["flags.quiet_days"])


@dataclass
class SourceState:
    source: Source
    last_success: str | None = None
    last_attempt: str | None = None
    last_status: str | None = None
    last_error: str | None = None
    failures_in_row: int = 0
    articles: int = 0
    relevant: int = 0
    flag: str | None = None  # why it needs attention (storage.health), if it does

    @property
    def relevant_share(self) -> float | None:
        return self.relevant / self.articles if self.articles else None


def archive_sources(db: Path) -> list[Source]:
    """The outlets the archive at *db* knows, as sources (``sources --db``). Raises
    :class:`sqlite3.Error` when it cannot be read."""
    from storage.queries import archived_sources

    return [
        Source(
            r["name"],
            r["url"] or "",
            r["kind"] or "",
            r["language"],
            enabled=bool(r["enabled"] if r["enabled"] is not None else 1),
            group=r["source_group"],
        )  # fmt: skip
        for r in archived_sources(db)
    ]


def source_states(
    sources: Iterable[Source], db: Path, rule: FlagRule | None = None
) -> list[SourceState]:
    """Each configured source with its health and article counts from the archive at *db*,
    and why it needs attention under *rule*, if it does.

    A missing archive means no source was crawled yet.
    """
    from storage.health import flagged_sources
    from storage.queries import source_states as archived

    sources = list(sources)
    health = archived(db)
    flags = {}
    if rule is not None:
        flags = {f.name: f.reason for f in flagged_sources(db, rule, [s.name for s in sources])}
    states = []
    for source in sources:
        found = health.get(source.name)
        if found is None:
            states.append(SourceState(source))
            continue
        states.append(
            SourceState(
                source,
                last_success=found.last_success_at,
                last_attempt=found.last_attempt_at,
                last_status=found.last_status,
                last_error=found.last_error,
                failures_in_row=found.failures_in_row or 0,
                articles=found.articles,
                relevant=found.relevant,
                flag=flags.get(source.name),
            )
        )
    return states


# =========================================================================== check
@dataclass
class CheckResult:
    """One source's check: ok or FAIL, latency, HTTP status, format and item count or why.

    The check process (:mod:`crawler.kinds.check`) makes them and sends each as a line of
    JSON, the source by its name."""

    source: Source
    ok: bool
    seconds: float = 0.0
    http_status: int | None = None
    format: str | None = None
    items: int | None = None
    detail: str = ""
    kind: str | None = None  # a discovery: the page is a feed or sitemap itself, else site
    url: str | None = None  # where it found it
    titles: list[str] = field(default_factory=list)  # its latest titles


def _last_line(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1][:200] if lines else ""


def _result(line: str, sources: dict[str, Source]) -> CheckResult | None:
    """The result on one line of the check process, or None when the line is not one."""
    if not line.startswith("{"):
        return None  # not ours (a library printing)
    values = json.loads(line)
    source = sources.get(values.pop("name", None))
    return None if source is None else CheckResult(source, **values)


def check_sources(
    sources: list[Source],
    *,
    config_dir: Path,
    timeout: float = 10.0,
    allow_private_networks: bool = False,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Fetch each source once, with the settings of *config_dir* (``settings.toml``,
    ``themes.toml``); hosts in parallel, each host's sources one at a time.

    Returns the results in the order of *sources*; *on_result* sees each as it comes.
    """
    if not sources:
        return []
    by_name = {s.name: s for s in sources}
    results: dict[str, CheckResult] = {}
    job = {
        "config_dir": str(config_dir),
        "timeout": timeout,
        "allow_private_networks": allow_private_networks,
        "sources": [dataclasses.asdict(s) for s in sources],
    }
    with tempfile.TemporaryDirectory(prefix="culturewatch-check-") as tmp:
        errors = Path(tmp) / "stderr"
        with errors.open("wb") as stderr:
            with subprocess.Popen(
                [sys.executable, "-m", "crawler.kinds.check"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                encoding="utf-8",
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            ) as process:
                try:
                    assert process.stdin is not None and process.stdout is not None
                    process.stdin.write(json.dumps(job))
                    process.stdin.close()
                    for line in process.stdout:
                        result = _result(line, by_name)
                        if result is None or result.source.name in results:
                            continue
                        results[result.source.name] = result
                        if on_result is not None:
                            on_result(result)
                except BaseException:  # stopped early (Ctrl-C): the check stops too
                    process.kill()
                    raise
                code = process.wait()
        why = _last_line(errors) or f"exit status {code}"
    for source in sources:  # the check process ended before these answered
        if source.name not in results:
            result = CheckResult(source, False, detail=f"not checked: the check stopped ({why})")
            results[source.name] = result
            if on_result is not None:
                on_result(result)
    return [results[s.name] for s in sources]
