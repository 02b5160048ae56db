"""Configuration: typed loading, and one clear line with exit status 2 for every mistake."""

from __future__ import annotations

import math
import os
import re
import shutil
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
from crawler.config.settings import SETTINGS_BOUNDS
from crawler.config.sources import SOURCE_BOUNDS

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


# --------------------------------------------------------------------------- files that cannot be read
def config_copy(tmp_path: Path) -> Path:
    """The shipped settings and themes, and one source nothing will fetch (a private address)."""
    directory = tmp_path / "config"
    directory.mkdir()
    for name in ("settings.toml", "themes.toml"):
        shutil.copy(REPO / "config" / name, directory / name)
    write(directory / "sources.toml", SOURCE.replace("https://example.org", "http://127.0.0.1:9"))
    return directory


def run_cli(
    *args: str, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def assert_one_config_line(result: subprocess.CompletedProcess, *parts: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("culturewatch: config error: "), lines[0]
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("name", ["settings.toml", "sources.toml", "themes.toml"])
def test_a_non_utf8_byte_is_one_line_naming_file_and_line(tmp_path, name):
    config = config_copy(tmp_path)
    path = config / name
    lines = path.read_bytes().split(b"\n")
    lines[1] += b" # caf\xe9"  # saved as Latin-1 by some editor
    path.write_bytes(b"\n".join(lines))
    db = tmp_path / "a.db"
    result = run_cli("crawl", "--config", str(config), "--db", str(db))
    line = assert_one_config_line(result, str(path), "UTF-8", "0xe9", "line 2")
    assert (
        f"column {len(lines[1][:-1].decode('utf-8')) + 1} " in line
    )  # characters, as editors count
    assert not db.exists()


def test_a_non_utf8_byte_inside_a_string_value(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_bytes(SOURCE.replace('"a"', '"\xff"').encode("latin-1"))
    with pytest.raises(ConfigError, match=r"not UTF-8: byte 0xff at line 2, column 9") as info:
        load_sources(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "settings.toml").write_bytes(b'user_agent = "\xc3"\n')  # a cut-off character
    with pytest.raises(ConfigError, match=r"settings.toml: not UTF-8: byte 0xc3 at line 1"):
        load_settings(tmp_path)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    (tmp_path / "settings.toml").write_bytes(b"\xef\xbb\xbf[relevance]\nthreshold = 0.25\n")
    assert load_settings(tmp_path)["relevance.threshold"] == 0.25
    path = tmp_path / "sources.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (SOURCE + 'colour = "red"\n').encode())
    with pytest.raises(ConfigError, match=r"sources.toml:1: unknown key 'colour'"):
        load_sources(path)


@pytest.mark.parametrize("name", ["settings.toml", "sources.toml", "themes.toml"])
def test_a_directory_instead_of_a_config_file(tmp_path, name):
    config = config_copy(tmp_path)
    (config / name).unlink()
    (config / name).mkdir()
    result = run_cli("crawl", "--config", str(config), "--db", str(tmp_path / "a.db"))
    assert_one_config_line(result, str(config / name), "is a directory")


def test_a_directory_given_as_the_sources_file(tmp_path):
    config = config_copy(tmp_path)
    result = run_cli("crawl", "--config", str(config), "--sources", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is a directory" in result.stderr  # click's own usage error
    with pytest.raises(ConfigError, match="is a directory"):
        load_sources(tmp_path)


def _unprivileged() -> tuple[str, ...]:
    """A command prefix under which file permissions apply: nothing, or for root a user
    namespace without mappings (CAP_DAC_OVERRIDE does not reach the host's files there)."""
    if os.geteuid() != 0:
        return ()
    if not shutil.which("unshare"):
        pytest.skip("running as root and unshare is not installed: permissions do not apply")
    probe = subprocess.run(["unshare", "--user", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"running as root and unshare --user fails: {probe.stderr.strip()}")
    return ("unshare", "--user")


@pytest.mark.parametrize("name", ["settings.toml", "sources.toml", "themes.toml"])
def test_an_unreadable_config_file(tmp_path, name):
    prefix = _unprivileged()
    config = config_copy(tmp_path)
    (config / name).chmod(0)
    result = run_cli(
        "crawl", "--config", str(config), "--db", str(tmp_path / "a.db"), prefix=prefix
    )
    assert_one_config_line(result, str(config / name), "cannot read", "Permission denied")


def test_an_unsearchable_config_directory(tmp_path):
    # --config DIR is checked by click; $CULTUREWATCH_CONFIG reaches the loaders as it is
    prefix = _unprivileged()
    config = config_copy(tmp_path)
    config.chmod(0)
    try:
        result = run_cli(
            "crawl",
            "--db",
            str(tmp_path / "a.db"),
            prefix=prefix,
            env={"CULTUREWATCH_CONFIG": str(config)},
        )
    finally:
        config.chmod(0o755)
    assert_one_config_line(result, str(config / "settings.toml"), "Permission denied")


# --------------------------------------------------------------------------- cron expressions
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[schedule]\ncrawl = "*/30 * * *"\n', "'schedule.crawl' '*/30 * * *' has 4 fields"),
        ('[schedule]\ndigest = "0 25 * * *"\n', "'schedule.digest' '0 25 * * *' is not a valid"),
        ('[schedule]\ncrawl = "0 7 * * 8"\n', "'schedule.crawl' '0 7 * * 8' is not a valid"),
        ('[schedule]\ncrawl = "0 7 1 * 1"\n', "both the day of month and the day of week"),
    ],
)
def test_cron_expressions_are_checked_at_load(tmp_path, text, message):
    write(tmp_path / "settings.toml", text)
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        load_settings(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'settings.toml'}: ")
    assert "\n" not in str(info.value)


def test_every_command_refuses_an_invalid_cron_expression(tmp_path):
    config = config_copy(tmp_path)
    settings = config / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(re.sub(r"(?m)^crawl\s*=.*$", 'crawl = "61 * * * *"', text), "utf-8")
    db = tmp_path / "a.db"
    crawl = run_cli("crawl", "--config", str(config), "--db", str(db))
    assert_one_config_line(crawl, str(settings), "'schedule.crawl' '61 * * * *'")
    assert not db.exists()
    txt = write(tmp_path / "a.txt", "title\nbody\n")
    score = run_cli("score", str(txt), "--config", str(config))
    assert_one_config_line(score, str(settings), "'schedule.crawl'")


# --------------------------------------------------------------------------- numbers: finite, bounded
def _numeric(typ: type | tuple[type, ...]) -> bool:
    types = typ if isinstance(typ, tuple) else (typ,)
    return bool not in types and bool({int, float} & set(types))


# every numeric setting of the schema, read from the schema: (dotted key, type)
NUMERIC_SETTINGS = [
    (key if section is None else f"{section}.{key}", typ)
    for section, fields in SETTINGS_SCHEMA.items()
    for key, (typ, _default, _help) in fields.items()
    if _numeric(typ)
]
NUMERIC_SOURCE_FIELDS = [
    (key, typ) for key, (typ, *_rest) in SOURCE_FIELDS.items() if _numeric(typ)
]


def settings_text(dotted: str, value: str) -> str:
    section, _, key = dotted.rpartition(".")
    return f"[{section}]\n{key} = {value}\n" if section else f"{key} = {value}\n"


def just_over(typ: type | tuple[type, ...], high: float) -> str:
    """The smallest value over *high* the key's type takes, as TOML."""
    types = typ if isinstance(typ, tuple) else (typ,)
    if float in types:
        return repr(math.nextafter(float(high), math.inf))
    return str(int(high) + 1)


def refusal(load, *args) -> str:
    """The one-line ConfigError of ``load(*args)``."""
    with pytest.raises(ConfigError) as info:
        load(*args)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_every_numeric_setting_has_finite_bounds():
    assert len(NUMERIC_SETTINGS) >= 20  # the schema was read, not an empty list
    assert set(SETTINGS_BOUNDS) == {dotted for dotted, _typ in NUMERIC_SETTINGS}
    for dotted, (low, high) in SETTINGS_BOUNDS.items():
        assert isinstance(high, (int, float)) and math.isfinite(high), dotted
        assert low == "> 0" or (isinstance(low, (int, float)) and low <= high), dotted
    assert set(SOURCE_BOUNDS) == {key for key, _typ in NUMERIC_SOURCE_FIELDS}


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+inf"])
@pytest.mark.parametrize(("dotted", "typ"), NUMERIC_SETTINGS, ids=[d for d, _ in NUMERIC_SETTINGS])
def test_a_non_finite_setting_is_one_line_naming_file_and_key(tmp_path, dotted, typ, value):
    path = write(tmp_path / "settings.toml", settings_text(dotted, value))
    message = refusal(load_settings, tmp_path)
    assert message.startswith(f"{path}: '{dotted}' must be "), message
    assert message.endswith(f", not {value.lstrip('+')}"), message


@pytest.mark.parametrize(("dotted", "typ"), NUMERIC_SETTINGS, ids=[d for d, _ in NUMERIC_SETTINGS])
def test_a_setting_over_its_upper_bound_is_refused(tmp_path, dotted, typ):
    high = SETTINGS_BOUNDS[dotted][1]
    write(tmp_path / "settings.toml", settings_text(dotted, str(high)))
    assert load_settings(tmp_path)[dotted] == high  # the bound itself is allowed
    over = just_over(typ, high)
    path = write(tmp_path / "settings.toml", settings_text(dotted, over))
    message = refusal(load_settings, tmp_path)
    assert message == f"{path}: '{dotted}' must be at most {high}, not {over}"


GDELT = '[[sources]]\nname = "a"\nurl = "https://example.org/q"\nkind = "gdelt"\nquery = "x"\n'


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "over"])
@pytest.mark.parametrize(
    ("key", "typ"), NUMERIC_SOURCE_FIELDS, ids=[k for k, _ in NUMERIC_SOURCE_FIELDS]
)
def test_a_non_finite_or_huge_source_number_is_one_line(tmp_path, key, typ, value):
    high = SOURCE_BOUNDS[key][1]
    assert load_sources(write(tmp_path / "s.toml", GDELT + f"{key} = {high}\n"))
    value = just_over(typ, high) if value == "over" else value
    path = write(tmp_path / "s.toml", GDELT + f"{key} = {value}\n")
    message = refusal(load_sources, path)
    assert message.startswith(f"{path}:1: '{key}' must be "), message
    assert message.endswith(f", not {value}"), message


@pytest.mark.parametrize(
    ("command", "dotted", "value"),
    [
        ("rescore", "relevance.threshold", "nan"),
        ("sources", "relevance.threshold", "nan"),
        ("crawl", "relevance.threshold", "nan"),
        ("crawl", "politeness.timeout", "nan"),
        ("crawl", "politeness.timeout", "inf"),
        ("crawl", "crawl.extract_timeout", "inf"),
        ("sources", "crawl.max_items_per_source", "1000000000000000"),
    ],
)
def test_a_non_finite_or_huge_setting_stops_the_command_with_one_line(
    tmp_path, command, dotted, value
):
    config = config_copy(tmp_path)
    settings = write(config / "settings.toml", settings_text(dotted, value))
    db = tmp_path / "a.db"
    result = run_cli(command, "--config", str(config), "--db", str(db))
    assert_one_config_line(result, str(settings), f"'{dotted}'", f"not {value}")
    assert not db.exists()
