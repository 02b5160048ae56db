"""Time every canned query of config/metadata.yml on an archive of 100,000 articles.

    python tests/bench/canned_queries.py [--articles N] [--db PATH] [--runs K]

Builds (or reuses, with --db pointing at an existing file) a synthetic archive: N articles
of about 2 KB of English or Chinese text over 200 sources and a year of publication
dates, ~40% relevant with one to three themes, their article x theme rows, the Chinese-aware
search index (filled by the archive's own migration code), 200 sources and 2,000 runs.
Then each canned query runs K times two ways: its SQL on a read-only connection (with the
same ``escape_fts`` as the server) and through Datasette's own request handling
(``datasette.client``, JSON). Reports the median milliseconds; the target is < 200 ms.
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for where in (str(ROOT), str(ROOT / "tests" / "bench")):
    if where not in sys.path:
        sys.path.insert(0, where)

from timing import client_median_ms, median_ms

from crawler.config import load_themes
from storage.archive import Archive
from storage.search import create_search_table
from storage.web.serve import DATABASE_NAME, build_datasette, load_metadata
from storage.web.sql_functions import prepare_connection

THEMES = [
    "films_games", "soft_power_diplomacy", "traditional_revival_nationalism",
    "heritage_unesco", "culture_economy", "limits_resistance",
]  # fmt: skip
PARAMS = {"theme": "films_games", "q": "哪吒"}
EN_WORDS = [
    "culture",
    "film",
    "game",
    "audience",
    "overseas",
    "festival",
    "heritage",
    "museum",
    "tourism",
    "exports",
    "soft",
    "power",
    "diplomacy",
    "forum",
    "civilization",
    "box",
    "office",
    "players",
    "fashion",
    "tradition",
    "market",
    "industry",
    "animation",
    "series",
    "streaming",
    "critics",
    "visitors",
]
ZH_PHRASES = [
    "国产动画电影在海外上映", "哪吒这一角色的魅力", "汉服爱好者带动国潮消费", "文化旅游持续升温",
    "春节申遗成功", "尼山论坛聚焦文明对话", "游戏玩家遍布全球", "博物馆文创产品走红",
    "海外观众如何看待中国文化", "软实力的边界",
]  # fmt: skip


def build(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    archive = Archive(path)
    db = archive.db
    db.execute("drop table if exists [articles_search]")  # refilled in one go below
    sources = [f"source-{i:03d}" for i in range(200)]
    start = time.perf_counter()
    batch: list[tuple] = []
    theme_rows: list[tuple] = []
    for i in range(1, n + 1):
        chinese = rng.random() < 0.3
        if chinese:
            text = "。".join(rng.choice(ZH_PHRASES) for _ in range(60))
            title = rng.choice(ZH_PHRASES)
            lang = "zh"
        else:
            text = " ".join(rng.choice(EN_WORDS) for _ in range(300))
            title = " ".join(rng.choice(EN_WORDS) for _ in range(8)).capitalize()
            lang = "en"
        published = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        fetched = published + timedelta(minutes=rng.randrange(5, 600))
        if i > n - 300:  # some archived today
            fetched = now - timedelta(minutes=rng.randrange(0, 60))
        relevant = rng.random() < 0.4
        themes = rng.sample(THEMES, rng.randint(1, 3)) if relevant else []
        scores = {t: round(rng.uniform(0.5, 1), 3) for t in themes}
        scores.update(
            {t: round(rng.uniform(0.01, 0.3), 3) for t in rng.sample(THEMES, 2) if t not in scores}
        )
        theme_rows += [(i, t, s) for t, s in scores.items()]
        batch.append((
            i, f"https://news{i % 200}.example/{i}.html", title, text, rng.choice(sources),
            published.isoformat(), min(fetched, now).isoformat(), lang,
            max(scores.values()), int(relevant), json.dumps(themes), f"fp{i}",
        ))  # fmt: skip
        if len(batch) == 5000 or i == n:
            db.conn.executemany(
                "insert into articles (id, url, title, text, source, published_at, fetched_at, "
                "language, relevance, relevant, themes, fingerprint) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                batch,
            )
            db.conn.executemany("insert into article_themes values (?, ?, ?)", theme_rows)
            db.conn.commit()
            batch, theme_rows = [], []
    print(f"articles: {time.perf_counter() - start:.1f}s", flush=True)
    start = time.perf_counter()
    with db.conn:
        create_search_table(db)
    print(f"search index: {time.perf_counter() - start:.1f}s", flush=True)
    with db.conn:
        for i, name in enumerate(sources):
            db.execute(
                "insert or replace into sources (name, url, kind, enabled, last_attempt_at, "
                "last_success_at, last_status, last_error, failures_in_row, last_new) "
                "values (?, ?, 'feed', 1, ?, ?, ?, ?, ?, ?)",
                [name, f"https://news{i}.example/feed.xml", now.isoformat(), now.isoformat(),
                 "ok" if i % 10 else "failed", None if i % 10 else "timeout", 0 if i % 10 else 3,
                 rng.randrange(20)],
            )  # fmt: skip
        db.conn.executemany(
            "insert into runs (started_at, ended_at, status, new, errors) values (?, ?, ?, ?, ?)",
            [((now - timedelta(minutes=30 * k)).isoformat(), now.isoformat(), "finished", 40, "{}")
             for k in range(2000)],
        )  # fmt: skip
    db.execute("analyze")
    archive.close()


def params_for(sql: str) -> dict[str, str]:
    return {name: PARAMS[name] for name in set(re.findall(r"(?<!:):([a-z_]+)", sql))}


def archive_arguments(doc: str, runs: int) -> argparse.Namespace:
    """The command line of a benchmark on this archive: --articles N, --db PATH, --runs K."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None, help="archive to build or reuse")
    parser.add_argument("--runs", type=int, default=runs)
    return parser.parse_args()


def bench_archive(args: argparse.Namespace, scratch: Path) -> Path:
    """--db when it exists; else an archive of --articles built there (or in *scratch*)."""
    path: Path = args.db or scratch / "bench.db"
    if not path.exists():
        print(f"building {args.articles} articles in {path} ...", flush=True)
        build(path, args.articles)
    return path


def main() -> int:
    args = archive_arguments(__doc__, runs=7)
    tmp = tempfile.TemporaryDirectory()
    path = bench_archive(args, Path(tmp.name))
    metadata, _ = load_metadata(ROOT / "config" / "metadata.yml")
    queries = metadata["databases"][DATABASE_NAME]["queries"]

    themes = load_themes(ROOT / "config" / "themes.toml")  # the concept search's aliases
    groups = themes.alias_groups
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    count = conn.execute("select count(*) from articles").fetchone()[0]
    labels = {theme.key: theme.label for theme in themes.themes}
    ds = build_datasette(path, themes=labels, concepts=groups)
    prepare_connection(conn, ds)  # the SQL functions the browse connections have

    print(f"\n{count} articles; median of {args.runs} runs (target < 200 ms)")
    print(f"{'canned query':24}{'rows':>7}{'SQL ms':>9}{'HTTP ms':>9}")
    worst = 0.0
    for name, query in queries.items():
        params = params_for(query["sql"])
        rows = len(conn.execute(query["sql"], params).fetchall())
        sql_ms = median_ms(
            lambda sql=query["sql"], params=params: conn.execute(sql, params).fetchall(),
            args.runs,
        )
        url = f"/{DATABASE_NAME}/{name}.json?_shape=objects&" + "&".join(
            f"{k}={v}" for k, v in params.items()
        )
        http_ms = client_median_ms(
            ds, url, args.runs, ok=lambda r: r.status_code == 200 and r.json()["ok"]
        )
        worst = max(worst, sql_ms, http_ms)
        print(f"{name:24}{rows:>7}{sql_ms:>9.1f}{http_ms:>9.1f}")
    print(f"\nslowest: {worst:.1f} ms -> {'OK' if worst < 200 else 'OVER TARGET'}")
    return 0 if worst < 200 else 1


if __name__ == "__main__":
    sys.exit(main())
