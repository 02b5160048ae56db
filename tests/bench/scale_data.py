"""A realistic synthetic archive for ``archive_scale.py``: what a two-year stream leaves behind.

:func:`build` writes N articles into a real culturewatch archive (opened with
:class:`storage.archive.Archive`, so every migration has run) in big transactions:

- ~60 sources in the source groups of ``storage.groups`` (a fifth of them Chinese-language),
  their share of the stream skewed (a few state outlets carry most of it);
- text lengths drawn from a log-normal around what real extraction gives (median ~3,500
  characters in English, ~1,500 Han characters in Chinese, a long tail to 60 KB), words drawn
  Zipf-like (function words, a long tail of invented words, and the topical words searched
  for at ranks that put each in ~1.5-15 % of texts), Chinese text likewise from our own lists
  of two-character words; sentences in paragraphs of 2-6, one a line, as extraction gives
  them (a text of one line made every first "line" a whole text for the digest's headline
  check: 6 s of an alerts run of 2,000 articles);
- two years of publication dates up to now (a few hundred archived today);
- ~4 % relevant, with one to three themes, scorer-shaped evidence and ``article_themes``
  rows (also a weak score on one or two other themes for a share of the rest);
- stories: ~12 % of articles are copies carried by 2-8 outlets of one story; the ``stories``
  rows, MinHash signatures and LSH bands as the writer stores them (random values);
- labels (a few hundred, as analysts give), the ``pages`` row of every article, crawl runs;
- the search index filled at the end by the archive's own code
  (:func:`storage.search.create_search_table`, which segments Chinese in Python);
- no ``ANALYZE`` statistics (the archive never makes them).
"""

from __future__ import annotations

import itertools
import json
import math
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from storage.archive import Archive
from storage.search import SEARCH_TABLE, create_search_table

THEMES = [
    "films_games", "soft_power_diplomacy", "traditional_revival_nationalism",
    "heritage_unesco", "culture_economy", "limits_resistance",
]  # fmt: skip
GROUPS = [
    ("state_media", 14, 0.40),
    ("international", 16, 0.25),
    ("hk_taiwan", 8, 0.12),
    ("trade_press", 10, 0.12),
    ("think_tank", 6, 0.05),
    ("multilateral", 3, 0.03),
    ("discovery", 3, 0.03),
]  # fmt: skip  (group, sources, share of the stream)
EN_COMMON = (
    "the of and to in a is that for on with as was by at from it be this are have an has not "
    "but they which said were their more been its new also one will china chinese culture "
    "cultural film films game games festival heritage museum audience overseas tourism export "
    "exports soft power diplomacy forum civilization box office players fashion tradition "
    "market industry animation series streaming critics visitors year years government "
    "people world first two after would about there other country international national "
    "global beijing shanghai hong kong taiwan state media policy history art arts music "
    "opera dance theatre exhibition unesco listing intangible spring year lunar dragon "
    "panda silk road belt initiative youth exchange students language confucius institute "
    "nezha wukong black myth hanfu douyin tiktok bilibili platform studio director actor "
    "release weekend record billion million percent growth economy consumer brand design"
).split()
ZH_WORDS = (
    "文化 电影 游戏 观众 海外 节日 遗产 博物 旅游 出口 软实 外交 论坛 文明 票房 玩家 时尚 传统 "
    "市场 产业 动画 剧集 评论 游客 国潮 汉服 哪吒 原神 春节 申遗 非遗 故宫 敦煌 京剧 昆曲 武术 "
    "熊猫 丝路 青年 交流 学生 语言 孔子 学院 平台 导演 演员 上映 周末 纪录 亿元 增长 经济 消费 "
    "品牌 设计 中国 国家 政府 世界 国际 全球 北京 上海 香港 台湾 媒体 政策 历史 艺术 音乐 舞蹈 "
    "剧院 展览 龙年 农历 一带 一路 合作 发展 创新 推动 举办 活动 作品 故事 形象 传播 影响 认同"
).split()
ZH_COMMON = (
    "我们 他们 这个 一个 没有 因为 所以 但是 可以 进行 已经 表示 认为 目前 通过 相关 方面 问题 "
    "工作 今年 社会 人们 时间 地方 情况 部分 自己 这些 同时 其中"
).split()
ZH_CHARS = "天地人和山水风云日月春秋东西南北金木火土花草书画诗歌城乡家国友新老长光明"
SENTENCE_END = "。"
FUNCTION_WORDS = 45  # EN_COMMON's first words: "the" .. "will", the most frequent


def _zipf(common: list[str], topical: list[str], tail: list[str]) -> tuple[list[str], list[float]]:
    """Common words first, then the tail with the topical words spread over ranks 300 to
    3,000 (each in ~1.5-15 % of texts, as a theme's words are in a real stream); Zipf
    weights (rank^-1.07)."""
    words = common + tail
    step = max(2700 // max(len(topical), 1), 1)
    for k, word in enumerate(topical):
        words.insert(min(300 + k * step, len(words)), word)
    return words, [1 / (rank + 1) ** 1.07 for rank in range(len(words))]


def _vocabulary(rng: random.Random, size: int = 6000) -> tuple[list[str], list[float]]:
    """English: function words, invented words (a long tail) and the topical ones."""
    syllables = ["ka", "lo", "mi", "ten", "ra", "vo", "sha", "qui", "den", "por", "li", "na"]
    seen = set(EN_COMMON)
    tail: list[str] = []
    while len(tail) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            tail.append(word)
    return _zipf(EN_COMMON[:FUNCTION_WORDS], EN_COMMON[FUNCTION_WORDS:], tail)


def _zh_vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Chinese: common words, invented two-character words and the topical ones."""
    seen = set(ZH_COMMON) | set(ZH_WORDS)
    tail = [a + b for a in ZH_CHARS for b in ZH_CHARS if a + b not in seen]
    rng.shuffle(tail)
    return _zipf(ZH_COMMON, ZH_WORDS, tail)


def _length(rng: random.Random, median: float) -> int:
    return int(min(max(rng.lognormvariate(math.log(median), 0.65), 200), 60_000))


def _paragraphs(rng: random.Random, sentences: list[str], end: str) -> str:
    """Sentences in paragraphs of 2-6, one a line, as extraction gives them."""
    out, at = [], 0
    while at < len(sentences):
        take = rng.randint(2, 6)
        out.append(end.join(sentences[at : at + take]) + end)
        at += take
    return "\n".join(out)


def _english(rng: random.Random, words: list[str], cum: list[float], chars: int) -> str:
    picked = rng.choices(words, cum_weights=cum, k=max(chars // 6, 20))
    sentences = [" ".join(picked[i : i + 18]).capitalize() for i in range(0, len(picked), 18)]
    return _paragraphs(rng, sentences, ". ").replace(". \n", ".\n").rstrip()


def _chinese(rng: random.Random, words: list[str], cum: list[float], chars: int) -> str:
    picked = rng.choices(words, cum_weights=cum, k=max(chars // 2, 10))
    sentences = ["".join(picked[i : i + 12]) for i in range(0, len(picked), 12)]
    return _paragraphs(rng, sentences, SENTENCE_END)


def sources() -> list[dict[str, object]]:
    """The ~60 sources: name, group, language, share of the stream."""
    out: list[dict[str, object]] = []
    for group, count, share in GROUPS:
        for k in range(count):
            out.append(
                {
                    "name": f"{group.replace('_', '-')}-{k:02d}",
                    "group": group,
                    "language": "zh" if k % 5 == 1 or group == "hk_taiwan" and k % 2 else "en",
                    "weight": share / count * (3 if k == 0 else 1),
                }
            )
    return out


def build(path: Path, n: int, *, seed: int = 11, say: Callable[[str], None] = print) -> None:
    """Write *n* articles (and everything around them) into a new archive at *path*."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    words, weights = _vocabulary(rng)
    cum = list(itertools.accumulate(weights))
    zh_words, zh_weights = _zh_vocabulary(rng)
    zh_cum = list(itertools.accumulate(zh_weights))
    srcs = sources()
    src_cum = list(itertools.accumulate(float(s["weight"]) for s in srcs))  # type: ignore[arg-type]
    archive = Archive(path)
    db = archive.db
    conn = db.conn
    conn.execute(f"drop table if exists [{SEARCH_TABLE}]")  # filled in one go at the end
    _sources(conn, rng, srcs, now)
    started = time.perf_counter()
    art, themes_rows, pages, sigs, bands = [], [], [], [], []
    story_id = 0
    base_text = ""
    story_left = 0
    story_fetched = now
    for i in range(1, n + 1):
        if story_left > 0:  # another outlet's copy, up to two days after the first
            fetched = min(story_fetched + timedelta(seconds=rng.randrange(60, 48 * 3600)), now)
        elif i > n - max(n // 1000, 50):  # archived today
            fetched = now - timedelta(seconds=rng.randrange(0, 6 * 3600))
        else:
            fetched = now - timedelta(seconds=rng.randrange(0, 730 * 86400))
        src = rng.choices(srcs, cum_weights=src_cum)[0]
        zh = src["language"] == "zh"
        if story_left > 0:  # another outlet's copy of the story under way
            story_left -= 1
            text = base_text + (f" 第{i}号" if zh else f" (copy {i})")
        else:
            story_id, story_fetched = i, fetched
            if rng.random() < 0.04:
                story_left = rng.randint(1, 7)
            text = (
                _chinese(rng, zh_words, zh_cum, _length(rng, 1500))
                if zh
                else _english(rng, words, cum, _length(rng, 3500))
            )
            base_text = text
        title = text[:28] if zh else " ".join(text.split()[:9])
        published = fetched - timedelta(minutes=rng.randrange(5, 36 * 60))
        relevant = rng.random() < 0.04
        chosen = rng.sample(THEMES, rng.randint(1, 3)) if relevant else []
        scores = {t: round(rng.uniform(0.5, 1), 4) for t in chosen}
        if not relevant and rng.random() < 0.3:
            scores.update({t: round(rng.uniform(0.05, 0.45), 4) for t in rng.sample(THEMES, 2)})
        evidence = {
            t: [{"term": rng.choice(ZH_WORDS if zh else EN_COMMON[40:]), "title": 1, "body": 2,
                 "weight": 2.0, "context": False, "points": 3.1}]
            for t in chosen
        }  # fmt: skip
        url = f"https://{src['name']}.example/{fetched:%Y/%m/%d}/{i}.html"
        author = f"Author {rng.randrange(400)}"
        art.append((
            i, url, title, text, src["name"], published.isoformat(), fetched.isoformat(),
            "zh" if zh else "en", max(scores.values(), default=round(rng.uniform(0, 0.3), 4)),
            int(relevant), json.dumps(chosen), json.dumps(evidence) if evidence else None,
            author, src["name"], text[:160], len(text.split()) if not zh else len(text) // 2,
            f"{rng.getrandbits(64):016x}", json.dumps([author]), "jsonld", src["group"], story_id,
        ))  # fmt: skip
        themes_rows += [(i, t, s) for t, s in scores.items()]
        pages.append((url, src["name"], "archived", 200, url, None, fetched.isoformat()))
        sigs.append((i, rng.randbytes(512)))
        bands += [(i, b, rng.getrandbits(62)) for b in range(32)]
        if len(art) == 20_000 or i == n:
            conn.executemany(
                "insert into articles (id, url, title, text, source, published_at, fetched_at, "
                "language, relevance, relevant, themes, evidence, author, sitename, "
                "description, word_count, fingerprint, authors, date_source, source_group, "
                "story_id) values (" + ", ".join("?" * 21) + ")",
                art,
            )
            conn.executemany("insert into article_themes values (?, ?, ?)", themes_rows)
            conn.executemany(
                "insert into pages (url, source, outcome, http_status, article_url, error, "
                "fetched_at) values (?, ?, ?, ?, ?, ?, ?)",
                pages,
            )
            conn.executemany("insert into story_signatures values (?, ?)", sigs)
            conn.executemany("insert into story_bands values (?, ?, ?)", bands)
            conn.commit()
            art, themes_rows, pages, sigs, bands = [], [], [], [], []
            say(f"  {i:,} articles, {time.perf_counter() - started:.0f}s")
    fill_stories(conn)
    _around(conn, rng, now, n)
    conn.commit()
    say(f"articles written in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    with conn:
        create_search_table(db)
    say(f"search index built in {time.perf_counter() - started:.1f}s")
    # no ANALYZE: the archive never runs it, so the planner works without statistics, as
    # on a real archive (with them it scanned the whole publication-day index for a facet
    # of ?language=zh, 25 ms -> 500 ms at 100,000 articles)
    conn.execute("pragma wal_checkpoint(truncate)")
    archive.close()


STORY_ROWS = """
insert into stories (id, title, first_seen, first_source, first_url, last_seen, article_count,
                     source_count, languages, sources, spread_hours)
select f.story_id, f.title, f.first_seen, f.source, f.url, g.last_seen, g.articles, g.outlets,
       g.languages, g.sources,
       round((julianday(g.last_seen) - julianday(f.first_seen)) * 24, 2)
from (select story_id, title, source, url, min(published_at) as first_seen
      from articles where id > :after group by story_id) f
join (select story_id, max(published_at) as last_seen, count(*) as articles,
             count(distinct source) as outlets, json_group_array(distinct language) as languages,
             json_group_array(distinct source) as sources
      from (select story_id, published_at, source, language from articles where id > :after
            order by story_id, published_at)
      group by story_id) g on g.story_id = f.story_id
"""  # the title, source and URL of the first copy (SQLite's bare columns beside min())


def fill_stories(conn: Any, after: int = 0) -> None:
    """The ``stories`` rows of the stories of the articles after id *after*, as the writer
    keeps them: first copy, outlets in the order they carried it, languages, spread."""
    conn.execute(STORY_ROWS, {"after": after})


def _sources(conn: Any, rng: random.Random, srcs: list[dict[str, object]], now: datetime) -> None:
    """The sources with their health (before the articles, whose group the archive's
    trigger copies from their source's row)."""
    for k, s in enumerate(srcs):
        conn.execute(
            "insert or replace into sources (name, url, kind, language, enabled, "
            "last_attempt_at, last_success_at, last_status, last_error, failures_in_row, "
            "last_new, source_group) values (?, ?, 'feed', ?, 1, ?, ?, ?, ?, ?, ?, ?)",
            [s["name"], f"https://{s['name']}.example/feed.xml", s["language"], now.isoformat(),
             now.isoformat(), "ok" if k % 12 else "failed", None if k % 12 else "timeout",
             0 if k % 12 else 3, rng.randrange(40), s["group"]],
        )  # fmt: skip


def runs_for(n: int) -> int:
    """Crawl runs in an archive of *n* articles (hourly, at most two years of them)."""
    return min(17_520, max(n // 50, 100))


def _around(conn: Any, rng: random.Random, now: datetime, n: int) -> None:
    """Crawl runs, and labels (each analyst's verdicts)."""
    conn.executemany(
        "insert into runs (started_at, ended_at, status, new, errors) values (?, ?, ?, ?, ?)",
        [((now - timedelta(hours=k)).isoformat(), now.isoformat(), "finished", 40, "{}")
         for k in range(runs_for(n))],
    )  # fmt: skip
    labelled = rng.sample(range(1, n + 1), min(600, n // 10))
    conn.executemany(
        "insert into labels (article_id, label, theme, note, labelled_by, labelled_at) "
        "values (?, ?, null, null, ?, ?)",
        [(a, int(rng.random() < 0.3), rng.choice(["ana", "ben"]), now.isoformat())
         for a in labelled],
    )  # fmt: skip
