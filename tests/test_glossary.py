"""The multilingual glossary (config/glossary.toml, pipelines.scoring.glossary): it loads with
the themes, covers the analysts' languages, matches each script the way it is written, shows
the local form that matched in the evidence, and reports a broken file in one line.

The texts are the project's own short sentences, written for these tests.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pytest

from crawler.config import ConfigError, load_themes
from pipelines.scoring.relevance import score
from pipelines.scoring.themes import THEME_KEYS, Themes

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
# the languages of the multilingual dev set, and more of the world's major news languages
LANGUAGES = ("ja", "ko", "fr", "es", "vi", "th", "pl", "de", "it", "id", "pt", "tr", "ar", "ru")
MORE = ("nl", "uk", "hi")


@pytest.fixture(scope="module")
def themes() -> Themes:
    return load_themes(CONFIG / "themes.toml")


def _matched(result: object, theme: str) -> set[str]:
    evidence = result.evidence[theme]  # type: ignore[attr-defined]
    return {word for item in evidence if item["points"] > 0 for word in item["matched"]}


# --------------------------------------------------------------------------- the shipped file
def test_the_glossary_loads_with_the_themes_and_names_its_languages(themes: Themes) -> None:
    assert set(LANGUAGES + MORE) <= set(themes.languages)
    assert themes.languages["ja"] == "Japanese"
    assert themes.venue_anchors  # "in China", "the Chinese market" ...


def test_every_language_has_china_other_countries_and_local_forms() -> None:
    from crawler.config.files import read_toml
    from pipelines.scoring.glossary import read_glossary
    from pipelines.scoring.themes import ThemeError

    glossary = read_glossary(read_toml(CONFIG / "glossary.toml"), ThemeError)
    for lang in LANGUAGES + MORE:
        size = glossary.size(lang)
        assert size["china"] >= 1 and size["other"] >= 5, lang
        assert size["terms"] + size["context"] >= 20, lang
    for lang in LANGUAGES:  # the languages the analysts read most: a real vocabulary
        size = glossary.size(lang)
        assert size["terms"] + size["context"] >= 80, (lang, size)


def test_a_config_without_a_glossary_reads_the_shipped_one_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a configuration directory written before the glossary existed scores every language
    shutil.copy(CONFIG / "themes.toml", tmp_path / "themes.toml")
    with caplog.at_level(logging.INFO, logger="culturewatch.config"):
        old = load_themes(tmp_path / "themes.toml")
        load_themes(tmp_path / "themes.toml")  # the same files again: compiled once, said once
    assert set(LANGUAGES) <= set(old.languages)
    result = score({"title": "中国ドラマが人気", "text": ""}, old)
    assert "中国ドラマ" in _matched(result, "films_games")
    lines = [r.getMessage() for r in caplog.records if r.name == "culturewatch.config"]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert str(tmp_path / "themes.toml") in lines[0] and "glossary.toml" in lines[0]


def test_an_own_themes_file_takes_the_shipped_forms_of_the_concepts_it_has(tmp_path: Path) -> None:
    # one concept of the shipped themes kept (hanfu), the others the user's own: the shipped
    # glossary's forms of hanfu come along; those of concepts the file lacks are left out
    text = '[anchors]\nchina = ["China"]\n'
    for key in THEME_KEYS:
        terms = '"hanfu" = 3' if key == "traditional_revival_nationalism" else '"own word" = 1'
        text += f'[themes.{key}]\nlabel = "L"\ndescription = "D"\n[themes.{key}.terms]\n{terms}\n'
    (tmp_path / "themes.toml").write_text(text, encoding="utf-8")
    own = load_themes(tmp_path / "themes.toml")
    hanfu = next(c for c in own.concepts if c.name == "hanfu")
    assert {"漢服", "한푸"} <= {written for _alias, written in hanfu.written}
    assert "Ne Zha 2" not in {c.name for c in own.concepts}
    result = score({"title": "한푸 열풍", "text": ""}, own)
    assert "한푸" in _matched(result, "traditional_revival_nationalism")


def test_an_empty_glossary_beside_the_themes_scores_english_and_chinese_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copy(CONFIG / "themes.toml", tmp_path / "themes.toml")
    (tmp_path / "glossary.toml").write_text("# English and Chinese only\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="culturewatch.config"):
        alone = load_themes(tmp_path / "themes.toml")
    assert alone.languages == {}
    result = score({"title": "中国ドラマが人気", "text": ""}, alone)
    assert not _matched(result, "films_games")
    assert not [r for r in caplog.records if r.name == "culturewatch.config"]


def test_unchanged_files_are_compiled_once_and_an_edit_is_seen(tmp_path: Path) -> None:
    for name in ("themes.toml", "glossary.toml"):
        shutil.copy(CONFIG / name, tmp_path / name)
    first = load_themes(tmp_path / "themes.toml")
    start = time.perf_counter()
    again = load_themes(tmp_path / "themes.toml")
    assert again is first and time.perf_counter() - start < 0.1
    glossary = tmp_path / "glossary.toml"
    # same size, same second: only the text tells the edit apart
    glossary.write_text(
        glossary.read_text(encoding="utf-8").replace('name = "Japanese"', 'name = "Japanesf"'),
        encoding="utf-8",
    )
    edited = load_themes(tmp_path / "themes.toml")
    assert edited is not first and edited.languages["ja"] == "Japanesf"


# --------------------------------------------------------------------------- local forms
@pytest.mark.parametrize(
    ("title", "text", "theme", "form"),
    [
        (
            "中国ドラマ、日本で人気",
            "配信サービスで中国ドラマを見る人が増えた。",
            "films_games",
            "中国ドラマ",
        ),
        (
            "중국 드라마 인기",
            "넷플릭스에서 중국 드라마를 보는 시청자가 늘었다.",
            "films_games",
            "중국 드라마",
        ),
        ("ซีรีส์จีนครองใจคนไทย", "ผู้ชมหันมาดูซีรีส์จีนมากขึ้น", "films_games", "ซีรีส์จีน"),
        (
            "Мода на ханьфу",
            "В Китае молодёжь носит ханьфу на улицах.",
            "traditional_revival_nationalism",
            "ханьфу",
        ),
        (
            "دبلوماسية الباندا",
            "أرسلت الصين زوجا من الباندا إلى حديقة الحيوان.",
            "soft_power_diplomacy",
            "دبلوماسية الباندا",
        ),
        (
            "Diplomacia del panda",
            "China presta pandas a los zoológicos del mundo.",
            "soft_power_diplomacy",
            "diplomacia del panda",
        ),
    ],
)
def test_a_local_form_is_found_and_shown_in_the_evidence(
    themes: Themes, title: str, text: str, theme: str, form: str
) -> None:
    result = score({"title": title, "text": text}, themes)
    assert form in _matched(result, theme)  # the evidence names the local form, as written


def test_thai_is_found_inside_running_text(themes: Themes) -> None:
    # Thai has no spaces between words: the word for China sits inside longer runs of letters
    result = score({"title": "ภาพยนตร์จีนเข้าฉายในไทย", "text": ""}, themes)
    assert "ภาพยนตร์จีน" in _matched(result, "films_games")


def test_katakana_is_a_word_of_its_own(themes: Themes) -> None:
    # ナタ (Nezha) is not found inside ナタリー (Natalie), nor アニメ inside アニメーション
    natalie = score({"title": "ナタリーが来日", "text": "ナタリーさんのインタビュー。"}, themes)
    assert not any(i["term"] == "Ne Zha" for i in natalie.evidence["films_games"])
    nezha = score({"title": "ナタ 新作公開", "text": ""}, themes)
    assert any(i["term"] == "Ne Zha" for i in nezha.evidence["films_games"])


def test_arabic_forms_are_found_after_joined_clitics(themes: Themes) -> None:
    # و (and), ب (in), ال (the) are written joined to the next word
    text = "وتعرض المسلسلات الصينية في العالم العربي، وبالصين يزداد الإنتاج."
    result = score({"title": "", "text": text}, themes)
    assert any(i["term"] == "C drama" for i in result.evidence["films_games"])


def test_a_glossary_context_form_needs_china(themes: Themes) -> None:
    plain = "El ayuntamiento presentó su plan de turismo cultural para el casco antiguo."
    result = score({"title": "Turismo cultural en la ciudad", "text": plain}, themes)
    assert not _matched(result, "culture_economy")
    china = "China impulsa el turismo cultural: los visitantes extranjeros recorren sus museos."
    result = score({"title": "", "text": china}, themes)
    assert "turismo cultural" in _matched(result, "culture_economy")


# --------------------------------------------------------------------------- broken files
def _copy(tmp_path: Path, glossary: str) -> Path:
    shutil.copy(CONFIG / "themes.toml", tmp_path / "themes.toml")
    (tmp_path / "glossary.toml").write_text(glossary, encoding="utf-8")
    return tmp_path / "themes.toml"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[ja.terms]\n"No Such Concept" = "何か"\n', 'ja.terms."No Such Concept"'),
        ('[japanese]\nchina = ["中国"]\n', "japanese"),
        ('[ja]\nchina = "中国"\n', "ja.china"),
        ('[ja]\nchina = [""]\n', "ja.china"),
        ('[ja]\ncolour = "red"\n', "ja.colour"),
        ('[ja.terms]\n"hanfu" = 3\n', 'ja.terms."hanfu"'),
        ('[ja.terms]\n"hanfu" = "漢服 | "\n', 'ja.terms."hanfu"'),
        ('[ja.context]\n"hanfu" = "*"\n', 'ja.context."hanfu"'),
        ("[ja\n", "invalid TOML"),
    ],
)
def test_a_broken_glossary_is_one_line_naming_the_file_and_key(
    tmp_path: Path, text: str, key: str
) -> None:
    path = _copy(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_themes(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "glossary.toml") in message and key in message
