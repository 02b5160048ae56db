"""Versions of an article: normalise, compare, diff word by word, classify the change.

Pure functions on plain values (no database: :mod:`storage.revisits` keeps the rows).
Two fetches of a page are compared after normalising their extracted text: whitespace
collapsed, and the phrases a page rewrites on every fetch ("updated 3 minutes ago",
"12:04", "5分钟前") replaced by one placeholder, so that a rotating widget the extractor kept
does not make a version. A change is classified into kinds (:data:`CHANGE_KINDS`); the
body's word-level diff (:mod:`difflib`) is kept, trimmed to its changes and some context.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from storage.formats import parse_iso

__all__ = [
    "CHANGE_KINDS",
    "Change",
    "Snapshot",
    "compare",
    "diff_words",
    "is_soft_not_found",
    "is_removal_redirect",
    "normalise_text",
    "words",
]

# headline, body, byline, date: an edit; removed, restored: the page went away or came back
CHANGE_KINDS = ("headline", "body", "byline", "date", "removed", "restored")

# phrases that change with the clock, not with the article
_CLOCK = re.compile(
    r"(?i)\b(?:updated|published|posted|edited)?\s*(?:about\s+|just\s+)?"
    r"\d+\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b"
    r"|\b(?:just now|moments? ago|a (?:few )?(?:seconds?|minutes?) ago|an hour ago)\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?\b"
    r"|\d+\s*(?:秒|分钟|小时|天)前|刚刚"
)
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\s\u3400-\u9fff\uf900-\ufaff]+")
_NOT_FOUND = re.compile(
    r"(?i)\b404\b|\bnot found\b|page (?:does not|doesn't|no longer) exists?|"
    r"no longer (?:available|exists)|(?:page|article) (?:cannot|could not|can't) be found|"
    r"(?:has|have) been (?:removed|deleted)|页面不存在|找不到|已被?删除|不存在|无法找到"
)
_SHORT_PAGE = 120  # words: a "not found" page is shorter than this
_CONTEXT = 8  # words of unchanged text kept on each side of a change in a stored diff


def normalise_text(text: str | None) -> str:
    """*text* as compared: clock phrases replaced by ``#``, whitespace collapsed."""
    return _SPACE.sub(" ", _CLOCK.sub("#", text or "")).strip()


def words(text: str | None) -> list[str]:
    """The words of normalised *text*; each Han character is a word of its own."""
    return _TOKEN.findall(normalise_text(text))


@dataclass(frozen=True)
class Snapshot:
    """What one fetch of an article said (extracted), as compared between versions."""

    title: str | None = None
    text: str | None = None
    author: str | None = None
    authors: tuple[str, ...] = ()
    published_at: str | None = None


@dataclass(frozen=True)
class Change:
    """How a snapshot differs from the one before: kinds, summary and the body's diff."""

    kinds: tuple[str, ...] = ()
    summary: str = ""
    diff: list[tuple[str, str]] = field(default_factory=list)  # (op, words): = + - …
    words_added: int = 0
    words_removed: int = 0
    share_changed: float = 0.0  # of the earlier body's words, removed or replaced

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def diff_words(old: str | None, new: str | None) -> tuple[list[tuple[str, str]], int, int]:
    """The word-level diff of two texts: segments ``("=", words)``, ``("-", words)``,
    ``("+", words)`` (unchanged runs cut to their ends, ``("…", "")`` for the cut), the
    words added and the words removed."""
    a, b = words(old), words(new)
    out: list[tuple[str, str]] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    codes = matcher.get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(codes):
        if op == "equal":
            run = a[i1:i2]
            head = run[:_CONTEXT] if index > 0 else []
            tail = run[-_CONTEXT:] if index < len(codes) - 1 else []
            if len(run) <= 2 * _CONTEXT and index > 0 and index < len(codes) - 1:
                out.append(("=", _join(run)))
                continue
            if head:
                out.append(("=", _join(head)))
            if len(run) > len(head) + len(tail):
                out.append(("…", ""))
            if tail:
                out.append(("=", _join(tail)))
            continue
        if op in ("delete", "replace"):
            out.append(("-", _join(a[i1:i2])))
            removed += i2 - i1
        if op in ("insert", "replace"):
            out.append(("+", _join(b[j1:j2])))
            added += j2 - j1
    return out, added, removed


def _join(tokens: list[str]) -> str:
    return " ".join(tokens)


def _same_date(a: str | None, b: str | None) -> bool:
    when_a, when_b = parse_iso(a), parse_iso(b)
    if when_a is None or when_b is None:
        return (a or "") == (b or "")
    return when_a.replace(second=0, microsecond=0) == when_b.replace(second=0, microsecond=0)


def _byline(snapshot: Snapshot) -> tuple[str, ...]:
    names = snapshot.authors or tuple(
        n.strip() for n in (snapshot.author or "").split(";") if n.strip()
    )
    return tuple(sorted(_SPACE.sub(" ", n).strip().casefold() for n in names))


def compare(old: Snapshot, new: Snapshot) -> Change:
    """How *new* differs from *old* (an empty change when only clock phrases or whitespace
    did). A byline or date the new fetch lacks is not a change (an extraction miss)."""
    kinds: list[str] = []
    parts: list[str] = []
    if normalise_text(old.title) != normalise_text(new.title) and new.title:
        kinds.append("headline")
        parts.append(f"headline changed from “{old.title or ''}” to “{new.title}”")
    diff: list[tuple[str, str]] = []
    added = removed = 0
    share = 0.0
    if normalise_text(old.text) != normalise_text(new.text):
        diff, added, removed = diff_words(old.text, new.text)
        if added or removed:
            kinds.append("body")
            before = max(len(words(old.text)), 1)
            share = min(1.0, max(added, removed) / before)
            parts.append(f"body edited ({share:.0%} of words: +{added} −{removed})")
    if new.authors or new.author:
        if _byline(old) != _byline(new):
            kinds.append("byline")
            parts.append(
                f"byline changed from “{old.author or ''}” to “{new.author or ', '.join(new.authors)}”"
            )
    if new.published_at and not _same_date(old.published_at, new.published_at):
        kinds.append("date")
        parts.append(f"date changed from {old.published_at or 'none'} to {new.published_at}")
    return Change(tuple(kinds), "; ".join(parts), diff, added, removed, round(share, 4))


def is_soft_not_found(title: str | None, text: str | None) -> bool:
    """A "not found" page served with 200: a short page (or none extracted) whose title or
    text says so. An article of some length is never one, whatever its title (a story
    about "the 404 archives" stays an article)."""
    body = normalise_text(text)
    if len(words(body)) >= _SHORT_PAGE:
        return False
    return bool(title and _NOT_FOUND.search(title)) or bool(body and _NOT_FOUND.search(body))


def is_removal_redirect(requested: str, final: str) -> bool:
    """A redirect from an article to the site's home page or a section page above it."""
    a, b = urlsplit(requested), urlsplit(final)
    if (a.hostname or "").removeprefix("www.") != (b.hostname or "").removeprefix("www."):
        return False
    before = [p for p in a.path.split("/") if p]
    after = [p for p in b.path.split("/") if p]
    if before == after:
        return False
    if not after:
        return True  # the home page
    return len(after) < len(before) and before[: len(after)] == after
