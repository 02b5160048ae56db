"""Grow a generated archive (``scale_data.build``) to a million articles in bulk SQL.

Writing a million articles through the generator takes ~2 hours on a small machine (the
archive's write path: ~15 indexes, the daily counts' triggers, Chinese segmentation for the
search index). :func:`grow` instead copies the *base* archive's articles, N0 of them, in
``INSERT ... SELECT`` statements until it holds N (the secondary indexes of the tables it
copies into dropped meanwhile and made again after: a sort, their pages packed as a VACUUM
packs them):

- each copy gets new ids (base id + copy x N0, so a story's copies stay together: stories
  of 2-8 outlets stay so), a URL of its own, a new fingerprint, and dates moved back by an
  offset per copy (golden-ratio steps over the two years, a story moved whole and wrapped
  round into the two years; the stories archived in the last day stay where they are, so
  "today" grows with the archive);
- with it its ``article_themes``, ``pages``, MinHash signature and LSH bands (hashes moved,
  so a band's bucket stays as small as in a real stream), labels (in proportion) and its
  entry in the search index, indexed as the write path does (through the index's view of
  the articles; each base text segmented once, the copies repeat it); the index's segments
  are left as indexing leaves them, not merged ('optimize'), as on a real archive;
  ``stories`` rows are made from the articles (``scale_data.fill_stories``), crawl runs
  topped up;
- the archive's triggers on ``articles`` are lifted while copying and put back as they
  were; the daily counts are then rebuilt from the articles by the archive's own
  :func:`storage.daily_counts.recount` (what migration m019 runs).

The texts repeat (each base text N/N0 times, as syndicated copies do, but more): the
search index holds the same tokens in more rows, so a search finds ~N/N0 times the base's
matches, as it would in a stream that size, while the dictionary of distinct words stays
the base's. Fine for timing reads; not a corpus. :func:`check` verifies the result
(``python tests/bench/scale_grow.py PATH``).
"""

from __future__ import annotations

import argparse
import functools
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parents[2]
for where in (ROOT, ROOT / "tests", ROOT / "tests" / "bench"):
    if str(where) not in sys.path:
        sys.path.insert(0, str(where))

from scale_data import fill_stories, runs_for  # noqa: E402
from support.recount import counts_from_articles  # noqa: E402

from storage.daily_counts import TABLE as DAILY_COUNTS  # noqa: E402
from storage.daily_counts import recount  # noqa: E402
from storage.search import (  # noqa: E402
    GRAMS_FUNCTION,
    SEARCH_COLUMNS,
    SEARCH_SOURCE,
    SEARCH_TABLE,
    TEXT_FUNCTION,
    search_grams,
    search_text,
)

SPAN = 730 * 86400  # two years, in seconds
RECENT = 86400  # stories first archived in the last day keep their dates
GOLDEN = 0.6180339887
BAND_MOD = 1 << 62
BAND_STEP = 0x2545F4914F6CDD1D % BAND_MOD
ISO = "%Y-%m-%dT%H:%M:%S+00:00"


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"pragma table_info([{table}])")]


def _shifted(column: str) -> str:
    """A date column moved back by the copy's offset (``s.secs``), in the archive's form."""
    return (
        f"case when a.{column} is null then null else strftime('{ISO}', a.{column}, "
        f"printf('%+d seconds', -s.secs)) end"
    )


def _copy_articles(conn: sqlite3.Connection, offset: int, last: int, copy: int) -> None:
    """Base articles 1..*last* again as ids offset+1..offset+last."""
    columns = _columns(conn, "articles")
    made = {
        "id": "a.id + :offset",
        "story_id": "a.story_id + :offset",
        "fingerprint": f"substr(a.fingerprint, 1, 13) || printf('%03x', {copy})",
        "url": "'https://' || a.source || '.example/' || "
        f"replace(substr({_shifted('fetched_at')}, 1, 10), '-', '/') || '/' || "
        "(a.id + :offset) || '.html'",
        **{c: _shifted(c) for c in ("published_at", "fetched_at", "updated_at")},
    }
    select = ", ".join(made.get(c, f"a.{c}") for c in columns)
    conn.execute(
        f"insert into articles ({', '.join(columns)}) select {select} from articles a "
        "join temp.shift s on s.story_id = a.story_id where a.id <= :last order by a.id",
        {"offset": offset, "last": last},
    )


def _copy_around(conn: sqlite3.Connection, offset: int, last: int, copy: int) -> None:
    """The copied articles' themes, pages, signatures, bands and labels."""
    args = {"offset": offset, "last": last, "lo": offset + 1, "hi": offset + last}
    conn.execute(
        "insert into article_themes (article_id, theme, score) select article_id + :offset, "
        "theme, score from article_themes where article_id <= :last",
        args,
    )
    conn.execute(
        "insert into pages (url, source, outcome, http_status, article_url, error, fetched_at) "
        "select url, source, 'archived', 200, url, null, fetched_at from articles "
        "where id between :lo and :hi",
        args,
    )
    conn.execute(
        "insert into story_signatures (article_id, minhash) select article_id + :offset, "
        "minhash from story_signatures where article_id <= :last",
        args,
    )
    conn.execute(
        "insert into story_bands (article_id, band, hash) select article_id + :offset, band, "
        f"(hash + {copy * BAND_STEP % BAND_MOD}) % {BAND_MOD} from story_bands "
        "where article_id <= :last",
        args,
    )
    labels = [c for c in _columns(conn, "labels") if c != "id"]
    picked = ", ".join("article_id + :offset" if c == "article_id" else c for c in labels)
    conn.execute(
        f"insert into labels ({', '.join(labels)}) select {picked} from labels "
        "where article_id <= :last order by id",
        args,
    )


def _copy_search(conn: sqlite3.Connection, offset: int, last: int) -> None:
    """The copied articles' rows of the search index, as the write path indexes them
    (through the view it reads articles by; FTS5 tokenizes them anew)."""
    columns = ", ".join(SEARCH_COLUMNS)
    conn.execute(
        f"insert into [{SEARCH_TABLE}] (rowid, {columns}) select id + :offset, {columns} "
        f"from [{SEARCH_SOURCE}] where id <= :last",
        {"offset": offset, "last": last},
    )


def _search_functions(conn: sqlite3.Connection) -> None:
    """The search index's SQL functions (storage.search), each text segmented once: the
    copies repeat the base's texts."""
    conn.create_function(TEXT_FUNCTION, 1, functools.cache(search_text), deterministic=True)
    conn.create_function(GRAMS_FUNCTION, 2, functools.cache(search_grams), deterministic=True)


def _story_ages(conn: sqlite3.Connection, now: int, base: int) -> None:
    """temp.ages: per base story, the ages (seconds) of its oldest and newest copy."""
    age = "(:now - cast(strftime('%s', fetched_at) as integer))"
    conn.execute(
        "create temp table ages (story_id integer primary key, oldest integer, newest integer)"
    )
    conn.execute(
        f"insert into temp.ages select story_id, max({age}), min({age}) from articles "
        "where id <= :base group by story_id",
        {"now": now, "base": base},
    )


def _shift_table(conn: sqlite3.Connection, copy: int) -> None:
    """temp.shift: per base story, how many seconds its copy number *copy* moves back
    (negative: wrapped round, moved forward)."""
    conn.execute("drop table if exists temp.shift")
    conn.execute("create temp table shift (story_id integer primary key, secs integer not null)")
    conn.execute(
        f"insert into temp.shift select story_id, case when oldest < {RECENT} then 0 "
        f"when newest + :offset > {SPAN} then :offset - {SPAN} else :offset end from temp.ages",
        {"offset": int(copy * GOLDEN % 1 * SPAN)},
    )


def _indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """The secondary indexes of the tables copied into (made again after the copies)."""
    return conn.execute(
        "select name, sql from sqlite_master where type = 'index' and sql is not null and "
        "tbl_name in ('articles', 'article_themes', 'pages', 'story_bands', 'labels')"
    ).fetchall()


def _triggers(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'articles'"
    ).fetchall()


def grow(path: Path, n: int, *, say: Callable[[str], None] = print) -> None:
    """Grow the generated archive at *path* (articles 1..N0, nothing else written to it)
    to *n* articles by copies of its rows (the module's docstring says how)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        base, count = conn.execute("select max(id), count(*) from articles").fetchone()
        if base != count:
            raise SystemExit(f"{path}: ids 1..{base} with gaps; not a generated archive")
        conn.execute("pragma journal_mode = off")  # a failed build is built again
        conn.execute("pragma synchronous = off")
        conn.execute("pragma cache_size = -2000000")  # 2 GB
        conn.execute("pragma temp_store = memory")
        _search_functions(conn)
        triggers, indexes = _triggers(conn), _indexes(conn)
        started = time.perf_counter()
        now = int(datetime.now(UTC).timestamp())
        conn.execute("begin")
        _story_ages(conn, now, base)
        for name, _ in triggers:
            conn.execute(f"drop trigger [{name}]")
        for name, _ in indexes:
            conn.execute(f"drop index [{name}]")
        copy = 1
        while copy * base < n:
            last = min(base, n - copy * base)
            _shift_table(conn, copy)
            took = time.perf_counter()
            _copy_articles(conn, copy * base, last, copy)
            _copy_around(conn, copy * base, last, copy)
            rows, took = time.perf_counter() - took, time.perf_counter()
            _copy_search(conn, copy * base, last)
            conn.execute("commit")
            conn.execute("begin")
            say(
                f"  {copy * base + last:,} articles, {time.perf_counter() - started:.0f}s "
                f"(rows {rows:.0f}s, search index {time.perf_counter() - took:.0f}s)"
            )
            copy += 1
        conn.execute("commit")
        say(f"articles copied in {time.perf_counter() - started:.0f}s")
        started = time.perf_counter()
        conn.execute("begin")
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("commit")
        say(f"indexes made in {time.perf_counter() - started:.0f}s")
        started = time.perf_counter()
        conn.execute("begin")
        fill_stories(conn, base)
        if runs_for(n) > runs_for(base):  # the hourly runs of the longer stream
            conn.execute(
                "with recursive k(h) as (select ? union all select h + 1 from k where h + 1 < ?) "
                "insert into runs (started_at, ended_at, status, new, errors) select "
                "strftime(?, 'now', printf('-%d hours', h)), strftime(?, 'now'), 'finished', "
                "40, '{}' from k",
                [runs_for(base), runs_for(n), ISO, ISO],
            )
        for _, sql in triggers:
            conn.execute(sql)
        recount(sqlite_utils.Database(conn))
        conn.execute("commit")
        say(f"stories and daily counts made in {time.perf_counter() - started:.0f}s")
        conn.execute("pragma journal_mode = wal")
    finally:
        conn.close()


def check(path: Path) -> list[str]:
    """What is inconsistent in the archive at *path* (nothing: an empty list): SQLite's and
    FTS5's integrity checks, the daily counts against a count of the articles (in Python,
    as tests/test_daily_counts.py makes it), each story's counts against its articles, one
    search row and one page per article."""
    problems = []
    conn = sqlite3.connect(path)
    _search_functions(conn)
    try:
        result = conn.execute("pragma integrity_check").fetchall()
        if result != [("ok",)]:
            problems.append(f"integrity_check: {result[:5]}")
        try:
            conn.execute(
                f"insert into [{SEARCH_TABLE}] ([{SEARCH_TABLE}], rank) "
                "values ('integrity-check', 1)"  # 1: the index against the articles too
            )
        except sqlite3.DatabaseError as exc:
            problems.append(f"FTS5 integrity-check: {exc}")
        counted = {
            tuple(row[:6]): (row[6], row[7])
            for row in conn.execute(f"select * from {DAILY_COUNTS}")
        }
        if counted != counts_from_articles(conn):
            problems.append("daily_counts differ from a count of the articles")
        for what, sql in (
            ("stories whose counts are not their articles'",
             "select count(*) from stories s where article_count != (select count(*) from "
             "articles where story_id = s.id) or source_count != (select count(distinct source) "
             "from articles where story_id = s.id)"),
            ("articles of no story",
             "select count(*) from articles a where not exists "
             "(select 1 from stories where id = a.story_id)"),
            ("stories of more than 8 outlets", "select count(*) from stories where source_count > 8"),
            ("articles without one search row",
             "select (select count(*) from articles where text is not null) - "
             f"(select count(*) from [{SEARCH_TABLE}_docsize])"),
            ("articles without their page",
             "select count(*) from articles a where not exists (select 1 from pages where url = a.url)"),
        ):  # fmt: skip
            bad = conn.execute(sql).fetchone()[0]
            if bad:
                problems.append(f"{bad:,} {what}")
    finally:
        conn.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description="Check a generated (or grown) archive.")
    parser.add_argument("path", type=Path)
    path = parser.parse_args().path
    started = time.perf_counter()
    problems = check(path)
    for problem in problems:
        print(problem)
    print(f"{'INCONSISTENT' if problems else 'consistent'} ({time.perf_counter() - started:.0f}s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
