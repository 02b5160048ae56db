"""The digest writer on a prepared archive: golden files, escaping, selection, determinism.

Golden files live in ``tests/golden/``; after an intended change of the formats, rewrite
them with ``CULTUREWATCH_UPDATE_GOLDEN=1 pytest tests/test_digest.py`` and read the diff.
The chart is checked on its own (a PNG without time stamps, the same bytes every time),
since its pixels depend on the installed matplotlib and FreeType.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import stat
import struct
import threading
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from support.story_rows import assign_stories

from crawler.cli import cli
from crawler.config import load_themes
from crawler.config.sources import Source
from crawler.outputs.digests import theme_labels
from pipelines.scoring.themes import THEME_KEYS
from storage.archive import Archive
from storage.files import atomic_write as _write_file
from storage.outputs import DigestError, build_digest, write_digest
from storage.outputs.text import extract
from storage.outputs.text import without_title as _without_title

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CULTUREWATCH_UPDATE_GOLDEN") == "1"
DAY = date(2026, 3, 4)
UTC = ZoneInfo("UTC")
LABELS = {
    "films_games": "Films and games",
    "soft_power_diplomacy": "Soft power",
    "traditional_revival_nationalism": "Traditional revival",
    "heritage_unesco": "Heritage",
    "culture_economy": "Culture economy",
    "limits_resistance": "Limits",
}
SCRIPT_TITLE = '<script>alert(1)</script> Hanfu & "guochao" [draft] *now*'


def _ev(*terms: tuple) -> list[dict]:
    """Evidence as the scorer writes it: (term, title hits, body hits, points[, matched]);
    without *matched* a record as older archives hold it."""
    out = []
    for t, ti, b, p, *matched in terms:
        item = {"term": t, "title": ti, "body": b, "weight": 2.0, "context": False, "points": p}
        if matched:
            item["matched"] = matched[0]
        out.append(item)
    return out


# url, title, text, published_at, fetched_at, relevance, relevant, themes, evidence
ARTICLES = [
    (
        "https://news.example/film/ne-zha-2-abroad",
        "Ne Zha 2 tops the overseas box office",
        (
            "The animated film Ne Zha 2 opened in forty countries. Distributors reported full "
            "cinemas in Sydney and Toronto! Critics praised the effects. A fourth sentence that "
            "never shows."
        ),
        "2026-03-03T22:15:00Z",
        "2026-03-04T06:00:00+00:00",
        0.91,
        True,
        ["films_games", "culture_economy"],
        {
            "films_games": _ev(("Ne Zha 2", 1, 2, 5.1), ("overseas box office", 1, 0, 2.0)),
            "culture_economy": _ev(("box office", 1, 0, 1.2), ("cinema*", 0, 1, 0)),
            "heritage_unesco": [],
        },
    ),
    (
        "https://news.example/style/hanfu?id=7&lang=en",
        SCRIPT_TITLE,
        (
            "Young people wear <b>hanfu</b> to work & school. Shops sell [mamian] skirts "
            "(*fast*). # Not a heading. - Not a list."
        ),
        "2026-03-02T08:00:00Z",
        "2026-03-04T10:30:00+00:00",
        0.62,
        True,
        ["traditional_revival_nationalism"],
        {  # the concept's first alias is "China-chic"; the words found were "guochao" and 国潮
            "traditional_revival_nationalism": _ev(
                ("hanfu", 1, 1, 3.0, ["hanfu"]), ("China-chic", 1, 0, 2.5, ["guochao", "国潮"])
            )
        },
    ),
    (  # no publication date, Chinese, no evidence recorded (NULL)
        "https://news.example/zh/chunjie",
        "春节申遗成功后的第一个新年",
        (  # the page repeats the headline (other punctuation) and a byline: both skipped
            "春节申遗成功后的 第一个新年！\n来源：新华网 2026-03-04 10:00\n【字号 大 中 小】\n"
            "世界各地举办庆祝活动。许多家庭第一次了解这个节日。博物馆推出展览。还有第四句。"
        ),
        None,
        "2026-03-04T12:00:00+00:00",
        0.74,
        True,
        ["heritage_unesco", "soft_power_diplomacy"],
        None,
    ),
    (  # published too long before: stays out
        "https://news.example/old/forum-recap",
        "A recap of last year's culture forum",
        "An old story archived today.",
        "2026-02-20T09:00:00Z",
        "2026-03-04T07:00:00+00:00",
        0.8,
        True,
        ["soft_power_diplomacy"],
        {},
    ),
    (  # not relevant: stays out
        "https://news.example/sport/cup-final",
        "Rovers win the county cup",
        "A late header settled it.",
        "2026-03-04T05:00:00Z",
        "2026-03-04T09:00:00+00:00",
        0.05,
        False,
        [],
        {},
    ),
    (  # archived the day before: in the 7-day average, not in the digest
        "https://news.example/film/wukong-sales",
        "Black Myth: Wukong passes new sales mark",
        "The game sold well.",
        "2026-03-03T01:00:00Z",
        "2026-03-03T23:59:59+00:00",
        0.7,
        True,
        ["films_games"],
        {"films_games": _ev(("Black Myth: Wukong", 1, 1, 4.0))},
    ),
    # copies of the Ne Zha 2 story by three other outlets (the last field: the source)
    (  # first carried the evening before, scored below the threshold: in no digest
        "https://wire.example/nezha-overseas",
        "Ne Zha 2 heads for overseas cinemas",
        "The animated film Ne Zha 2 opens in forty countries.",
        "2026-03-03T19:00:00Z",
        "2026-03-03T20:30:00+00:00",
        0.45,
        False,
        [],
        {},
        "state-wire",
    ),
    (  # relevant and of the day, but less so than the original: listed under it
        "https://asia.example/culture/ne-zha-2",
        "Ne Zha 2 tops overseas box office (wire)",
        "The animated film Ne Zha 2 opened in forty countries, the agency said.",
        "2026-03-04T07:00:00Z",
        "2026-03-04T08:30:00+00:00",
        0.88,
        True,
        ["films_games"],
        {"films_games": _ev(("Ne Zha 2", 1, 1, 4.8))},
        "asia-daily",
    ),
    (  # not relevant (a cut copy): carried, but not an entry
        "https://review.example/ne-zha-2?ref=<b>x</b>",
        "Ne Zha 2 abroad",
        "Ne Zha 2 opened abroad.",
        "2026-03-04T09:00:00Z",
        "2026-03-04T11:30:00+00:00",
        0.4,
        False,
        [],
        {},
        "review & co",
    ),
    (  # archived just after the day: stays out
        "https://news.example/travel/towns",
        "Cultural tourism lifts ancient towns",
        "Visitors return.",
        None,
        "2026-03-05T00:00:00+00:00",
        0.66,
        True,
        ["culture_economy"],
        {},
    ),
]


# One story carried by four outlets; every other article is a story of its own.
STORY_GROUPS = [
    [
        "https://news.example/film/ne-zha-2-abroad",
        "https://wire.example/nezha-overseas",
        "https://asia.example/culture/ne-zha-2",
        "https://review.example/ne-zha-2?ref=<b>x</b>",
    ]
]


# the sources of the articles and their groups ("review & co" is in no sources file)
SOURCES = [
    Source("example-news", "https://news.example/rss", "feed", group="international"),
    Source("asia-daily", "https://asia.example/rss", "feed", group="hk_taiwan"),
    Source("state-wire", "https://wire.example/rss", "feed", group="state_media"),
]


def build_archive(path: Path, articles=ARTICLES, groups=STORY_GROUPS) -> Path:
    """A prepared archive, written through the Archive class, its stories set directly."""
    with Archive(path) as archive:
        archive.sync_sources(SOURCES)
        for url, title, text, published, fetched, relevance, relevant, themes, evidence, *source in articles:  # fmt: skip
            article_id, inserted = archive.upsert_article(
                {
                    "url": url,
                    "title": title,
                    "text": text,
                    "source": source[0] if source else "example-news",
                    "published_at": published,
                    "fetched_at": fetched,
                    "language": "zh" if "/zh/" in url else "en",
                }
            )
            assert inserted
            archive.set_relevance(
                article_id,
                relevance=relevance,
                relevant=relevant,
                themes=themes,
                theme_scores={t: relevance for t in themes},
                evidence=evidence,
            )
            if evidence is None:
                archive.db["articles"].update(article_id, {"evidence": None})
    assign_stories(path, [g for g in groups if all(u in {a[0] for a in articles} for u in g)])
    return path


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return build_archive(tmp_path / "archive.db")


PAGES = "http://127.0.0.1:8001/culturewatch/articles"  # the HTML links each entry there


def _write(db: Path, out: Path, day: date = DAY, tz: ZoneInfo = UTC):
    return write_digest(db, day, out, tz=tz, max_age_days=3, labels=LABELS, article_pages=PAGES)


def _chart_free(html: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,CHART", html)


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with CULTUREWATCH_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from tests/golden/{name}"


# --------------------------------------------------------------------------- golden files
def test_golden_files(archive_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "digests"
    _digest, paths = _write(archive_path, out)
    assert [p.name for p in paths] == [
        "2026-03-04.png",
        "2026-03-04.md",
        "2026-03-04.html",
        "2026-03-04.json",
        "feed.xml",
    ]
    _check_golden("2026-03-04.md", (out / "2026-03-04.md").read_text(encoding="utf-8"))
    _check_golden("2026-03-04.json", (out / "2026-03-04.json").read_text(encoding="utf-8"))
    _check_golden(
        "2026-03-04.html", _chart_free((out / "2026-03-04.html").read_text(encoding="utf-8"))
    )
    _check_golden("feed.xml", (out / "feed.xml").read_text(encoding="utf-8"))


def test_selection_grouping_and_ranking(archive_path: Path, tmp_path: Path) -> None:
    _write(archive_path, tmp_path)
    data = json.loads((tmp_path / "2026-03-04.json").read_text(encoding="utf-8"))
    assert data["date"] == "2026-03-04"
    urls = [a["url"] for a in data["articles"]]
    # relevant, archived on the day, published at most 3 days before (or undated); by relevance
    assert urls == [
        "https://news.example/film/ne-zha-2-abroad",
        "https://asia.example/culture/ne-zha-2",
        "https://news.example/zh/chunjie",
        "https://news.example/style/hanfu?id=7&lang=en",
    ]
    for article in data["articles"]:
        assert {"url", "title", "source", "published_at", "relevance", "themes"} <= set(article)
    assert data["articles"][2]["published_at"] is None
    assert data["articles"][0]["themes"] == ["films_games", "culture_economy"]
    counts = {t["theme"]: t for t in data["theme_counts"]}
    assert counts["films_games"]["count"] == 2  # two copies of one story
    assert counts["films_games"]["stories"] == 1
    assert counts["films_games"]["average_previous_7_days"] == round(1 / 7, 2)  # the Wukong day
    assert counts["culture_economy"]["count"] == 1
    assert counts["limits_resistance"]["count"] == 0
    assert len(data["daily"]) == 30 and data["daily"][-1]["date"] == "2026-03-04"
    assert data["daily"][-2]["counts"]["films_games"] == 1  # (the state-wire copy: not relevant)
    # why it matched: the scorer's terms with where they were found; a 0-point term is left out
    evidence = data["articles"][0]["evidence"]
    # (a record without "matched", as older archives hold it, shows the concept's name)
    assert evidence["films_games"][0] == {
        "term": "Ne Zha 2",
        "matched": ["Ne Zha 2"],
        "title": 1,
        "body": 2,
    }
    assert [t["term"] for t in evidence["culture_economy"]] == ["box office"]
    assert data["articles"][2]["evidence"] == {}
    md = (tmp_path / "2026-03-04.md").read_text(encoding="utf-8")
    # grouped by main theme, in theme order
    assert md.index("## Films and games (1)") < md.index("## Traditional revival (1)")
    assert md.index("## Traditional revival (1)") < md.index("## Heritage (1)")
    assert "Why it matched: no evidence recorded" in md
    assert "Rovers" not in md and "recap" not in md and "Wukong" not in md.split("## Films")[1]


def test_day_follows_the_time_zone(archive_path: Path, tmp_path: Path) -> None:
    # In Shanghai (UTC+8) 2026-03-03T23:59:59Z is already the 4th, 2026-03-05T00:00Z the 5th.
    digest, _ = _write(archive_path, tmp_path, tz=ZoneInfo("Asia/Shanghai"))
    urls = {e.url for e in digest.entries}
    assert "https://news.example/film/wukong-sales" in urls
    assert "https://news.example/travel/towns" not in urls
    assert len(urls) == 5
    assert digest.timezone == "Asia/Shanghai"


# --------------------------------------------------------------------------- escaping
def test_script_title_is_escaped(archive_path: Path, tmp_path: Path) -> None:
    _write(archive_path, tmp_path)
    page = (tmp_path / "2026-03-04.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hanfu &amp; &#34;guochao&#34;" in page
    assert "&lt;b&gt;hanfu&lt;/b&gt;" in page
    assert 'href="https://news.example/style/hanfu?id=7&amp;lang=en"' in page
    md = (tmp_path / "2026-03-04.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "<b>" not in md
    assert r"\<script\>alert\(1\)\</script\>" in md
    feed = ET.parse(tmp_path / "feed.xml").getroot()
    summary = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")
    assert summary is not None and summary.get("type") == "html"
    # the summary is HTML carried as text: the title in it is escaped once more
    assert "&lt;script&gt;alert(1)" in summary.text and "<script>" not in summary.text


def test_unsafe_url_is_not_linked(tmp_path: Path) -> None:
    db = build_archive(
        tmp_path / "a.db",
        [
            (
                "javascript:alert(1)",
                "Trap",
                "Text.",
                None,
                "2026-03-04T01:00:00+00:00",
                0.9,
                True,
                ["films_games"],
                {},
            )
        ],
    )
    _write(db, tmp_path / "out")
    page = (tmp_path / "out" / "2026-03-04.html").read_text(encoding="utf-8")
    assert 'href="javascript' not in page and "URL: javascript:alert(1)" in page
    md = (tmp_path / "out" / "2026-03-04.md").read_text(encoding="utf-8")
    assert "](<javascript" not in md


# --------------------------------------------------------------------------- chart, determinism
def _png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return chunks


def test_chart_png_is_embedded_and_has_no_metadata(archive_path: Path, tmp_path: Path) -> None:
    _write(archive_path, tmp_path)
    png = (tmp_path / "2026-03-04.png").read_bytes()
    chunks = _png_chunks(png)
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(chunks)
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 600 and height >= 250
    page = (tmp_path / "2026-03-04.html").read_text(encoding="utf-8")
    embedded = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert embedded and base64.b64decode(embedded.group(1)) == png
    md = (tmp_path / "2026-03-04.md").read_text(encoding="utf-8")
    assert "](2026-03-04.png)" in md


def test_same_archive_same_bytes(archive_path: Path, tmp_path: Path) -> None:
    _write(archive_path, tmp_path / "one")
    _write(archive_path, tmp_path / "two")
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir())
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )


def test_empty_day_says_so(archive_path: Path, tmp_path: Path) -> None:
    digest, _ = _write(archive_path, tmp_path, day=date(2026, 3, 10))
    assert digest.entries == []
    data = json.loads((tmp_path / "2026-03-10.json").read_text(encoding="utf-8"))
    assert data["articles"] == [] and data["count"] == 0
    for suffix in ("md", "html"):
        text = (tmp_path / f"2026-03-10.{suffix}").read_text(encoding="utf-8")
        assert "No relevant articles were first archived on this day." in text
    assert (tmp_path / "2026-03-10.png").stat().st_size > 1000


def test_feed_lists_recent_digests_newest_first(archive_path: Path, tmp_path: Path) -> None:
    _write(archive_path, tmp_path, day=date(2026, 3, 3))
    _write(archive_path, tmp_path, day=DAY)
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(tmp_path / "feed.xml").getroot()
    entries = feed.findall(f"{atom}entry")
    assert [e.find(f"{atom}link").get("href") for e in entries] == [
        "2026-03-04.html",
        "2026-03-03.html",
    ]
    assert (
        entries[0].find(f"{atom}title").text
        == "Digest 2026-03-04: 4 relevant articles in 3 stories"
    )
    assert entries[1].find(f"{atom}updated").text == "2026-03-03T23:59:59Z"
    assert feed.find(f"{atom}updated").text == "2026-03-04T12:00:00Z"


def test_extract_two_or_three_sentences() -> None:
    text = "One is short. Two is short too. Three fits. Four never shows."
    assert extract(text) == "One is short. Two is short too. Three fits."
    long = ("A sentence of some length that goes on. " * 6).strip()
    assert extract("First. Second one. " + long).startswith("First. Second one. A sentence")
    assert extract("First. Second. " + "x" * 500).count(".") == 2  # a long third is left out
    assert extract("甲句。乙句。丙句。丁句。") == "甲句。乙句。丙句。"
    assert extract("no end " * 200).endswith("…")
    assert extract("") == ""


# --------------------------------------------------------------------------- the real scorer
def test_evidence_from_the_scorer(tmp_path: Path) -> None:
    """Evidence written by pipelines.scoring.relevance.score is what the digest explains."""
    themes_file = Path(__file__).resolve().parents[1] / "config" / "themes.toml"
    relevance = pytest.importorskip("pipelines.scoring.relevance")
    themes = load_themes(themes_file)
    title = "Ne Zha 2 and Chinese animation abroad"
    text = "The Chinese film Ne Zha 2 keeps breaking box office records abroad. " * 3
    result = relevance.score({"title": title, "text": text}, themes)
    assert result.relevant
    with Archive(tmp_path / "a.db") as archive:
        article_id, _ = archive.upsert_article(
            {
                "url": "https://x.example/nezha",
                "title": title,
                "text": text,
                "source": "x",
                "fetched_at": "2026-03-04T08:00:00+00:00",
            }
        )
        archive.set_relevance(article_id, **result.to_dict())
    digest, _ = _write(tmp_path / "a.db", tmp_path / "out")
    (entry,) = digest.entries
    best = max(
        (item for items in result.evidence.values() for item in items if item["points"] > 0),
        key=lambda item: item["points"],
    )
    shown = [t["term"] for terms in entry.evidence.values() for t in terms]
    assert best["term"] in shown
    assert entry.themes == tuple(result.themes)


# --------------------------------------------------------------------------- command
def test_digest_command(archive_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(
        '[schedule]\ntimezone = "UTC"\n[digest]\nmax_age_days = 3\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "digest",
            "--config",
            str(config),
            "--db",
            str(archive_path),
            "--date",
            "2026-03-04",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "2026-03-04.html",
        "2026-03-04.json",
        "2026-03-04.md",
        "2026-03-04.png",
        "feed.xml",
    ]
    assert len(json.loads((out / "2026-03-04.json").read_text(encoding="utf-8"))["articles"]) == 4


def test_digest_command_errors(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    runner = CliRunner()
    result = runner.invoke(
        cli, ["digest", "--config", str(config), "--db", str(tmp_path / "no.db")]
    )
    assert result.exit_code == 1
    assert "archive not found" in result.output and "Traceback" not in result.output
    (config / "settings.toml").write_text('[schedule]\ntimezone = "Mars/Olympus"\n')
    result = runner.invoke(
        cli, ["digest", "--config", str(config), "--db", str(tmp_path / "no.db")]
    )
    assert result.exit_code == 2
    assert "settings.toml" in result.output and "schedule.timezone" in result.output
    result = runner.invoke(cli, ["digest", "--date", "04/03/2026"])
    assert result.exit_code == 2


def test_extract_skips_a_first_line_that_repeats_the_title():
    text = "Hanfu  weekend\nCrowds filled the old town. Shops sold out."
    assert _without_title(text, "Hanfu weekend") == "Crowds filled the old town. Shops sold out."
    assert _without_title(text, "Another title") == text
    assert _without_title("Hanfu weekend", "Hanfu weekend") == "Hanfu weekend"  # nothing else


# --------------------------------------------------------------------------- files, query, help
def test_concurrent_writes_never_share_a_temporary_file(tmp_path: Path) -> None:
    """Two digests writing the same file at once: each write is whole, nothing is left over."""
    target = tmp_path / "2026-03-04.html"
    contents = [bytes([65 + n]) * 300_000 for n in range(8)]
    errors: list[BaseException] = []

    def writer(content: bytes) -> None:
        try:
            for _ in range(15):
                _write_file(target, content)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(c,)) for c in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert target.read_bytes() in contents
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-03-04.html"]


def test_a_failed_write_leaves_no_temporary_file(archive_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "2026-03-04.md").mkdir(parents=True)  # os.replace cannot put a file there
    with pytest.raises(DigestError, match="cannot write the digest"):
        _write(archive_path, out)
    assert sorted(p.name for p in out.iterdir()) == ["2026-03-04.md", "2026-03-04.png"]
    assert list((out / "2026-03-04.md").iterdir()) == []


def test_new_files_get_the_usual_permissions(archive_path: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        _write(archive_path, tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "2026-03-04.html").stat().st_mode) == 0o644


class _CountingConnection(sqlite3.Connection):
    """Counts the article rows the digest's queries hand back."""

    fetched = 0

    def execute(self, *args, **kwargs):  # type: ignore[override]
        cursor = super().execute(*args, **kwargs)
        connection = self

        class Counted:
            description = cursor.description

            def __iter__(self):
                for row in cursor:
                    connection.fetched += 1
                    yield row

        return Counted()


def test_an_old_day_does_not_read_the_newer_archive(tmp_path: Path) -> None:
    later = [
        (
            f"https://news.example/later/{n}",
            f"Later story {n}",
            "Text.",
            None,
            f"2026-05-{1 + n % 28:02d}T08:00:00+00:00",
            0.9,
            True,
            ["films_games"],
            {},
        )
        for n in range(60)
    ]
    db = build_archive(tmp_path / "a.db", ARTICLES + later)
    conn = sqlite3.connect(db, factory=_CountingConnection)
    try:
        digest = build_digest(conn, DAY, tz=UTC, max_age_days=3, labels=LABELS)
    finally:
        conn.close()
    assert len(digest.entries) == 4
    # the 30 chart days and the day itself, each with a day's margin: the relevant articles
    # of ARTICLES at most (twice) and the other copies of the day's stories, none of the 60
    # archived in May
    assert 0 < conn.fetched <= 2 * len(ARTICLES) + 2


def test_theme_order_is_the_scorers() -> None:
    assert tuple(theme_labels(None)) == THEME_KEYS


def test_digest_help_shows_the_date_format() -> None:
    result = CliRunner().invoke(cli, ["digest", "--help"])
    assert result.exit_code == 0
    assert "--date YYYY-MM-DD" in result.output and "[%Y-%m-%d]" not in result.output
