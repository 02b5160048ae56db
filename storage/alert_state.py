"""What the alerts find and what they delivered: the archive side of ``culturewatch alerts``.

An alert is a saved search (an FTS5 expression of ``articles_search``, built by
:mod:`storage.concepts`) with filters; each of its push targets (one e-mail address, one
webhook) keeps its own record, so one failing target never holds back another:

    alert_sends   one row per message or webhook call: ``sending`` while it goes out, then
                  ``sent`` (with ``sent_at``) or ``failed`` (with ``error``)
    alert_items   alert x target x article, claimed by the send that carries it

Exactly once: the articles of a send are claimed (:func:`claim`) in the same write
transaction that found them new (:func:`new_for`), so two runs at once never claim one
article twice, and the send's id (the e-mail's Message-ID, the webhook's Idempotency-Key)
is made there, before the first attempt. A sent send keeps its claims: the article (and
every other copy of its story) is never sent to that target again. A send the target
refused (or that never reached it) frees them (:func:`mark_failed`), so the next run sends
them, with whatever else is new, under a new id. A send that may have reached the target
all the same (the whole message went out and no answer came back: a timeout, a connection
dropped before SMTP's final 250) is marked failed but keeps them (``keep=True``), and so
does a send left ``sending`` by a process that died: :func:`pending_sends` finds both,
:func:`take_over` gives one to a single run, which sends it again under the same id with
the same articles, so the receiver can drop a duplicate.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from storage.scripts import primary_language
from storage.selection import UNTHEMED, ArticleRecord

__all__ = [
    "claim",
    "delivery_status",
    "interrupted_sends",
    "mark_failed",
    "mark_sent",
    "matching_articles",
    "new_for",
    "pending_sends",
    "records_by_id",
    "take_over",
]

_COLUMNS = (
    "a.id, a.url, a.title, a.text, a.source, a.published_at, a.fetched_at, a.language, "
    "a.relevance, a.themes, a.evidence, a.story_id, (select theme from article_themes t "
    "where t.article_id = a.id order by t.score desc, t.theme limit 1) as top_theme"
)


def _record(row: Sequence[Any]) -> ArticleRecord:
    try:
        parsed = json.loads(row[9]) if isinstance(row[9], str) else []
    except ValueError:
        parsed = []
    themes = [t for t in parsed if isinstance(t, str) and t] if isinstance(parsed, list) else []
    themes = themes or ([row[12]] if row[12] else [])
    return ArticleRecord(
        url=row[1],
        title=row[2],
        text=row[3],
        source=row[4],
        published_at=row[5],
        fetched_at=row[6],
        language=row[7],
        relevance=row[8],
        themes=tuple(dict.fromkeys(themes)) or (UNTHEMED,),
        evidence=row[10],
        id=row[0],
        story_id=row[11],
    )


def matching_articles(
    db: sqlite_utils.Database,
    expression: str,
    *,
    since: str,
    min_relevance: float = 0.0,
    themes: Sequence[str] = (),
    languages: Sequence[str] = (),
    groups: Sequence[str] = (),
    changes: Sequence[str] = (),
    limit: int = 2000,
) -> list[ArticleRecord]:
    """The articles first archived at *since* or later that match *expression* (FTS5, on
    ``articles_search``) and the filters, newest first: relevance at least *min_relevance*,
    one of *themes* (none: any), a primary language among *languages* (none: any), a source
    in one of *groups* (none: any). *changes*: instead of first archived at *since* or later,
    a revisit saw the article change in one of these ways since then (``article_versions``)."""
    if changes:
        kinds = ", ".join("?" * len(changes))
        when = (
            "exists (select 1 from article_versions v, json_each(v.changes) k "
            f"where v.article_id = a.id and k.value in ({kinds}) and v.fetched_at >= ?)"
        )
        sql = (
            f"select {_COLUMNS} from articles_search s join articles a on a.id = s.rowid "
            f"where articles_search match ? and {when} and coalesce(a.relevance, 0) >= ?"
        )
        params: list[Any] = [expression, *changes, since, min_relevance]
    else:  # the few articles since, from the index on fetched_at, each looked up in the
        # matches (+a.id: not the other way round, every match read; 556 -> 54 ms at 1M)
        sql = (
            f"select {_COLUMNS} from articles a where a.fetched_at >= ? and +a.id in "
            "(select rowid from articles_search where articles_search match ?) "
            "and coalesce(a.relevance, 0) >= ?"
        )
        params = [since, expression, min_relevance]
    if themes:
        marks = ", ".join("?" * len(themes))
        sql += f" and exists (select 1 from json_each(a.themes) j where j.value in ({marks}))"
        params += list(themes)
    if groups:
        sql += f" and a.source_group in ({', '.join('?' * len(groups))})"
        params += list(groups)
    sql += " order by a.fetched_at desc, a.id desc limit ?"
    records = [_record(row) for row in db.execute(sql, [*params, limit]).fetchall()]
    if languages:
        wanted = {lang.lower() for lang in languages}
        records = [r for r in records if primary_language(r.language) in wanted]
    return records


def records_by_id(db: sqlite_utils.Database, ids: Iterable[int]) -> list[ArticleRecord]:
    """The articles with these ids (those still archived), newest first."""
    ids = sorted(set(ids))
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = db.execute(
        f"select {_COLUMNS} from articles a where a.id in ({marks}) "
        "order by a.fetched_at desc, a.id desc",
        ids,
    ).fetchall()
    return [_record(row) for row in rows]


def new_for(
    db: sqlite_utils.Database, alert: str, target: str, records: Iterable[ArticleRecord]
) -> list[ArticleRecord]:
    """The *records* not yet claimed for (*alert*, *target*), nor any copy of their story."""
    rows = db.execute(
        "select i.article_id, coalesce(a.story_id, a.id) from alert_items i "
        "left join articles a on a.id = i.article_id where i.alert = ? and i.target = ?",
        [alert, target],
    ).fetchall()
    articles = {r[0] for r in rows}
    stories = {r[1] for r in rows if r[1] is not None}
    out = []
    for record in records:
        story = record.story_id if record.story_id is not None else record.id
        if record.id not in articles and story not in stories:
            out.append(record)
    return out


def claim(
    db: sqlite_utils.Database,
    *,
    alert: str,
    target: str,
    article_ids: Sequence[int],
    stories: int,
    now: str,
) -> str:
    """Record a send of *article_ids* to *target* as ``sending``; returns its id.

    Call it in the write transaction that found them new (:func:`new_for`)."""
    send_id = uuid.uuid4().hex
    db.execute(
        "insert into alert_sends (id, alert, target, status, created_at, attempts, stories, "
        "articles) values (?, ?, ?, 'sending', ?, 0, ?, ?)",
        [send_id, alert, target, now, stories, len(article_ids)],
    )
    db.conn.executemany(
        "insert into alert_items (alert, target, article_id, send_id) values (?, ?, ?, ?)",
        [(alert, target, article_id, send_id) for article_id in article_ids],
    )
    return send_id


def mark_sent(db: sqlite_utils.Database, send_id: str, *, attempts: int, now: str) -> None:
    """The send went out: its articles stay claimed."""
    db.execute(
        "update alert_sends set status = 'sent', sent_at = ?, attempts = attempts + ?, "
        "error = null where id = ?",
        [now, attempts, send_id],
    )


def mark_failed(
    db: sqlite_utils.Database,
    send_id: str,
    *,
    attempts: int,
    error: str,
    now: str,
    keep: bool = False,
) -> None:
    """The send failed: recorded with its error. Its articles are freed for the next run's
    new send, unless *keep* (it may have reached the target): then they stay claimed by it,
    and the next run sends it again under its id (:func:`pending_sends`)."""
    db.execute(
        "update alert_sends set status = 'failed', sent_at = null, attempts = attempts + ?, "
        "error = ? where id = ?",
        [attempts, f"{now}: {error}"[:2000], send_id],
    )
    if not keep:
        db.execute("delete from alert_items where send_id = ?", [send_id])


_PENDING = (
    "(status = 'sending' and created_at < ?) or (status = 'failed' and exists "
    "(select 1 from alert_items i where i.send_id = alert_sends.id))"
)


def take_over(db: sqlite_utils.Database, send_id: str, *, before: str, now: str) -> bool:
    """Take over a pending send (:func:`pending_sends`) to send it again: True for the one
    run whose update found it so; it is ``sending`` again, and its new ``created_at`` is a
    lease that keeps another run from taking it too. Call it inside a transaction."""
    cursor = db.execute(
        f"update alert_sends set status = 'sending', created_at = ? where id = ? and ({_PENDING})",
        [now, send_id, before],
    )
    return cursor.rowcount == 1


def pending_sends(
    db: sqlite_utils.Database, alert: str, target: str, *, before: str
) -> list[tuple[str, str, list[int]]]:
    """Sends to *target* to make again under their own id, oldest first: (send id, status,
    article ids). Those still ``sending`` since before *before* (their process died) and
    those ``failed`` that kept their articles (they may have reached the target)."""
    sends = db.execute(
        f"select id, status from alert_sends where alert = ? and target = ? and ({_PENDING}) "
        "order by created_at, rowid",
        [alert, target, before],
    ).fetchall()
    out = []
    for send_id, status in sends:
        ids = db.execute(
            "select article_id from alert_items where send_id = ? order by article_id", [send_id]
        ).fetchall()
        out.append((send_id, status, [r[0] for r in ids]))
    return out


def interrupted_sends(
    db: sqlite_utils.Database, alert: str, target: str, *, before: str
) -> list[tuple[str, list[int]]]:
    """Sends to *target* still ``sending`` since before *before* (their process died):
    (send id, article ids), oldest first."""
    return [
        (send_id, ids)
        for send_id, status, ids in pending_sends(db, alert, target, before=before)
        if status == "sending"
    ]


_STATUS = """
select alert, target,
       max(case when status = 'sent' then sent_at end) as last_delivery,
       (select f.error from alert_sends f where f.alert = s.alert and f.target = s.target
          and f.status = 'failed' order by f.created_at desc, f.rowid desc limit 1) as last_error,
       sum(status = 'sent') as sends,
       sum(status = 'failed') as failures,
       sum(status = 'sending') as sending,
       coalesce(sum(case when status = 'sent' then stories end), 0) as stories_sent
from alert_sends s
group by alert, target
order by alert, target
"""


def delivery_status(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per alert and target: the last delivery, the last error (``TIME: message``), how many
    sends went out, failed or are under way, and the stories sent."""
    cursor = db.execute(_STATUS)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
