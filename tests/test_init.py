"""`culturewatch init [DIR]`: the default configuration written out for editing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.config import config_dir, defaults_dir, load_settings, load_sources, load_themes

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted(
    p.name for p in (REPO / "config").iterdir() if p.is_file() and not p.name.startswith(".")
)


@pytest.fixture
def empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CULTUREWATCH_CONFIG", raising=False)
    return tmp_path


def test_init_writes_the_defaults_that_load(empty_cwd: Path) -> None:
    result = CliRunner().invoke(cli, ["init", "mine"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (empty_cwd / "mine").iterdir())
    assert written == SHIPPED and {"sources.toml", "themes.toml", "settings.toml"} <= set(written)
    for name in written:
        assert f"wrote {Path('mine') / name}" in result.stdout
        assert (empty_cwd / "mine" / name).read_bytes() == (REPO / "config" / name).read_bytes()
    assert "--config mine" in result.stdout  # how to use a directory other than ./config
    # what it wrote is a configuration the loaders accept, the same as the shipped one
    mine = empty_cwd / "mine"
    assert load_settings(mine).values == load_settings(REPO / "config").values
    assert load_sources(mine / "sources.toml") == load_sources(REPO / "config" / "sources.toml")
    assert len(load_sources(mine / "sources.toml")) > 0
    assert load_themes(mine / "themes.toml")


def test_init_defaults_to_config_which_is_then_used(empty_cwd: Path) -> None:
    assert config_dir() == defaults_dir()  # nothing here yet: the shipped defaults
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (empty_cwd / "config").iterdir()) == SHIPPED
    assert "--config" not in result.stdout  # ./config is read without being named
    assert config_dir() == Path("config")


def test_init_refuses_to_overwrite_unless_forced(empty_cwd: Path) -> None:
    target = empty_cwd / "config"
    target.mkdir()
    (target / "sources.toml").write_text("# mine\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["init"])
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "sources.toml" in refused.stderr
    assert "--force" in refused.stderr
    # nothing written at all, not even the files that were not there
    assert sorted(p.name for p in target.iterdir()) == ["sources.toml"]
    assert (target / "sources.toml").read_text(encoding="utf-8") == "# mine\n"

    forced = CliRunner().invoke(cli, ["init", "--force"])
    assert forced.exit_code == 0, forced.output
    assert (target / "sources.toml").read_bytes() == (REPO / "config" / "sources.toml").read_bytes()
    assert sorted(p.name for p in target.iterdir()) == SHIPPED


def test_init_errors_are_one_line(empty_cwd: Path) -> None:
    (empty_cwd / "afile").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", "afile"])
    assert result.exit_code == 1
    assert result.stderr == "culturewatch: init failed: afile: not a directory\n"

    # the defaults themselves are never written over (a source checkout's config/)
    result = CliRunner().invoke(cli, ["init", "--force", str(defaults_dir())])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "defaults themselves" in result.stderr


def test_init_has_help() -> None:
    result = CliRunner().invoke(cli, ["init", "--help"])
    assert result.exit_code == 0
    assert "Usage: cli init [OPTIONS] [DIR]" in result.output and "--force" in result.output
