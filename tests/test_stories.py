"""Stories: shingles, signatures, the assignment on a real archive, rebuild, the gates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import run_python

from crawler.cli import EXIT_BUSY, cli
from crawler.lock import crawl_lock
from pipelines.stories.assign import assign_story
from pipelines.stories.shingles import body_lines, shingles
from pipelines.stories.signatures import (
    BANDS,
    NUM_PERM,
    band_hashes,
    jaccard,
    pack,
    signature,
    unpack,
)
from storage.archive import Archive

QUALITY = Path(__file__).resolve().parent / "quality"

WIRE = (
    "BEIJING, Feb. 17 (Xinhua) -- The animated film Ne Zha 2 has become the highest-grossing "
    "animated film in history, with receipts passing 12.3 billion yuan, ticketing data showed.\n"
    "The film, directed by Jiaozi, opened on the first day of the Lunar New Year and overtook "
    "a record held for years by a Hollywood production.\n"
    "Analysts credited word of mouth, the long holiday and a story rooted in classical "
    "mythology that younger audiences found fresh.\n"
    "Screenings in North America, Australia and Malaysia began in mid-February, with subtitles."
)
REVIEW = (
    "Ne Zha 2 arrives with the weight of a phenomenon, and for its first hour it earns the "
    "hype. The demon child is as rude as ever and the banter with Ao Bing is the funniest "
    "writing in any animated sequel this year.\n"
    "The trouble starts in the second half, when armies of dragons and a celestial bureaucracy "
    "crowd the screen and the battles run together into one long blur of fire and water."
)
ZH_WIRE = (
    "新华社北京2月17日电（记者 王晓）据猫眼专业版数据，截至17日，电影《哪吒之魔童闹海》全球票房已突破"
    "123亿元，成为全球影史动画电影票房冠军。\n"
    "该片由饺子执导，于大年初一上映，超越了此前由好莱坞影片保持多年的纪录。\n"
    "业内人士认为，良好的口碑、春节档假期以及根植于传统神话的故事是影片成功的主要原因。"
)
ZH_REVIEW = (
    "《哪吒2》延续了第一部的顽皮与热血。魔童依旧嘴硬心软，他与敖丙之间的斗嘴是今年动画续集里"
    "最好笑的段落。\n问题出在后半段，龙族大军和天庭官僚塞满银幕，水与火的特效最终糊成一片。"
)


def edited(text: str, *, credit: str, cut_last: bool = False) -> str:
    paras = text.split("\n")
    paras[0] = paras[0].split(" -- ", 1)[-1]  # the dateline dropped
    if cut_last:
        paras = paras[:-1]
    return "\n".join([*paras, credit])


# --------------------------------------------------------------------------- shingles
def test_credit_lines_and_datelines_are_not_the_story() -> None:
    text = (
        "By Anna Lee\nBEIJING, March 3 (Xinhua) -- Opening words of the story here.\n"
        "Editor: Zhang Wei\nThis article first appeared on China Daily.\n"
        "新华社北京3月3日电 中国电影票房创新高。\n责任编辑：李明\n来源：新华网"
    )
    assert body_lines(text) == ["Opening words of the story here.", "中国电影票房创新高。"]


def test_latin_words_and_han_characters_make_shingles() -> None:
    assert shingles("The Box Office, of Ne Zha") == {
        "the box office of",
        "box office of ne",
        "office of ne zha",
    }
    assert shingles("哪吒票房创新高") == {"哪吒票房", "吒票房创", "票房创新", "房创新高"}
    assert shingles("Editor: Li Ming") == set()  # nothing but a credit line
    assert shingles("") == set()
    assert shingles("Short one") == {"short one"}  # shorter than one shingle


def test_edited_copies_are_similar_and_same_topic_articles_are_not() -> None:
    original = signature(WIRE)
    assert original is not None
    for copy in (
        edited(WIRE, credit="Source: Xinhua"),
        edited(WIRE, credit="This article first appeared on Culture Wire.", cut_last=True),
    ):
        other = signature(copy)
        assert other is not None and jaccard(original, other) >= 0.6
    zh = signature(ZH_WIRE)
    zh_copy = signature(ZH_WIRE.split("电（记者 王晓）", 1)[1] + "\n责任编辑：李明")
    assert zh is not None and zh_copy is not None and jaccard(zh, zh_copy) >= 0.8
    review, zh_review = signature(REVIEW), signature(ZH_REVIEW)
    assert review is not None and zh_review is not None
    assert jaccard(original, review) < 0.2
    assert jaccard(zh, zh_review) < 0.2


def test_signatures_are_stable_and_bands_fit_sqlite_integers() -> None:
    first, again = signature(WIRE), signature(WIRE)
    assert first is not None and again is not None
    assert first == again and len(first) == NUM_PERM
    # stored as datasketch's values cast to little-endian uint32, as archives made with
    # numpy's own cast hold them: an archive's stories stay comparable across versions
    import numpy as np

    values = np.asarray(signature(WIRE), dtype=np.uint64)
    assert pack(first) == values.astype("<u4").tobytes() and unpack(pack(first)) == first
    bands = band_hashes(first)
    assert len(bands) == BANDS and all(-(2**63) <= b < 2**63 for b in bands)
    # the same in a fresh process: stored signatures stay comparable across runs
    code = "from pipelines.stories.signatures import signature, band_hashes; import sys; " + (
        "print(band_hashes(signature(sys.stdin.read()))[:3])"
    )
    out = run_python(code, input=WIRE)
    assert out.stdout.strip() == str(bands[:3])


# --------------------------------------------------------------------------- assignment
@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "a.db") as archive:
        yield archive


def archive_copy(archive: Archive, n: int, text: str, source: str, published: str | None,
                 language: str = "en", fetched: str = "2025-03-04T12:00:00+00:00") -> int:  # fmt: skip
    with archive.transaction():
        article_id, _ = archive.upsert_article(
            {
                "url": f"https://{source}.example/{n}",
                "title": f"headline {n}",
                "text": text,
                "source": source,
                "language": language,
                "published_at": published,
                "fetched_at": fetched,
            }
        )
        assign_story(archive, article_id, text)
    return article_id


def story_of(archive: Archive, article_id: int) -> dict:
    row = archive.db.execute(
        "select s.* from stories s join articles a on a.story_id = s.id where a.id = ?",
        [article_id],
    ).fetchone()
    names = [d[0] for d in archive.db.execute("select * from stories limit 0").description]
    return dict(zip(names, row, strict=True))


def test_copies_join_one_story_and_its_row_measures_the_spread(archive: Archive) -> None:
    a = archive_copy(archive, 1, WIRE, "wire", "2025-03-04T08:00:00+00:00")
    b = archive_copy(archive, 2, edited(WIRE, credit="Source: Xinhua"), "daily",
                     "2025-03-04T10:30:00+00:00")  # fmt: skip
    # archived last but published first: it becomes the story's first copy
    c = archive_copy(archive, 3, edited(WIRE, credit="Photo: VCG", cut_last=True), "early",
                     "2025-03-04T06:00:00+00:00", language="en-GB")  # fmt: skip
    review = archive_copy(archive, 4, REVIEW, "critic", "2025-03-04T09:00:00+00:00")
    story = story_of(archive, a)
    assert story_of(archive, b)["id"] == story_of(archive, c)["id"] == story["id"] == a
    assert story["article_count"] == 3 and story["source_count"] == 3
    assert json.loads(story["sources"]) == ["early", "wire", "daily"]
    assert json.loads(story["languages"]) == ["en"]
    assert (story["first_source"], story["first_url"]) == ("early", "https://early.example/3")
    assert story["first_seen"] == "2025-03-04T06:00:00+00:00"
    assert story["last_seen"] == "2025-03-04T10:30:00+00:00"
    assert story["spread_hours"] == 4.5
    assert story_of(archive, review)["id"] == review  # same topic, another story
    # every article in exactly one story, and no story without an article
    assert archive.count("stories") == 2
    assert (
        archive.db.execute(
            "select count(*) from articles where story_id not in (select id from stories)"
        ).fetchone()[0]
        == 0
    )
    assert (
        archive.db.execute(
            "select count(*) from stories where id not in (select story_id from articles)"
        ).fetchone()[0]
        == 0
    )


def test_chinese_copies_group_and_articles_without_text_stay_alone(archive: Archive) -> None:
    a = archive_copy(archive, 1, ZH_WIRE, "xinhua", None, language="zh")
    b = archive_copy(archive, 2, ZH_WIRE + "\n来源：人民网", "people", None, language="zh-Hans")
    c = archive_copy(archive, 3, ZH_REVIEW, "critic", None, language="zh")
    d = archive_copy(archive, 4, "Editor: Li Ming", "empty", None)
    assert story_of(archive, b)["id"] == a and story_of(archive, a)["article_count"] == 2
    assert story_of(archive, a)["first_seen"] == "2025-03-04T12:00:00+00:00"  # fetched_at
    assert story_of(archive, c)["id"] == c and story_of(archive, d)["id"] == d


def test_a_failed_write_leaves_neither_article_nor_story(archive: Archive) -> None:
    archive_copy(archive, 1, WIRE, "wire", None)
    with pytest.raises(RuntimeError), archive.transaction():
        article_id, _ = archive.upsert_article(
            {"url": "https://daily.example/2", "title": "t", "text": WIRE, "source": "daily"}
        )
        assign_story(archive, article_id, WIRE)
        raise RuntimeError("the crawl died here")
    assert archive.count("articles") == 1
    assert archive.count("story_signatures") == 1 and archive.count("story_bands") == BANDS
    assert story_of(archive, 1)["article_count"] == 1


def test_candidates_are_found_through_the_band_index(archive: Archive) -> None:
    plan = " ".join(
        str(row[-1])
        for row in archive.db.execute(
            "explain query plan select article_id from story_bands where band = ? and hash = ?",
            [0, 1],
        )
    )
    assert "idx_story_bands_band_hash" in plan


# --------------------------------------------------------------------------- commands
def fill(path: Path) -> None:
    with Archive(path) as archive:
        rows = [
            (1, WIRE, "wire"),
            (2, edited(WIRE, credit="Source: Xinhua"), "daily"),
            (3, REVIEW, "critic"),
        ]
        for n, text, source in rows:
            # written as an older version would: no signatures, a story of one each
            archive.upsert_article(
                {
                    "url": f"https://{source}.example/{n}",
                    "title": f"Ne Zha {n}",
                    "text": text,
                    "source": source,
                    "language": "en",
                }  # fmt: skip
            )


def test_rebuild_groups_the_archive_and_stories_lists_them(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    fill(db)
    runner = CliRunner()
    result = runner.invoke(cli, ["stories", "rebuild", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "grouped 3 articles into 2 stories" in result.output
    again = runner.invoke(cli, ["stories", "rebuild", "--db", str(db)])
    assert "grouped 3 articles into 2 stories" in again.output  # idempotent
    with Archive(db) as archive:
        assert archive.count("story_signatures") == 3
        assert archive.count("story_bands") == 3 * BANDS
        assert story_of(archive, 2)["id"] == 1 and story_of(archive, 3)["id"] == 3
    listing = runner.invoke(cli, ["stories", "--db", str(db)])
    assert listing.exit_code == 0, listing.output
    lines = [line for line in listing.output.splitlines() if "Ne Zha" in line]
    assert "Ne Zha 1" in lines[0] and "wire, daily" in lines[0]  # most outlets first


def test_rebuild_waits_for_no_crawl_and_needs_an_archive(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    fill(db)
    with crawl_lock(db):
        result = CliRunner().invoke(cli, ["stories", "rebuild", "--db", str(db)])
    assert result.exit_code == EXIT_BUSY, result.output
    assert "crawl is running" in result.output
    missing = CliRunner().invoke(cli, ["stories", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no archive at" in missing.output


# --------------------------------------------------------------------------- gates
@pytest.mark.quality
def test_the_labelled_set_passes_its_gate() -> None:
    result = subprocess.run(
        [sys.executable, str(QUALITY / "eval_stories.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "baseline check passed" in result.stdout


def test_the_gate_fails_below_its_baseline(tmp_path: Path) -> None:
    sys.path.insert(0, str(QUALITY))
    try:
        from eval_stories import check
    finally:
        sys.path.remove(str(QUALITY))
    baselines = tmp_path / "baselines.json"
    baselines.write_text(json.dumps({"stories": {"precision": 1.0, "recall": 1.0}}))
    assert check({"precision": 1.0, "recall": 1.0}, baselines) == []
    assert check({"precision": 0.9, "recall": 1.0}, baselines) == [
        "precision 0.9 fell below the baseline 1.0"
    ]


@pytest.mark.slow
@pytest.mark.quality
def test_syndicated_real_excerpts_are_grouped_on_a_crawled_mirror(tmp_path: Path) -> None:
    sys.path.insert(0, str(QUALITY))
    try:
        from eval_stories_mirror import check, measure
    finally:
        sys.path.remove(str(QUALITY))
    figures = measure(tmp_path)
    if figures is None:
        pytest.skip("../shared is not available")
    assert figures["archived"] >= 0.98 * figures["copies"], figures
    assert check(figures) == [], figures


# with a brief the article's title and language are the caller's (the crawl's writer), without
# one they are read from the archive: the same keys and stories either way
@pytest.mark.parametrize("with_brief", [False, True])
def test_cross_language_joins_an_english_and_a_chinese_version(
    archive: Archive, with_brief: bool
) -> None:
    from support.paths import REPO

    from crawler.config import load_themes
    from pipelines.stories.crosslang import CrossLanguage

    cross = CrossLanguage(load_themes(REPO / "config" / "themes.toml"))
    items = {
        item["id"]: item
        for item in map(json.loads, (QUALITY / "stories-pairs.jsonl").read_text().splitlines())
    }
    ids = {}
    for n, key in enumerate(("E1-0", "Z1-0", "Z2-0", "E6-0")):
        item = items[key]
        with archive.transaction():
            ids[key], _ = archive.upsert_article(
                {
                    "url": f"https://x.example/{n}",
                    "title": item["title"],
                    "text": item["text"],
                    "source": item["source"],
                    "language": item["language"],
                    "published_at": "2025-02-11T08:00:00+00:00",
                }  # fmt: skip
            )
            brief = (item["title"], item["language"]) if with_brief else None
            assign_story(archive, ids[key], item["text"], cross=cross, brief=brief)
    assert story_of(archive, ids["Z1-0"])["id"] == ids["E1-0"]  # the same story in Chinese
    assert json.loads(story_of(archive, ids["E1-0"])["languages"]) == ["en", "zh"]
    assert story_of(archive, ids["Z2-0"])["id"] == ids["Z2-0"]  # a review of the same film
    assert story_of(archive, ids["E6-0"])["id"] == ids["E6-0"]
    assert archive.count("story_keys") == 4


def test_rebuild_joins_languages_only_with_the_setting(tmp_path: Path) -> None:
    from support import write_settings

    items = {
        item["id"]: item
        for item in map(json.loads, (QUALITY / "stories-pairs.jsonl").read_text().splitlines())
    }
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        for key in ("E8-0", "Z8-0"):
            item = items[key]
            archive.upsert_article(
                {
                    "url": f"https://x.example/{key}",
                    "title": item["title"],
                    "text": item["text"],
                    "source": item["source"],
                    "language": item["language"],
                    "published_at": item["published_at"],
                }  # fmt: skip
            )
    runner = CliRunner()
    for on, stories in ((False, 2), (True, 1)):
        config = write_settings(tmp_path / f"config-{on}", **{"stories.cross_language": on})
        result = runner.invoke(
            cli, ["stories", "rebuild", "--db", str(db), "--config", str(config.parent)]
        )
        assert result.exit_code == 0, result.output
        assert f"grouped 2 articles into {stories} stories" in result.output
