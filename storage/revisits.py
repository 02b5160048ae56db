"""Revisits in the archive: which articles are due, and what a revisit's answer changes.

Tables of ``m016_article_versions``: ``article_revisits`` (per article: the schedule, the
validators of the last fetch, a removal awaiting its confirmation, the state) and
``article_versions`` (the versions, only ever inserted). Version 1 is what was first archived
(the ``articles`` row, which stays as it was): it is written when the first change or
removal is seen, so an article that never changes has no version rows.

The answer of one revisit (a :class:`Fetch`) is applied by :func:`apply_fetch`:

- 304, or the same content after normalising (:func:`storage.versions.compare`): unchanged;
- other content: a new version with its kinds and word diff (``changed``);
- 404, 410, a redirect to the home or a section page, a "not found" page served with 200: a
  removal answer; the article is ``removed`` (a version) only when a second such answer
  comes at least ``confirm`` seconds after the first (``removal_pending`` until then);
- a page that comes back after a removal: ``restored`` (a version);
- 403, 429, 5xx, a network error, robots.txt: ``blocked`` or ``failed``, never a removal;
  tried again ``confirm`` seconds later;
- a 200 page that does not extract: ``extract_failed``; the current version stays current.

Raw captures: a new version's page is appended to the WARC files as a response record (its
row points at it); a 200 whose body is the first capture's byte for byte gets a WARC revisit
record; a 304 or a page equal only after normalising writes nothing.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from storage.captures import CaptureMissing
from storage.connection import Reader
from storage.formats import parse_iso, utcnow
from storage.raw_pages import RawPages
from storage.saved_alerts import load_mutes, mute_clause
from storage.versions import Change, Snapshot, compare, is_removal_redirect, is_soft_not_found

__all__ = [
    "Due",
    "Fetch",
    "apply_fetch",
    "changes_since",
    "due_articles",
    "first_validators",
]


@dataclass(frozen=True)
class Due:
    """An article to revisit, with the validators to send."""

    article_id: int
    url: str
    fetched_at: str
    revisits: int
    state: str
    etag: str | None
    last_modified: str | None
    removal_seen_at: str | None


@dataclass
class Fetch:
    """One revisit's answer. *kind*: ``ok`` (a response, any status the spider kept: 2xx,
    304, 404, 410), ``blocked`` (403, 429, 5xx after retries) or ``failed`` (network error,
    robots.txt, the private-network guard)."""

    kind: str
    url: str  # requested
    status: int | None = None
    final_url: str | None = None
    body: bytes = b""
    headers: Sequence[tuple[str, str]] = ()
    error: str | None = None
    extracted: Snapshot | None = None  # set for a 200 that extracted
    page_title: str | None = None  # the raw <title>, when it did not

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def due_articles(
    db: sqlite_utils.Database,
    after: Sequence[int],
    *,
    now: str | None = None,
    every: bool = False,
    limit: int | None = None,
) -> list[Due]:
    """The relevant articles due for a revisit at *now*, the most overdue first (*every*:
    every relevant article, due or not); at most *limit*."""
    now = now or utcnow()
    first = after[0] / 86400 if after else None
    if first is None and not every:
        return []
    where = "a.relevant = 1"
    params: list[Any] = []
    due_expr = "coalesce(julianday(r.next_due_at), julianday(a.fetched_at) + ?)"
    params.append(first if first is not None else 0)
    if not every:
        where += f" and (r.article_id is null or r.next_due_at is not null) and {due_expr} <= ?"
        params += [first, _julian(now)]
    sql = (
        f"select a.id, a.url, a.fetched_at, coalesce(r.revisits, 0), coalesce(r.state, 'current'), "
        f"r.etag, r.last_modified, r.removal_seen_at, {due_expr} as due "
        f"from articles a left join article_revisits r on r.article_id = a.id "
        f"where {where} order by due, a.id"
    )
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    return [Due(*row[:8]) for row in db.execute(sql, params).fetchall()]


def _julian(when: str) -> float:
    moment = parse_iso(when)
    assert moment is not None
    return moment.timestamp() / 86400 + 2440587.5


def first_validators(pages: RawPages, url: str) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified of the article's first fetch, from its WARC response
    record (the archive keeps no other copy of them); (None, None) without a capture."""
    place = pages.place(url)
    if place is None:
        return None, None
    file, offset, length = place
    try:
        with open(Path(pages.base) / file, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
    except (OSError, StopIteration, CaptureMissing, ValueError):
        return None, None
    headers = record.http_headers
    if headers is None:
        return None, None
    return headers.get_header("ETag"), headers.get_header("Last-Modified")


def _current(db: sqlite_utils.Database, article_id: int) -> tuple[Snapshot, int]:
    """The current content (the latest version that is not a removal, else the article as
    first archived) and the number of the latest version (0: none written yet)."""
    latest = db.execute(
        "select max(version) from article_versions where article_id = ?", [article_id]
    ).fetchone()[0]
    row = db.execute(
        "select title, text, author, authors, published_at from article_versions "
        "where article_id = ? and text is not null order by version desc limit 1",
        [article_id],
    ).fetchone()
    if row is None:
        row = db.execute(
            "select title, text, author, authors, published_at from articles where id = ?",
            [article_id],
        ).fetchone()
    title, text, author, authors, published = row
    names = tuple(json.loads(authors)) if authors else ()
    return Snapshot(title, text, author, names, published), int(latest or 0)


def _ensure_first(db: sqlite_utils.Database, article_id: int) -> None:
    db.execute(
        "insert or ignore into article_versions (article_id, version, fetched_at, http_status, "
        "url, title, text, author, authors, published_at, changes, diff_summary, "
        "warc_filename, warc_record_offset, warc_record_length) "
        "select id, 1, fetched_at, 200, url, title, text, author, authors, published_at, "
        "'[]', 'as first archived', warc_filename, warc_record_offset, warc_record_length "
        "from articles where id = ?",
        [article_id],
    )


def _removal(fetch: Fetch) -> str | None:
    """Why this answer says the article is gone, or None."""
    if fetch.kind != "ok" or fetch.status is None:
        return None
    if fetch.status in (404, 410):
        return f"HTTP {fetch.status}"
    if fetch.final_url and is_removal_redirect(fetch.url, fetch.final_url):
        return f"redirected to {fetch.final_url}"
    if fetch.status == 200:
        shown = fetch.extracted
        title = shown.title if shown else fetch.page_title
        if is_soft_not_found(title, shown.text if shown else None):
            return "a 'not found' page served with HTTP 200"
    return None


def apply_fetch(
    db: sqlite_utils.Database,
    pages: RawPages,
    due: Due,
    fetch: Fetch,
    *,
    after: Sequence[int],
    confirm: int,
    now: str | None = None,
) -> str:
    """Record one revisit's answer (in the caller's transaction); returns its outcome."""
    now = now or utcnow()
    state = due.state
    values: dict[str, Any] = {"last_revisit_at": now, "last_status": fetch.status}
    values["last_error"] = fetch.error
    gone = _removal(fetch)
    retry = _later(now, confirm)
    if fetch.kind in ("blocked", "failed"):
        outcome = fetch.kind  # never a removal; tried again later, the step not spent
        values["next_due_at"] = retry
    elif gone is not None:
        seen = parse_iso(due.removal_seen_at)
        if state == "removed":
            outcome = "still_removed"
        elif state == "removal_pending" and seen is not None and _age(seen, now) >= confirm:
            outcome = "removed"
            _ensure_first(db, due.article_id)
            _insert(db, pages, due, fetch, now, ("removed",), f"removed: {gone}", None)
            values.update(state="removed", removed_at=now, removal_reason=gone)
        else:
            outcome = "removal_pending"
            if state != "removal_pending":
                values.update(state="removal_pending", removal_seen_at=now)
            values.update(removal_status=fetch.status, removal_reason=gone, next_due_at=retry)
    else:
        outcome = _content(db, pages, due, fetch, now, values)
    if outcome not in ("blocked", "failed", "removal_pending"):
        values.update(_schedule(due.fetched_at, after, now))
    if fetch.kind == "ok" and fetch.status in (200, 304):
        values["etag"] = fetch.header("ETag") or (due.etag if fetch.status == 304 else None)
        values["last_modified"] = fetch.header("Last-Modified") or (
            due.last_modified if fetch.status == 304 else None
        )
    values["last_outcome"] = outcome
    row = {"article_id": due.article_id, "url": due.url, **values}
    names = ", ".join(row)
    updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "article_id")
    db.execute(
        f"insert into article_revisits ({names}) values ({', '.join('?' * len(row))}) "
        f"on conflict (article_id) do update set {updates}",
        list(row.values()),
    )
    return outcome


def _content(
    db: sqlite_utils.Database,
    pages: RawPages,
    due: Due,
    fetch: Fetch,
    now: str,
    values: dict[str, Any],
) -> str:
    """A page that is there (200 or 304): unchanged, changed, restored or not extracted."""
    if due.state == "removal_pending":
        values.update(state="current", removal_seen_at=None, removal_reason=None)
    restored = due.state == "removed"
    if fetch.status == 304 and not restored:
        return "not_modified"  # nothing to read, nothing to compare
    current, _latest = _current(db, due.article_id)
    if fetch.status == 304:
        new = current
    elif fetch.extracted is None:
        return "extract_failed"  # the current version stays current
    else:
        new = fetch.extracted
    change = compare(current, new)
    if not change.changed and not restored:
        if fetch.status == 200 and fetch.body:
            pages.revisit(due.url, fetch.body)
        return "not_modified" if fetch.status == 304 else "unchanged"
    _ensure_first(db, due.article_id)
    kinds = ("restored", *change.kinds) if restored else change.kinds
    summary = "; ".join(p for p in ("restored" if restored else "", change.summary) if p)
    _insert(db, pages, due, fetch, now, kinds, summary, change, new)
    if restored:
        values.update(state="current", removed_at=None, removal_seen_at=None)
    return "restored" if restored else "changed"


def _insert(
    db: sqlite_utils.Database,
    pages: RawPages,
    due: Due,
    fetch: Fetch,
    now: str,
    kinds: Sequence[str],
    summary: str,
    change: Change | None,
    snapshot: Snapshot | None = None,
) -> None:
    _current_snapshot, latest = _current(db, due.article_id)
    row: dict[str, Any] = {
        "article_id": due.article_id,
        "version": latest + 1,
        "fetched_at": now,
        "http_status": fetch.status,
        "url": fetch.final_url or fetch.url,
        "changes": json.dumps(list(kinds)),
        "diff_summary": summary,
    }
    if snapshot is not None:
        row.update(
            title=snapshot.title,
            text=snapshot.text,
            author=snapshot.author,
            authors=json.dumps(list(snapshot.authors), ensure_ascii=False),
            published_at=snapshot.published_at,
        )
    if change is not None:
        row.update(
            diff=json.dumps(change.diff, ensure_ascii=False),
            share_changed=change.share_changed,
            words_added=change.words_added,
            words_removed=change.words_removed,
        )
    if fetch.body and fetch.status is not None and fetch.status != 304:
        capture = pages.writer.response(
            fetch.final_url or fetch.url, fetch.body, status=fetch.status, headers=fetch.headers
        )
        row.update(
            warc_filename=capture.file,
            warc_record_offset=capture.offset,
            warc_record_length=capture.length,
        )
    db.table("article_versions").insert(row)


def _age(since: datetime, now: str) -> float:
    moment = parse_iso(now)
    assert moment is not None
    return (moment - since).total_seconds()


def _later(now: str, seconds: int) -> str:
    moment = parse_iso(now)
    assert moment is not None
    return (moment + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _schedule(fetched_at: str, after: Sequence[int], now: str) -> dict[str, Any]:
    """The steps of *after* passed by *now* (a late revisit spends every step it covers),
    and when the next one is due (None: no more)."""
    start = parse_iso(fetched_at) or parse_iso(now)
    assert start is not None
    done = sum(1 for seconds in after if _age(start, now) >= seconds)
    due = (
        (start + timedelta(seconds=after[done])).isoformat(timespec="seconds")
        if done < len(after)
        else None
    )
    return {"revisits": done, "next_due_at": due}


def changes_since(
    conn: Reader, since: str, limit: int = 20, *, until: str | None = None
) -> list[dict[str, Any]]:
    """Versions after the first written since *since* (and before *until*; ISO 8601): the
    article, its kinds and summary, newest first. An article of a muted source, or with a
    muted term (:mod:`storage.saved_alerts`), is left out, as from the rest of the front
    page and the digest."""
    try:
        muted, hidden = mute_clause(load_mutes(conn))
        rows = list(
            conn.execute(
                "select a.id, a.title, a.url, a.source, v.version, v.fetched_at, v.changes, "
                "v.diff_summary, v.http_status from article_versions v "
                "join articles a on a.id = v.article_id "
                "where v.version > 1 and julianday(v.fetched_at) >= julianday(?) "
                "and (? is null or julianday(v.fetched_at) < julianday(?))" + muted + " "
                "order by v.fetched_at desc, v.id desc limit ?",
                [since, until, until, *hidden, limit],
            )
        )
    except sqlite3.OperationalError:
        return []
    return [
        {
            "id": r[0],
            "title": r[1] or r[2],
            "url": r[2],
            "source": r[3] or "",
            "version": r[4],
            "fetched_at": r[5],
            "kinds": tuple(json.loads(r[6] or "[]")),
            "summary": r[7] or "",
            "http_status": r[8],
        }
        for r in rows
    ]
