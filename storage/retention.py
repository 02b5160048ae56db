"""Retention: the text and raw capture of old non-relevant articles dropped, their row kept.

The setting ``retention_days`` (off by default; ``culturewatch archive prune`` applies it)
says how long the text of an article that is **not relevant** is kept. Past it (counted from
``fetched_at``, when it was first archived):

- its ``text`` becomes NULL and its entry in the search index goes (an article without
  text is not indexed: the triggers of :mod:`storage.search`), and its raw capture
  pointer (``warc_filename``, ``warc_record_offset``, ``warc_record_length``) is cleared;
- so do the texts of its earlier versions (``article_versions``, written by revisits while
  it was relevant: :mod:`storage.revisits`): each version's ``text``, word ``diff`` and
  capture pointer become NULL, the version row stays (its number, dates, HTTP status, URL,
  title, byline, kinds of change, summary and word counts), so the revisit history of the
  article can still be audited; its page says the texts were dropped. The search index and
  the daily counts never read versions: nothing else changes. Versions of an article pruned
  by an earlier release that kept them are emptied by the next prune;
- everything else stays: the row, URL, title, source, dates, ``relevance``, ``relevant``,
  ``themes``, ``evidence``, its ``article_themes`` scores, its story, its ``pages`` row; so
  an audit of misses (which low-scoring articles were on a theme after all) still finds them
  by URL, score and title. ``rescore`` leaves such an article's score as it was (there is no
  text to score again), and a URL crawled again is archived whole again.

Never pruned: a relevant article, and an article that carries a label (an analyst's verdict
is the ground truth ``evaluate`` needs the text for), nor their versions. A NULL ``text``
marks a pruned article (a version's NULL ``text`` alone does not: a removal has none).

WARC files are append-only, so a record is never cut out of one. A whole file is deleted
when its month is over and older than the cut-off and no article or version row points into
it any more (every capture it held was pruned): only then is nothing lost that the archive
refers to. A file that still holds one kept capture stays whole; the bytes of the pruned
records in it are freed only when the last one goes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from storage.captures import PREFIX, warc_files

__all__ = ["Pruned", "prune", "prune_candidates"]

_BATCH = 1000
# not relevant, not labelled, first archived before the cut-off, text still there
_CANDIDATES = (
    "select id from articles a where coalesce(a.relevant, 0) = 0 and a.fetched_at < :cutoff "
    "and a.text is not null and a.id > :last "
    "and not exists (select 1 from labels l where l.article_id = a.id) "
    "order by a.id limit :limit"
)
# versions of pruned articles (text NULL, neither relevant nor labelled) still holding any
# text, diff or capture pointer: those of this prune, and any an earlier release left
_VERSIONS = (
    "select v.id from article_versions v join articles a on a.id = v.article_id "
    "where a.text is null and coalesce(a.relevant, 0) = 0 and v.id > :last "
    "and (v.text is not null or v.diff is not null or v.warc_filename is not null) "
    "and not exists (select 1 from labels l where l.article_id = a.id) "
    "order by v.id limit :limit"
)
_POINTERS = "warc_filename = null, warc_record_offset = null, warc_record_length = null"


@dataclass
class Pruned:
    """What a prune did: articles whose text went, versions of them emptied, WARC files
    deleted and their bytes."""

    cutoff: str
    articles: int = 0
    versions: int = 0
    warc_files: list[Path] = field(default_factory=list)
    warc_bytes: int = 0


def prune_candidates(db: sqlite_utils.Database, cutoff: str, last: int = 0) -> list[int]:
    """The ids (after *last*, at most 1,000) of articles that :func:`prune` would prune."""
    rows = db.execute(_CANDIDATES, {"cutoff": cutoff, "last": last, "limit": _BATCH})
    return [int(row[0]) for row in rows.fetchall()]


def prune(
    db: sqlite_utils.Database,
    *,
    days: int,
    base: Path,
    warc_dir: Path,
    now: datetime | None = None,
) -> Pruned:
    """Prune the articles of *db* older than *days* (see the module), a transaction per
    1,000; then delete the WARC files of *warc_dir* nothing points into any more. *base* is
    the archive's directory (``warc_filename`` is relative to it)."""
    now = now or datetime.now(UTC)
    result = Pruned(cutoff=(now - timedelta(days=days)).isoformat(timespec="seconds"))
    last = 0
    files: set[str] = set()  # the WARC files the pruned articles pointed into
    while ids := prune_candidates(db, result.cutoff, last):
        marks = ",".join("?" * len(ids))
        with db.conn:
            files.update(_warc_files_of(db, "articles", ids))
            # the search index forgets their text by the trigger on articles (storage.search)
            db.execute(f"update articles set text = null, {_POINTERS} where id in ({marks})", ids)
        result.articles += len(ids)
        last = ids[-1]
    _empty_versions(db, result, files)
    _drop_warc_files(db, result, files, base, warc_dir, now)
    return result


def _warc_files_of(db: sqlite_utils.Database, table: str, ids: list[int]) -> set[str]:
    """The WARC files the rows *ids* of *table* (articles, article_versions) point into."""
    marks = ",".join("?" * len(ids))
    sql = f"select distinct warc_filename from {table} where id in ({marks}) and warc_filename is not null"  # fmt: skip
    return {str(row[0]) for row in db.execute(sql, ids)}


def _empty_versions(db: sqlite_utils.Database, result: Pruned, files: set[str]) -> None:
    """Drop the text, diff and capture pointer of the versions of pruned articles (their
    rows stay), a transaction per 1,000; add the WARC files they pointed into to *files*."""
    last = 0
    while ids := [
        int(row[0]) for row in db.execute(_VERSIONS, {"last": last, "limit": _BATCH}).fetchall()
    ]:
        marks = ",".join("?" * len(ids))
        with db.conn:
            files.update(_warc_files_of(db, "article_versions", ids))
            db.execute(
                f"update article_versions set text = null, diff = null, {_POINTERS} "
                f"where id in ({marks})",
                ids,
            )
        result.versions += len(ids)
        last = ids[-1]


def _drop_warc_files(
    db: sqlite_utils.Database, result: Pruned, files: set[str], base: Path, warc_dir: Path,
    now: datetime,
) -> None:  # fmt: skip
    """Delete those of *files* (as rows name them) that are WARC files of *warc_dir*, of a
    month that is over, into which no article or version row points any more."""
    ours = {p.resolve(): p for p in warc_files(warc_dir)}
    for name in sorted(files):
        path = ours.get((Path(base) / name).resolve())  # an absolute name stays itself
        month = path.name.removeprefix(f"{PREFIX}-")[:6] if path else ""
        if path is None or not (month.isdigit() and month < now.strftime("%Y%m")):
            continue
        if _pointed_into(db, name):
            continue
        size = path.stat().st_size
        os.unlink(path)
        result.warc_files.append(path)
        result.warc_bytes += size


def _pointed_into(db: sqlite_utils.Database, name: str) -> bool:
    """Whether an article row, or a version of one (a revisit's capture), points into the
    WARC file *name*."""
    return any(
        db.execute(f"select 1 from {t} where warc_filename = ? limit 1", [name]).fetchone()
        for t in ("articles", "article_versions")  # (every migrated archive has both)
    )
