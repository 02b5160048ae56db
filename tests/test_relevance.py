"""Unit tests of pipelines.scoring.relevance on the project's own short synthetic texts."""

from __future__ import annotations

import importlib.util
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import pipelines.scoring.subject as subject
from crawler.config import SETTINGS_SCHEMA, ConfigError, load_themes
from pipelines.scoring.relevance import Relevance, score
from pipelines.scoring.themes import THEME_KEYS, ThemeError, Themes, compile_themes
from storage.evidence import TermEvidence

ROOT = Path(__file__).resolve().parents[1]
THEMES_FILE = ROOT / "config" / "themes.toml"
EVAL_SCRIPT = ROOT / "tests" / "quality" / "eval_relevance.py"
SHARED_DATA = ROOT.parent / "shared" / "data" / "relevance-dev.jsonl"
MULTILINGUAL_DATA = ROOT.parent / "shared" / "data" / "relevance-dev-multilingual.jsonl"


@pytest.fixture(scope="module")
def themes() -> Themes:
    return load_themes(THEMES_FILE)


@dataclass
class Doc:
    title: str | None
    text: str | None


FILLER = (
    "The city council met on Tuesday to discuss the annual budget, road repairs, school "
    "staffing and the opening hours of the public library. Several residents spoke about "
    "parking fees and the schedule of the weekly market. "
)


# --------------------------------------------------------------------------- relevant texts
def test_english_film_story_is_relevant(themes: Themes) -> None:
    doc = Doc(
        "Ne Zha 2 keeps climbing the worldwide box office chart",
        "The Chinese animated feature Ne Zha 2 added another weekend of strong ticket sales "
        "as it opened in more cinemas in Europe and North America. Distributors said the "
        "film drew both diaspora audiences and viewers new to Chinese animation.",
    )
    result = score(doc, themes)
    assert result.relevant
    assert result.themes[0] == "films_games"
    assert result.theme_scores["films_games"] >= 0.5
    found = result.evidence["films_games"]
    assert any(item["term"] == "Ne Zha 2" and item["title"] == 1 for item in found)
    # the record the digest reads is the one declared in storage/evidence.py
    assert all(set(item) == TermEvidence.__required_keys__ for item in found)


def test_simplified_chinese_text_is_relevant(themes: Themes) -> None:
    doc = {
        "title": "年轻人爱上汉服和国潮",
        "text": "周末的古镇里,许多年轻人穿着汉服拍照,还有人搭配马面裙。商家说,国潮服饰的销量"
        "连续三年增长,传统文化正在成为一种新的时尚。",
    }
    result = score(doc, themes)
    assert result.relevant
    assert result.themes[0] == "traditional_revival_nationalism"


def test_traditional_chinese_text_is_relevant(themes: Themes) -> None:
    doc = {
        "title": "春節列入人類非物質文化遺產名錄",
        "text": "聯合國教科文組織宣布,中國申報的春節項目正式列入人類非物質文化遺產代表作名錄,"
        "中國的入選項目數量繼續位居世界第一。",
    }
    result = score(doc, themes)
    assert result.relevant
    assert result.themes[0] == "heritage_unesco"


def test_proper_names_are_caught_in_other_languages(themes: Themes) -> None:
    doc = Doc(
        None,
        "El videojuego Black Myth: Wukong, del estudio chino Game Science, vendió millones de "
        "copias en su primera semana y se convirtió en uno de los lanzamientos del año.",
    )
    assert score(doc, themes).relevant


def test_title_weighs_more_than_body(themes: Themes) -> None:
    in_title = score({"title": "Hanfu fans gather", "text": FILLER}, themes)
    in_body = score({"title": "Fans gather", "text": FILLER + "Some wore hanfu."}, themes)
    assert in_title.relevance > in_body.relevance


def test_repetition_saturates(themes: Themes) -> None:
    base = "Genshin Impact is a game. "
    once = score({"title": None, "text": base}, themes).relevance
    many = score({"title": None, "text": base * 10}, themes).relevance
    more = score({"title": None, "text": base * 100}, themes).relevance
    assert once < many <= more < 1.0
    assert more - many < many - once


def test_distinct_terms_add_up(themes: Themes) -> None:
    one = score({"title": "", "text": "China and soft power."}, themes).relevance
    two = score(
        {"title": "", "text": "China, soft power, cultural exchanges and panda diplomacy."}, themes
    ).relevance
    assert two > one


def test_latin_terms_need_word_boundaries(themes: Themes) -> None:
    result = score({"title": "Xhanfux and ghanfu", "text": "subhanfuzz"}, themes)
    assert result.evidence["traditional_revival_nationalism"] == []
    # ... while Chinese terms match with no spaces around them
    glued = score({"title": "", "text": "她穿汉服去上班"}, themes)
    assert glued.evidence["traditional_revival_nationalism"]
    # ... and a Latin term may sit right next to Chinese characters
    mixed = score({"title": "", "text": "她穿hanfu去上班"}, themes)
    assert mixed.evidence["traditional_revival_nationalism"]


def test_case_width_and_hyphens_are_ignored(themes: Themes) -> None:
    result = score({"title": "BLACK MYTH：WUKONG", "text": "horse-face skirts"}, themes)
    terms = {i["term"] for items in result.evidence.values() for i in items}
    assert {"Black Myth: Wukong", "mamian skirt*"} <= terms


# --------------------------------------------------------------------------- not relevant
def test_passing_mention_in_long_article_is_not_relevant(themes: Themes) -> None:
    body = FILLER * 40 + "One speaker said her children had watched Ne Zha 2. " + FILLER * 40
    result = score(Doc("Council approves the budget", body), themes)
    assert not result.relevant
    assert result.relevance < 0.3


def test_korean_soft_power_is_not_relevant(themes: Themes) -> None:
    doc = Doc(
        "How K-pop built Korean soft power",
        "South Korea has turned K-pop groups and Korean dramas into a soft power engine. "
        "Seoul funds cultural exchanges, and the soft power of Korean music now reaches "
        "fans across Asia, including a few Chinese members of K-pop bands.",
    )
    result = score(doc, themes)
    assert not result.relevant
    assert result.themes == []


def test_hollywood_box_office_without_china_is_not_relevant(themes: Themes) -> None:
    doc = Doc(
        "Superhero sequel tops the weekend box office",
        "The studio's animated film and its superhero sequel led the domestic box office "
        "with a combined gross of $90 million, while a horror movie opened in third place.",
    )
    result = score(doc, themes)
    assert result.relevance == 0
    assert not result.relevant
    # the generic terms were seen, but earned nothing without a China anchor
    films = result.evidence["films_games"]
    assert films and all(item["context"] and item["points"] == 0 for item in films)


def test_chinese_economy_story_is_not_relevant(themes: Themes) -> None:
    doc = {
        "title": "中国央行下调贷款市场报价利率",
        "text": "中国人民银行宣布将一年期贷款市场报价利率下调十个基点,分析人士认为此举旨在"
        "稳定经济增长、提振消费和房地产市场。",
    }
    assert not score(doc, themes).relevant


def test_myth_retold_is_not_relevant(themes: Themes) -> None:
    doc = Doc(
        "A bedtime story: Nezha and the Dragon King",
        "Long ago, Nezha was born in a fortress by the sea. When the Dragon King's son "
        "troubled the village, Nezha fought him with a fiery ring. Nezha later became a "
        "hero of Chinese mythology, and children still hear the tale of Nezha today.",
    )
    assert not score(doc, themes).relevant


def test_unesco_news_about_other_countries_is_not_relevant(themes: Themes) -> None:
    doc = Doc(
        "UNESCO adds new World Heritage sites",
        "The UNESCO World Heritage Committee inscribed sites in Italy, Peru, India and "
        "Greece this year. Italy now leads the World Heritage List, ahead of Germany, "
        "France and China.",
    )
    assert not score(doc, themes).relevant


# --------------------------------------------------------------------------- the subject
def test_china_as_the_market_does_not_unlock_generic_terms(themes: Themes) -> None:
    doc = Doc(
        "Japanese anime film tops the box office in China",
        "The Japanese animated film earned more at the Chinese box office this weekend than "
        "any Hollywood release. Chinese audiences queued for the anime, distributors said.",
    )
    result = score(doc, themes)
    assert not result.relevant
    films = result.evidence["films_games"]
    assert films and all(item["points"] == 0 for item in films if item["context"])


def test_a_headline_china_is_the_place_when_the_body_makes_it_a_market(
    themes: Themes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "China:" in the headline, and a body naming China as a market and a place (the film
    # market, the box office in China, foreign films selling): domestic news, not an export
    doc = Doc(
        "China: animation festival fills the metro with cartoons",
        "Trains in Hangzhou are painted with cartoon characters ahead of the animation "
        "festival. The Chinese film market keeps growing for family audiences, distributors "
        "say: last year the box office in China passed seven billion yuan, and animated films, "
        "most of them foreign, sold more tickets than ever.",
    )
    assert not score(doc, themes).relevant
    monkeypatch.setattr(subject, "VENUE_BODY", False)  # the rule is what keeps it out
    assert score(doc, themes).relevant


def test_chinese_work_as_the_subject_unlocks_them(themes: Themes) -> None:
    doc = Doc(
        "Chinese animated film opens in European cinemas",
        "The Chinese animated film drew large audiences at the box office in Paris and "
        "Berlin, and critics praised the animation of the Chinese studio behind it.",
    )
    result = score(doc, themes)
    assert result.relevant
    assert any(i["context"] and i["points"] > 0 for i in result.evidence["films_games"])


def test_a_name_inside_a_market_phrase_is_no_title(themes: Themes) -> None:
    # "中国映画市場" (the Chinese film market) holds 中国映画 (Chinese film), as a market
    doc = {"title": "", "text": "中国映画市場の規模は北米に並んだ。日本のドラマが話題になった。"}
    result = score(doc, themes)
    assert all(i["points"] == 0 for i in result.evidence["films_games"] if not i["context"])


def test_unesco_sites_of_another_country_inscribed_at_a_session_in_china(themes: Themes) -> None:
    doc = Doc(
        "Zwei deutsche Stätten neu auf der Welterbeliste",
        "Die UNESCO hat auf ihrer Sitzung in China zwei Stätten in Deutschland in die "
        "Welterbeliste aufgenommen. Das Welterbekomitee tagte in Fuzhou; für Deutschland "
        "ist es das zweiundfünfzigste Welterbe, sagte die deutsche Kulturministerin.",
    )
    result = score(doc, themes)
    assert not result.relevant
    assert all(i["points"] == 0 for i in result.evidence["heritage_unesco"])


def test_a_listing_bid_needs_china_as_the_subject(themes: Themes) -> None:
    japan = score({"title": "日本佐渡金山申遗成功", "text": "日本政府表示欢迎。"}, themes)
    assert all(i["points"] == 0 for i in japan.evidence["heritage_unesco"])
    china = score({"title": "中国福建土楼申遗成功", "text": "我国世界遗产增至59项。"}, themes)
    assert china.theme_scores["heritage_unesco"] > 0


def test_the_nezha_prefix_does_not_name_the_older_works(themes: Themes) -> None:
    doc = {"title": "经典动画《哪吒闹海》", "text": "《哪吒闹海》是1979年的动画片,讲述神话故事。"}
    result = score(doc, themes)
    assert not any(i["term"] == "Ne Zha 2" for i in result.evidence["films_games"])
    assert not result.relevant


def test_a_strong_title_in_the_headline_or_seen_twice_counts_on_its_own(themes: Themes) -> None:
    result = score(Doc("Genshin Impact tops the download charts", FILLER), themes)
    assert result.relevant and result.themes == ["films_games"]
    # twice in a long body: length normalisation alone would leave it well below
    body = FILLER * 15 + "Students wore hanfu. " + FILLER * 15 + "Hanfu again. " + FILLER * 15
    twice = score(Doc("A long day at the council", body), themes)
    assert twice.relevant and twice.relevance == 0.5
    once = score(Doc("A long day at the council", FILLER * 30 + "She wore hanfu. "), themes)
    assert not once.relevant


def test_limits_resistance_is_listed_beside_another_theme(themes: Themes) -> None:
    doc = Doc(
        "Universities close their Confucius Institutes",
        "Three universities announced the closure of their Confucius Institutes this year, "
        "citing concerns about censorship and Chinese state propaganda in teaching. The "
        "institutes promoted Chinese language and culture as part of China's cultural "
        "diplomacy.",
    )
    result = score(doc, themes)
    assert result.relevant
    assert "soft_power_diplomacy" in result.themes and "limits_resistance" in result.themes


def test_limits_words_alone_do_not_make_an_article_relevant(themes: Themes) -> None:
    doc = Doc(
        "Beijing tightens rules",
        "China expanded censorship of online platforms; critics called it propaganda, and "
        "the closure of several outlets drew criticism and mistrust abroad.",
    )
    result = score(doc, themes)
    assert not result.relevant
    assert result.theme_scores["limits_resistance"] > 0


def test_local_forms_make_a_short_foreign_article_relevant(themes: Themes) -> None:
    doc = {
        "title": "中国ドラマが日本で人気",
        "text": "動画配信サービスで中国の時代劇が上位に入り、中国ドラマの視聴者が増えている。",
    }
    result = score(doc, themes)
    assert result.relevant and result.themes[0] == "films_games"
    found = {w for i in result.evidence["films_games"] for w in i["matched"]}
    assert "中国ドラマ" in found  # a non-Latin local form, as the glossary writes it


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "article",
    [
        None,
        {},
        {"title": None, "text": None},
        {"title": "", "text": ""},
        Doc(None, None),
        object(),
        {"title": 42, "text": ["not", "text"]},
        {"title": b"\xff\xfe\x00bin", "text": bytes(range(256)) * 50},
        {"title": "\ud800 lone surrogate", "text": "\x00\x01\x02 \ufffd" * 1000},
    ],
)
def test_bad_input_gives_zero(themes: Themes, article: object) -> None:
    result = score(article, themes)
    assert result.relevance == 0
    assert not result.relevant
    assert result.themes == []
    assert set(result.theme_scores) == set(THEME_KEYS)
    json.dumps(result.to_dict())


def test_huge_input_is_capped_and_fast(themes: Themes) -> None:
    huge = ("汉服 hanfu " + "x" * 990) * 10_000  # about 10 MB
    start = time.perf_counter()
    result = score({"title": "t" * 100_000, "text": huge}, themes)
    assert time.perf_counter() - start < 5
    assert 0 <= result.relevance <= 1


def test_mixed_scripts(themes: Themes) -> None:
    doc = {
        "title": "Hanfu 漢服 Hán phục ханфу",
        "text": "Молодёжь в Китае носит hanfu; 年轻人穿汉服; الشباب في الصين; 한푸 😀",
    }
    result = score(doc, themes)
    assert result.relevant
    assert "traditional_revival_nationalism" in result.themes


# --------------------------------------------------------------------------- result shape
def test_result_shape(themes: Themes) -> None:
    result = score({"title": "Nishan Forum opens", "text": "Scholars met in Qufu, China."}, themes)
    assert isinstance(result, Relevance)
    data = result.to_dict()
    assert set(data) == {"relevance", "relevant", "themes", "theme_scores", "evidence"}
    assert data["relevance"] == round(data["relevance"], 4)
    assert all(0 <= v <= 1 for v in data["theme_scores"].values())
    assert set(data["evidence"]) == set(THEME_KEYS)
    item = data["evidence"]["soft_power_diplomacy"][0]
    assert {"term", "matched", "title", "body", "weight", "context", "points"} <= set(item)
    json.loads(json.dumps(data))
    with pytest.raises(AttributeError):
        result.relevance = 1.0  # type: ignore[misc]


def test_threshold(themes: Themes) -> None:
    doc = {"title": "", "text": "China's soft power."}
    value = score(doc, themes).relevance
    assert 0 < value < 1
    assert score(doc, themes, threshold=value).relevant
    assert not score(doc, themes, threshold=value + 0.001).relevant


def test_default_threshold_matches_settings(themes: Themes) -> None:
    import inspect

    default = inspect.signature(score).parameters["threshold"].default
    assert default == SETTINGS_SCHEMA["relevance"]["threshold"][1]


def test_themes_are_the_six_documented_ones(themes: Themes) -> None:
    assert themes.keys == THEME_KEYS
    for theme in themes.themes:
        assert theme.label and theme.description
        assert any(not c.context for c in theme.concepts)
        assert all(c.weight > 0 for c in theme.concepts)
    assert themes["films_games"].label


def test_scoring_is_fast(themes: Themes) -> None:
    article = {"title": "Chinese games abroad", "text": (FILLER + "Genshin Impact. 原神。") * 20}
    timings = []
    for _ in range(30):
        start = time.perf_counter()
        score(article, themes)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.02  # generous: the target is 2 ms for news length


# --------------------------------------------------------------------------- malformed files
VALID_THEME = """
[themes.{key}]
label = "L"
description = "D"
[themes.{key}.terms]
"word" = 1
"""


def _themes_text(skip: str | None = None, anchors: str = 'china = ["China"]') -> str:
    body = "[anchors]\n" + anchors + "\n"
    for key in THEME_KEYS:
        if key != skip:
            body += VALID_THEME.format(key=key)
    return body


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_themes(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_minimal_valid_file_loads(tmp_path: Path) -> None:
    themes = load_themes(_write(tmp_path, _themes_text()))
    assert score({"title": "word", "text": ""}, themes).theme_scores["films_games"] > 0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[themes\nlabel = 1", "invalid TOML"),
        (_themes_text() + "\n[extra]\nx = 1\n", "extra"),
        (_themes_text() + VALID_THEME.format(key="sports"), "themes.sports"),
        (_themes_text(skip="heritage_unesco"), "themes.heritage_unesco"),
        (_themes_text().replace('label = "L"', "label = 3", 1), "themes.films_games.label"),
        (_themes_text().replace('label = "L"\n', "", 1), "themes.films_games.label"),
        (_themes_text().replace('"word" = 1', '"word" = "heavy"', 1), "word"),
        (_themes_text().replace('"word" = 1', '"word" = -2', 1), "word"),
        (_themes_text().replace('"word" = 1', '"word | " = 1', 1), "word"),
        (_themes_text().replace('label = "L"', 'label = "L"\ncolour = "red"', 1), "colour"),
        (_themes_text().replace('label = "L"', 'label = "L"\nsecondary = 1', 1), "secondary"),
        (_themes_text(anchors='china = ["China"]\nvenue = "in China"'), "anchors.venue"),
        (_themes_text(anchors='china = "China"'), "anchors.china"),
        (_themes_text(anchors='china = ["China"]\nnations = []'), "anchors.nations"),
        (_themes_text(anchors=""), "anchors.china"),
        ("[anchors]\nchina = ['China']\nthemes = 3\n", "themes"),
    ],
)
def test_malformed_file_is_one_line_config_error(tmp_path: Path, text: str, key: str) -> None:
    message = _error(_write(tmp_path, text))
    assert key in message


def test_missing_file_is_config_error(tmp_path: Path) -> None:
    _error(tmp_path / "nope.toml")


def test_themes_compile_from_plain_data_without_a_file(tmp_path: Path) -> None:
    # pipelines compiles the dict; the crawler reads the file and turns the error into its own
    import tomllib

    raw = tomllib.loads(_themes_text(skip="heritage_unesco"))
    with pytest.raises(ThemeError, match="^'themes.heritage_unesco' is missing$"):
        compile_themes(raw)
    path = _write(tmp_path, _themes_text(skip="heritage_unesco"))
    assert _error(path) == f"{path}: 'themes.heritage_unesco' is missing"
    themes = compile_themes(tomllib.loads(_themes_text()))
    assert score({"title": "word", "text": ""}, themes).theme_scores["films_games"] > 0


# --------------------------------------------------------------------------- quality gate
def _load_eval():
    spec = importlib.util.spec_from_file_location("eval_relevance", EVAL_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared data not available")
@pytest.mark.quality
def test_dev_set_meets_the_stored_baseline(themes: Themes) -> None:
    evaluation = _load_eval()
    threshold = SETTINGS_SCHEMA["relevance"]["threshold"][1]
    figures = evaluation.evaluate(evaluation.load_items(SHARED_DATA), themes, threshold)
    baseline = json.loads(evaluation.BASELINES.read_text(encoding="utf-8"))["relevance"]
    assert figures["f1"] >= baseline["f1"] - evaluation.TOLERANCE
    assert figures["hard_negative_fp_rate"] <= baseline["hard_negative_fp_rate"] + 0.005
    assert evaluation.check(figures) == []


@pytest.mark.quality
def test_probe_set_meets_the_stored_baseline(themes: Themes) -> None:
    # the project's own excerpts, written blind to themes.toml: a check on generalisation
    evaluation = _load_eval()
    threshold = SETTINGS_SCHEMA["relevance"]["threshold"][1]
    figures = evaluation.evaluate(evaluation.load_items(evaluation.PROBE_DATA), themes, threshold)
    assert figures["items"] == 90
    assert figures["f1"] >= 0.92 and figures["hard_negative_fp_rate"] <= 0.05
    assert evaluation.check(figures, benchmark="relevance_probe") == []


@pytest.mark.skipif(not MULTILINGUAL_DATA.exists(), reason="../shared data not available")
@pytest.mark.quality
def test_multilingual_dev_set_meets_the_stored_baseline(themes: Themes) -> None:
    # 155 excerpts in 16 languages: the glossary's and the subject rules' dev set
    evaluation = _load_eval()
    threshold = SETTINGS_SCHEMA["relevance"]["threshold"][1]
    figures = evaluation.evaluate(evaluation.load_items(MULTILINGUAL_DATA), themes, threshold)
    assert figures["other_recall"] >= 0.9 and figures["precision"] >= 0.9
    assert figures["hard_negative_fp_rate"] <= 0.05
    assert evaluation.check(figures, benchmark="relevance_multilingual") == []
    assert evaluation.benchmark_for(MULTILINGUAL_DATA) == "relevance_multilingual"


def test_a_lone_passing_mention_is_not_enough(themes: Themes) -> None:
    text = (
        "The council approved the new bus timetable after a long debate about the cost of "
        "evening services. One member joked that residents spend more time on Black Myth: "
        "Wukong than on buses, before the vote passed with a clear majority."
    )
    once = score({"title": "Council approves bus timetable", "text": text}, themes)
    assert not once.relevant and once.relevance > 0
    about = score({"title": "Black Myth: Wukong sells millions abroad", "text": text}, themes)
    assert about.relevant


def test_eval_script_skips_without_data(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    evaluation = _load_eval()
    assert evaluation.main(["--data", str(tmp_path / "absent.jsonl"), "--check"]) == 0
    assert "skipped" in capsys.readouterr().out


def test_crossval_script_skips_without_data(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = importlib.util.spec_from_file_location(
        "relevance_crossval", ROOT / "tests" / "quality" / "relevance_crossval.py"
    )
    assert spec and spec.loader
    crossval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(crossval)
    assert crossval.main(["--data", str(tmp_path / "absent.jsonl")]) == 0
    assert "skipped" in capsys.readouterr().out
    items = [{"id": str(n), "label": n % 3 == 0} for n in range(30)]
    folds = crossval.folds(items, 5, seed=1)
    assert sorted(i["id"] for f in folds for i in f) == sorted(i["id"] for i in items)
    assert all(sum(i["label"] for i in f) == 2 for f in folds)  # stratified by label


def test_eval_script_gate_fails_below_baseline(tmp_path: Path) -> None:
    evaluation = _load_eval()
    baselines = tmp_path / "baselines.json"
    baselines.write_text(json.dumps({"relevance": {"f1": 0.9, "hard_negative_fp_rate": 0.05}}))
    assert evaluation.check({"f1": 0.95, "hard_negative_fp_rate": 0.0}, baselines) == []
    assert evaluation.check({"f1": 0.8, "hard_negative_fp_rate": 0.0}, baselines)
    assert evaluation.check({"f1": 0.95, "hard_negative_fp_rate": 0.2}, baselines)
    baselines.write_text(json.dumps({"relevance_multilingual": {"other_recall": 0.9}}))
    low = {"f1": 1.0, "hard_negative_fp_rate": 0.0, "other_recall": 0.8}
    assert evaluation.check(low, baselines, benchmark="relevance_multilingual")
    assert not evaluation.check({**low, "other_recall": 0.95}, baselines, "relevance_multilingual")
