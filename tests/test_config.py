"""Configuration: typed loading, and one clear line with exit status 2 for every mistake."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import (
    SETTINGS_SCHEMA,
    SOURCE_FIELDS,
    ConfigError,
    load_settings,
    load_sources,
)

REPO = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_no_settings_file(tmp_path):
    settings = load_settings(tmp_path)
    assert settings.allow_private_networks is False
    assert settings["politeness.obey_robots_txt"] is True
    assert settings.archive == "data/culturewatch.db"


def test_shipped_settings_are_valid_and_document_every_key():
    settings = load_settings(REPO / "config")
    text = (REPO / "config" / "settings.toml").read_text()
    for section, fields in SETTINGS_SCHEMA.items():
        if section:
            assert f"[{section}]" in text, section
        for key, (_typ, default, help_text) in fields.items():
            assert help_text, key
            assert re.search(rf"^{key}\s*=", text, re.M), f"settings.toml does not show {key}"
            dotted = key if section is None else f"{section}.{key}"
            assert settings[dotted] == default, f"settings.toml and the schema disagree on {dotted}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("allow_private_networks = 1\n", "'allow_private_networks' must be true or false"),
        ("colour = 'red'\n", "unknown key 'colour'"),
        ("[politeness]\ndelay = 3\n", "unknown key 'politeness.delay'"),
        ("[politeness]\ndownload_delay = 'fast'\n", "'politeness.download_delay' must be a number"),
        ("user_agent = \n", "invalid TOML"),
        ("[politeness]\ntimeout = -1\n", "'politeness.timeout' must be greater than 0"),
        (
            "[politeness]\nmax_response_size = 0\n",
            "'politeness.max_response_size' must be at least",
        ),
        ("[crawl]\nmax_items_per_source = 0\n", "'crawl.max_items_per_source' must be at least 1"),
        ("[relevance]\nthreshold = 5\n", "'relevance.threshold' must be at most 1"),
    ],
)
def test_bad_settings_name_file_and_key(tmp_path, text, message):
    write(tmp_path / "settings.toml", text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(tmp_path / "settings.toml") in str(info.value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_sources_load_typed(tmp_path):
    path = write(
        tmp_path / "s.toml",
        '[[sources]]\nname = "a"\nurl = "https://example.org/rss"\nkind = "feed"\n'
        'language = "zh"\nmax_items = 5\n'
        '[[sources]]\nname = "b"\nurl = "https://example.org/sitemap.xml"\nkind = "sitemap"\n'
        "enabled = false\n",
    )
    a, b = load_sources(path)
    assert (a.name, a.kind, a.language, a.max_items, a.enabled) == ("a", "feed", "zh", 5, True)
    assert (b.kind, b.enabled, b.language) == ("sitemap", False, None)


SOURCE = '[[sources]]\nname = "a"\nurl = "https://example.org/rss"\nkind = "feed"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[sources]]\nname = "a"\nkind = "feed"\n', ":1: missing key 'url'"),
        (SOURCE + 'colour = "red"\n', ":1: unknown key 'colour'"),
        (SOURCE + "\n" + SOURCE, ":6: duplicate name 'a'"),
        (SOURCE.replace('"feed"', '"podcast"'), ":1: unknown kind 'podcast'"),
        (SOURCE.replace("https://", "ftp://"), ":1: 'url' must start with http"),
        (SOURCE + "max_items = 0\n", ":1: 'max_items' must be at least 1"),
        (SOURCE + "enabled = 'yes'\n", ":1: 'enabled' must be true or false"),
        ("[[sources]\n", "invalid TOML"),
    ],
)
def test_bad_sources_name_file_and_line(tmp_path, text, message):
    path = write(tmp_path / "sources.toml", text)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_every_source_field_is_documented_in_the_shipped_file():
    text = (REPO / "config" / "sources.toml").read_text()
    for key in SOURCE_FIELDS:
        assert re.search(rf"^#\s+{key}\b", text, re.M), (
            f"sources.toml header does not explain {key}"
        )


def test_crawl_with_bad_sources_exits_2_with_one_line_and_fetches_nothing(tmp_path):
    path = write(tmp_path / "sources.toml", SOURCE + "\n" + SOURCE)
    db = tmp_path / "a.db"
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--sources", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "duplicate name 'a'" in lines[0] and str(path) in lines[0]
    assert "Traceback" not in result.stderr
    assert not db.exists()


def test_crawl_without_themes_exits_2_before_fetching(tmp_path):
    (tmp_path / "config").mkdir()
    sources = write(tmp_path / "sources.toml", SOURCE)
    db = tmp_path / "a.db"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--config",
            str(tmp_path / "config"),
            "--sources",
            str(sources),
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "themes.toml: file not found" in result.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "is not an IANA time zone"),
        ('[digest]\nday = "tomorrow"\n', '\'digest.day\' must be "previous" or "today"'),
    ],
)
def test_settings_words_are_checked_at_load(tmp_path, text, message):
    write(tmp_path / "settings.toml", text)
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)
