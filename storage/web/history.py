"""An article's history and the archive's recent changes, as the pages show them.

:func:`article_history` reads the versions of one article (``article_versions``, written by
revisits: :mod:`storage.revisits`) for the template ``_history.html``: each version with its
kinds, summary and word diff as safe HTML (every word escaped, only ``<ins>``, ``<del>`` and
the cut marker added), and "removed on DATE, HTTP 404" when the article is gone. Of an
article pruned by retention (:mod:`storage.retention`) the versions keep their dates, kinds
and summaries but lost their texts and diffs: :attr:`History.pruned` says so, and a version
whose body changed says its diff was dropped rather than showing none.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from storage.connection import Reader

__all__ = ["History", "Version", "article_history", "diff_html", "since_yesterday"]


@dataclass(frozen=True)
class Version:
    number: int
    fetched_at: str
    http_status: int | None
    kinds: tuple[str, ...]
    summary: str
    title: str | None
    diff_html: str  # safe HTML
    words_added: int
    words_removed: int
    diff_pruned: bool = False  # a body change whose diff retention dropped with the text


@dataclass(frozen=True)
class History:
    versions: tuple[Version, ...]
    removed_on: str | None = None  # the date of the removal when the article is gone now
    removed_status: int | None = None
    removed_reason: str | None = None
    last_revisit_at: str | None = None
    last_outcome: str | None = None
    pruned: bool = False  # the article's text, and so its versions', dropped by retention


def diff_html(diff: Any) -> str:
    """A stored diff (``[[op, words], ...]``) as HTML: deleted words in ``<del>``, inserted
    in ``<ins>``, a cut run as ``…``; every word escaped."""
    try:
        segments = json.loads(diff) if isinstance(diff, str) else diff
    except ValueError:
        return ""
    out = []
    for segment in segments if isinstance(segments, list) else []:
        if not isinstance(segment, list) or len(segment) != 2:
            continue
        op, words = str(segment[0]), escape(str(segment[1]))
        if op == "-":
            out.append(f"<del>{words}</del>")
        elif op == "+":
            out.append(f"<ins>{words}</ins>")
        elif op == "…":
            out.append('<span class="cw-cut">…</span>')
        else:
            out.append(words)
    return " ".join(out)


def _kinds(value: Any) -> tuple[str, ...]:
    try:
        parsed = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return ()
    return tuple(str(k) for k in parsed) if isinstance(parsed, list) else ()


def article_history(conn: Reader, article_id: int) -> History | None:
    """The versions of the article, newest first; None when it was never revisited."""
    try:
        rows = conn.execute(
            "select version, fetched_at, http_status, changes, diff_summary, title, diff, "
            "coalesce(words_added, 0), coalesce(words_removed, 0) from article_versions "
            "where article_id = ? order by version desc",
            [article_id],
        ).fetchall()
        article = conn.execute("select text is null from articles where id = ?", [article_id])
        pruned = bool((article.fetchone() or [False])[0])
        state = conn.execute(
            "select state, removed_at, removal_status, removal_reason, last_revisit_at, "
            "last_outcome from article_revisits where article_id = ?",
            [article_id],
        ).fetchone()
    except sqlite3.OperationalError:  # an archive of an earlier release
        return None
    if not rows and state is None:
        return None
    versions = tuple(
        Version(
            number=int(r[0]),
            fetched_at=r[1] or "",
            http_status=r[2],
            kinds=_kinds(r[3]),
            summary=r[4] or "",
            title=r[5],
            diff_html=diff_html(r[6]) if r[6] else "",
            words_added=int(r[7]),
            words_removed=int(r[8]),
            diff_pruned=pruned and not r[6] and "body" in _kinds(r[3]),
        )
        for r in rows
    )
    removed = state is not None and state[0] == "removed"
    return History(
        versions=versions,
        removed_on=(state[1] or "")[:10] if removed and state else None,
        removed_status=state[2] if removed and state else None,
        removed_reason=state[3] if removed and state else None,
        last_revisit_at=state[4] if state else None,
        last_outcome=state[5] if state else None,
        pruned=pruned,
    )


def since_yesterday() -> str:
    """24 hours ago, ISO 8601 in UTC: the front page's "changed or removed since yesterday"."""
    return (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
