"""Articles counted per day, kept exact by triggers: what the dashboard's charts and the
front page's counts read instead of every article of the period.

``daily_counts`` has one row per (basis, day, source, source_group, language, theme):

- ``basis`` ``published`` counts an article on its publication day (the day it was first
  archived when it has none), as the dashboard's charts do; ``fetched`` on the day it was
  first archived, as the front page does;
- ``theme`` ``''`` counts every article; a theme key counts the articles whose ``themes``
  list it (each once);
- ``articles`` how many, ``relevant`` how many of them are relevant.

Missing text values are stored as ``''`` (a primary key column cannot be null). Triggers on
``articles`` (insert, delete, and an update of a counted column) add and subtract, and
drop a row whose count reaches nought, so the table always equals a count of the articles
(``tests/test_daily_counts.py`` checks it); :func:`recount` rebuilds it from them.
"""

from __future__ import annotations

import sqlite_utils

__all__ = ["COUNTED_COLUMNS", "TABLE", "create_daily_counts", "recount"]

TABLE = "daily_counts"
COUNTED_COLUMNS = (
    "published_at", "fetched_at", "source", "source_group", "language", "relevant", "themes",
)  # fmt: skip


def _days(row: str) -> tuple[tuple[str, str], ...]:
    """(basis, day expression) of the trigger row *row* (``new`` or ``old``)."""
    return (
        ("published", f"coalesce(substr(coalesce({row}.published_at, {row}.fetched_at), 1, 10), '')"),
        ("fetched", f"coalesce(substr({row}.fetched_at, 1, 10), '')"),
    )  # fmt: skip


def _slice(row: str) -> str:
    return (
        f"coalesce({row}.source, ''), coalesce({row}.source_group, ''), "
        f"coalesce({row}.language, '')"
    )


def _themes(row: str) -> str:
    """The distinct theme keys of *row* (nothing when its themes are not a JSON list)."""
    return (
        f"select distinct value from json_each(case when length({row}.themes) > 2 and "
        f"json_valid({row}.themes) then {row}.themes else '[]' end) where type = 'text'"
    )


# Every article is counted in two rows (theme ''), plus two per theme it lists; the base
# rows by their keys alone, no JSON read for an article without themes. Measured (one in
# five articles relevant, in two themes): the insert trigger adds ~0.06 ms of CPU to an
# article inserted with its score (0.43 ms, 0.38 without triggers), as the crawl's writer
# does; scored by a later update (a rescore) the update trigger adds ~0.24 ms more, which
# is why the writer puts the score in the row it inserts.
_COLUMNS = "(basis, day, source, source_group, language, theme, articles, relevant)"
_MORE = (
    "on conflict do update set articles = articles + 1, relevant = relevant + excluded.relevant;"
)


def _add(row: str) -> str:
    relevant = f"coalesce({row}.relevant = 1, 0)"
    base = ", ".join(f"('{b}', {day}, {_slice(row)}, '', 1, {relevant})" for b, day in _days(row))
    bases = " union all ".join(f"select '{b}' as basis, {day} as day" for b, day in _days(row))
    return (
        f"insert into {TABLE} {_COLUMNS} values {base} {_MORE}"
        f"insert into {TABLE} {_COLUMNS} select b.basis, b.day, {_slice(row)}, t.value, 1, "
        f"{relevant} from ({bases}) b, ({_themes(row)}) t where 1 {_MORE}"
    )


def _subtract(row: str) -> str:
    relevant = f"coalesce({row}.relevant = 1, 0)"
    where = f"(source, source_group, language) = ({_slice(row)})"
    out = ""
    for basis, day in _days(row):
        out += (
            f"update {TABLE} set articles = articles - 1, relevant = relevant - {relevant} "
            f"where basis = '{basis}' and day = {day} and {where} "
            f"and (theme = '' or theme in ({_themes(row)}));"
            f"delete from {TABLE} where basis = '{basis}' and day = {day} and {where} "
            "and articles <= 0;"
        )
    return out


def create_daily_counts(db: sqlite_utils.Database) -> None:
    """Create the table and its triggers (if missing) and fill it from the articles."""
    db.execute(
        f"create table if not exists {TABLE} (basis text not null, day text not null, "
        "source text not null, source_group text not null, language text not null, "
        "theme text not null, articles integer not null, relevant integer not null, "
        "primary key (basis, day, source, source_group, language, theme)) without rowid"
    )
    changed = " or ".join(f"old.{c} is not new.{c}" for c in COUNTED_COLUMNS)
    for name, sql in (
        ("insert", f"after insert on articles begin {_add('new')} end"),
        ("delete", f"after delete on articles begin {_subtract('old')} end"),
        (
            "update",
            f"after update of {', '.join(COUNTED_COLUMNS)} on articles when {changed} "
            f"begin {_subtract('old')} {_add('new')} end",
        ),
    ):
        db.execute(f"create trigger if not exists {TABLE}_{name} {sql}")
    recount(db)


def recount(db: sqlite_utils.Database) -> None:
    """Rebuild the counts from the articles (the triggers keep them so afterwards)."""
    themes = "case when length(a.themes) > 2 and json_valid(a.themes) then a.themes else '[]' end"
    day = (
        "case b.basis when 'published' then "
        "coalesce(substr(coalesce(a.published_at, a.fetched_at), 1, 10), '') "
        "else coalesce(substr(a.fetched_at, 1, 10), '') end"
    )
    common = (
        f"b.basis, {day}, coalesce(a.source, ''), coalesce(a.source_group, ''), "
        "coalesce(a.language, '')"
    )
    bases = "(select 'published' as basis union all select 'fetched') b"
    db.execute(f"delete from {TABLE}")
    db.execute(
        f"insert into {TABLE} (basis, day, source, source_group, language, theme, articles, "
        f"relevant) select {common}, '', count(*), sum(coalesce(a.relevant = 1, 0)) "
        f"from articles a, {bases} group by 1, 2, 3, 4, 5 "
        f"union all select {common}, j.value, count(*), sum(coalesce(a.relevant = 1, 0)) "
        f"from articles a, {bases}, json_each({themes}) j where j.type = 'text' "
        f"and not exists (select 1 from json_each({themes}) k "
        "where k.value = j.value and k.key < j.key) "
        "group by 1, 2, 3, 4, 5, 6"
    )
