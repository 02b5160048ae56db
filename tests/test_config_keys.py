"""A typo'd key in themes.toml or glossary.toml: one check for both files
(:func:`pipelines.scoring.keys.check_keys`), one line naming the file and the key, the closest
known key when one is close, exit 2 through the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipelines.scoring.glossary as glossary
import pipelines.scoring.themes as themes
from crawler.cli import cli
from crawler.config import ConfigError, load_themes
from pipelines.scoring.keys import check_keys

CONFIG = Path(__file__).resolve().parents[1] / "config"


class Failed(Exception):
    pass


def test_check_keys_names_the_dotted_key_and_the_closest_known_one() -> None:
    with pytest.raises(Failed) as info:
        check_keys(["label", "contxt"], ("label", "terms", "context"), "themes.x", Failed)
    key, problem = info.value.args
    assert key == "themes.x.contxt"
    assert problem == "is not a known key (expected label, terms, context); did you mean 'context'?"
    check_keys(["label", "terms"], ("label", "terms"), "", Failed)  # known keys pass
    with pytest.raises(Failed) as info:  # nothing close: no guess; a key with spaces is quoted
        check_keys(["Ne Zha"], ("hanfu",), "ja.terms", Failed, what="concept", expected="one")
    assert info.value.args == ('ja.terms."Ne Zha"', "is not a known concept (expected one)")


def test_both_files_use_the_one_check() -> None:
    assert themes.check_keys is check_keys and glossary.check_keys is check_keys


def _config(tmp_path: Path, themes_edit: tuple[str, str] | None, glossary_text: str) -> Path:
    text = (CONFIG / "themes.toml").read_text(encoding="utf-8")
    if themes_edit is not None:
        assert themes_edit[0] in text
        text = text.replace(themes_edit[0], themes_edit[1], 1)
    (tmp_path / "themes.toml").write_text(text, encoding="utf-8")
    if glossary_text:
        (tmp_path / "glossary.toml").write_text(glossary_text, encoding="utf-8")
    else:
        shutil.copy(CONFIG / "glossary.toml", tmp_path / "glossary.toml")
    return tmp_path


TYPOS = [
    # (edit of themes.toml, glossary text, file, key, guess)
    (("[anchors]\n", "[anchor]\n"), "", "themes.toml", "anchor", "anchors"),
    (("\nvenue = [", "\nvenu = ["), "", "themes.toml", "anchors.venu", "venue"),
    (
        ("[themes.heritage_unesco]", "[themes.heritage_unseco]"),
        "",
        "themes.toml",
        "themes.heritage_unseco",
        "heritage_unesco",
    ),
    (("\nlabel = ", "\nlable = "), "", "themes.toml", "themes.films_games.lable", "label"),
    (None, '[ja]\nname = "Japanese"\ncontxt = {}\n', "glossary.toml", "ja.contxt", "context"),
    (None, '[ja]\nnmae = "Japanese"\n', "glossary.toml", "ja.nmae", "name"),
    (None, '[ja.terms]\n"Ne Zha2" = "ナタ"\n', "glossary.toml", 'ja.terms."Ne Zha2"', "Ne Zha 2"),
]


@pytest.mark.parametrize(("edit", "gloss", "name", "key", "guess"), TYPOS)
def test_a_typo_is_one_line_naming_the_file_and_the_key(
    tmp_path: Path, edit: tuple[str, str] | None, gloss: str, name: str, key: str, guess: str
) -> None:
    config = _config(tmp_path, edit, gloss)
    with pytest.raises(ConfigError) as info:
        load_themes(config / "themes.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{config / name}: '")
    assert key in message and f"did you mean '{guess}'?" in message


@pytest.mark.parametrize("which", ["themes", "glossary"])
def test_a_typo_exits_2_through_the_command_line(tmp_path: Path, which: str) -> None:
    config = tmp_path / "config"
    config.mkdir()
    if which == "themes":
        _config(config, ("[anchors]\n", "[anchor]\n"), "")
    else:
        _config(config, None, '[ja]\nname = "Japanese"\ncontxt = {}\n')
    article = tmp_path / "a.txt"
    article.write_text("A title\nA body.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", str(article), "--config", str(config)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"{which}.toml" in lines[0]
    assert ("'anchor'" if which == "themes" else "'ja.contxt'") in lines[0]
