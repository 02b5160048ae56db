"""The digest by story: one entry per story with its outlets and spread, the words that
matched, and Chinese and English excerpts without the headline and byline.

The archives are written with :class:`storage.archive.Archive` and their stories set directly
(``support.story_rows``), so these tests do not depend on how a crawl groups the copies.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from support.story_rows import assign_stories
from test_digest import ARTICLES, DAY, STORY_GROUPS, _write, build_archive

from crawler.config import load_themes
from storage.archive import Archive
from storage.outputs.text import extract, without_title

NEZHA = "https://news.example/film/ne-zha-2-abroad"
THEMES_FILE = Path(__file__).resolve().parents[1] / "config" / "themes.toml"


def _outputs(out: Path) -> tuple[str, str, dict]:
    name = DAY.isoformat()
    return (
        (out / f"{name}.md").read_text(encoding="utf-8"),
        (out / f"{name}.html").read_text(encoding="utf-8"),
        json.loads((out / f"{name}.json").read_text(encoding="utf-8")),
    )


def test_one_entry_per_story_with_its_outlets_and_spread(tmp_path: Path) -> None:
    db = build_archive(tmp_path / "a.db")
    digest, _ = _write(db, tmp_path / "out")
    md, html, data = _outputs(tmp_path / "out")
    # two relevant copies of the Ne Zha 2 story, one entry: the best copy (0.91, not 0.88)
    assert len(digest.entries) == 4 and len(digest.stories) == 3
    assert len(re.findall(r"^### ", md, flags=re.M)) == 3
    assert "Ne Zha 2 tops overseas box office (wire)" not in md.replace("\\", "")
    (story,) = [s for s in digest.stories if s.best.url == NEZHA]
    assert [c.source for c in story.carriers] == [
        "state-wire",
        "example-news",
        "asia-daily",
        "review & co",
    ]
    assert [c.source for c in story.also] == ["state-wire", "asia-daily", "review & co"]
    # by publication time (issue 29: as the stories table says): 19:00 to 09:00 the next day
    assert (story.outlets, story.spread_hours, story.first.source) == (4, 14.0, "state-wire")
    assert (
        "- Spread: 4 outlets over 14.0 hours, first carried by state-wire "
        "\\(published 2026-03-03 19:00 UTC\\)" in md
    )
    assert "- Also carried by: [state-wire](<https://wire.example/nezha-overseas>)" in md
    assert "[review \\& co](<https://review.example/ne-zha-2?ref=%3Cb%3Ex%3C/b%3E>)" in md
    assert '<a href="https://review.example/ne-zha-2?ref=&lt;b&gt;x&lt;/b&gt;">review &amp; co</a>' in html  # fmt: skip
    assert "<b>x</b>" not in html and "<b>" not in md
    # the JSON keeps every article (the contract) and adds the stories
    assert [a["story_id"] for a in data["articles"]][:2] == [story.id, story.id]
    (told,) = [s for s in data["stories"] if s["best_url"] == NEZHA]
    assert told["first_source"] == "state-wire" and told["outlets"] == 4
    assert told["first_seen"].startswith("2026-03-03T19:00:00") and told["spread_hours"] == 14.0
    assert told["first_basis"] == "published"
    assert (
        told["articles"][0] == "https://wire.example/nezha-overseas" and len(told["articles"]) == 4
    )
    counts = {t["theme"]: (t["count"], t["stories"]) for t in data["theme_counts"]}
    assert counts["films_games"] == (2, 1)
    assert "| Films and games | 2 | 1 |" in md


def test_a_later_copy_does_not_change_an_old_day(tmp_path: Path) -> None:
    db = build_archive(tmp_path / "a.db")
    _write(db, tmp_path / "before")
    later = (
        "https://late.example/ne-zha-2",
        "Ne Zha 2, days later",
        "The animated film Ne Zha 2 opened in forty countries.",
        None,
        "2026-03-05T09:00:00+00:00",
        0.9,
        True,
        ["films_games"],
        {},
        "late-news",
    )
    groups = [[*STORY_GROUPS[0], later[0]]]
    db2 = build_archive(tmp_path / "b.db", [*ARTICLES, later], groups)
    _write(db2, tmp_path / "after")
    for name in ("2026-03-04.md", "2026-03-04.json"):
        assert (tmp_path / "before" / name).read_bytes() == (tmp_path / "after" / name).read_bytes()
    # ... while the next day's digest lists the story again, with the four earlier outlets
    digest, _ = _write(db2, tmp_path / "next", day=DAY.replace(day=5))
    (story,) = [s for s in digest.stories if s.best.source == "late-news"]
    assert story.outlets == 5
    assert [c.source for c in story.also][:2] == ["state-wire", "example-news"]


def test_an_archive_without_stories_lists_every_article(tmp_path: Path) -> None:
    db = build_archive(tmp_path / "a.db")
    with sqlite3.connect(db) as conn:
        conn.execute("update articles set story_id = null")
    digest, _ = _write(db, tmp_path / "out")
    assert len(digest.stories) == len(digest.entries) == 4
    assert all(s.id is None and not s.also and not s.spread for s in digest.stories)
    md, _, data = _outputs(tmp_path / "out")
    assert "Also carried by" not in md and data["stories"][0]["id"] is None


def test_story_of_one_says_nothing_of_spread(tmp_path: Path) -> None:
    db = build_archive(tmp_path / "a.db", ARTICLES[:3], [])
    assign_stories(db)
    _write(db, tmp_path / "out")
    md, html, _ = _outputs(tmp_path / "out")
    assert "Spread" not in md and "Also carried by" not in html


# --------------------------------------------------------------------------- why it matched
def test_evidence_shows_the_words_that_matched(tmp_path: Path) -> None:
    """An article naming ReelShort is explained by "ReelShort", not by the concept's first
    alias ("Tencent Games")."""
    relevance = pytest.importorskip("pipelines.scoring.relevance")
    themes = load_themes(THEMES_FILE)
    title = "ReelShort short dramas conquer American phones"
    text = (
        "China's ReelShort and its rivals sell Chinese short dramas abroad. ReelShort leads "
        "the download charts, and Chinese studios film hundreds of episodes a month. "
    ) * 2
    result = relevance.score({"title": title, "text": text}, themes)
    found = {t["term"]: t for items in result.evidence.values() for t in items}
    assert found["Tencent Games"]["matched"] == ["ReelShort"]
    with Archive(tmp_path / "a.db") as archive:
        article_id, _ = archive.upsert_article(
            {
                "url": "https://x.example/reelshort",
                "title": title,
                "text": text,
                "source": "x",
                "fetched_at": "2026-03-04T08:00:00+00:00",
            }
        )
        archive.set_relevance(article_id, **result.to_dict())
    digest, _ = _write(tmp_path / "a.db", tmp_path / "out")
    (entry,) = digest.entries
    why = " ".join(text for _label, text in entry.why)
    assert "ReelShort (title 1, body 4)" in why and "Tencent Games" not in why
    assert "chinese studios (body 2)" in why  # the words a wildcard alias matched
    md = (tmp_path / "out" / "2026-03-04.md").read_text(encoding="utf-8")
    assert "ReelShort \\(title 1, body 4\\)" in md


# --------------------------------------------------------------------------- excerpts
@pytest.mark.parametrize(
    ("text", "title", "lead"),
    [
        (  # the headline with other punctuation and spaces, a source and date line, furniture
            "春节申遗成功后的 第一个新年！\n来源：新华网 2026-03-04 10:00\n【字号 大 中 小】\n"
            "世界各地举办庆祝活动。",
            "春节申遗成功后的第一个新年",
            "世界各地举办庆祝活动。",
        ),
        (  # a title with the site's name; date + source, reporter, editor lines
            "哪吒2海外热映\n2025-03-04 10:21:33　来源：人民网\n记者 张三\n编辑：李四\n"
            "记者从文化和旅游部获悉，影片已在四十个国家上映。",
            "哪吒2海外热映 - 人民网",
            "记者从文化和旅游部获悉，影片已在四十个国家上映。",
        ),
        (  # traditional characters, a bare date, a reporter without space
            "漢服走紅海外\n2025年3月4日\n記者王五\n責任編輯：趙六\n越來越多年輕人穿漢服。",
            "漢服走紅海外",
            "越來越多年輕人穿漢服。",
        ),
        (  # English: the headline, a byline, an update line
            "Ne Zha 2 tops the box office\nBy Jane Doe | Reuters\nUpdated: 4 March 2026\n"
            "By the end of the week the film had sold out.",
            "Ne Zha 2 tops the box office",
            "By the end of the week the film had sold out.",
        ),
        (  # a first line that merely looks like one is kept
            "From Beijing to Paris, hanfu is everywhere\nShops sold out.",
            "Hanfu abroad",
            "From Beijing to Paris, hanfu is everywhere\nShops sold out.",
        ),
        (
            "Source code of the game leaked online\nThe studio confirmed it.",
            "A leak",
            "Source code of the game leaked online\nThe studio confirmed it.",
        ),
        (  # a body opening with 记者 is the article, not a byline
            "记者从文化和旅游部获悉，今年春节出境游人数创新高。",
            "春节出境游",
            "记者从文化和旅游部获悉，今年春节出境游人数创新高。",
        ),
        ("Hanfu weekend\nBy Jane Doe", "Hanfu weekend", "Hanfu weekend\nBy Jane Doe"),  # all
    ],
)
def test_excerpt_skips_headline_and_byline(text: str, title: str, lead: str) -> None:
    assert without_title(text, title) == lead


def test_chinese_excerpt_in_the_digest_starts_with_the_article(tmp_path: Path) -> None:
    db = build_archive(tmp_path / "a.db")
    digest, _ = _write(db, tmp_path / "out")
    (entry,) = [e for e in digest.entries if e.language == "zh"]
    assert entry.extract == extract(
        "世界各地举办庆祝活动。许多家庭第一次了解这个节日。博物馆推出展览。"
    )
    assert "来源" not in entry.extract and "字号" not in entry.extract


def test_an_outlet_with_an_unsafe_url_is_not_linked(tmp_path: Path) -> None:
    unsafe = (
        "javascript:alert(1)//nezha",
        "Ne Zha 2 copy",
        "The animated film Ne Zha 2 opened in forty countries.",
        None,
        "2026-03-04T13:00:00+00:00",
        0.3,
        False,
        [],
        {},
        "<script>x</script> wire",
    )
    groups = [[*STORY_GROUPS[0], unsafe[0]]]
    db = build_archive(tmp_path / "a.db", [*ARTICLES, unsafe], groups)
    _write(db, tmp_path / "out")
    md, html, data = _outputs(tmp_path / "out")
    assert "\\<script\\>x\\</script\\> wire (`javascript:alert(1)//nezha`)" in md
    assert "&lt;script&gt;x&lt;/script&gt; wire (javascript:alert(1)//nezha)" in html
    assert 'href="javascript' not in html and "](<javascript" not in md
    assert "<script>x" not in html
    (told,) = [s for s in data["stories"] if s["best_url"] == NEZHA]
    assert told["outlets"] == 5 and told["also_carried_by"][-1]["url"] == unsafe[0]
