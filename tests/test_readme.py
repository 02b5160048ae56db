"""README.md, the newcomer's door: generated where it can be, and true to the code.

Its command table is generated from the commands' ``--help`` and its settings table from
the settings schema (cog). Regenerate them after adding a command or a setting, or changing a
help text, from the repository root::

    cog -r README.md

The ``[[[cog ...]]]`` blocks in README.md call :func:`command_table` and
:func:`settings_table` below. The other tests here fail when README names a command, an
option or a setting that does not exist, a folder that is not there (or leaves a package
out of its Layout), when a link of its contents points at no heading, or when it grows past
:data:`MAX_LINES` lines: the reference lives beside the code (module docstrings) and in the
comments of ``config/``.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.config.alerts import DELIVERY_FIELDS, SCHEDULE_FIELDS, SMTP_FIELDS
from crawler.config.settings import SETTINGS_SCHEMA

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
PROG = "culturewatch"
MAX_LINES = 430  # a door, not the house: the reference lives beside the code
PACKAGES = ("crawler", "pipelines", "storage")

# command -> the README section that tells more about it
SEE = {
    "alerts": "Alerts",
    "alerts run": "Alerts",
    "browse": "Browse",
    "demo": "Try the demo",
    "digest": "Digests",
    "evaluate": "Labelling and evaluation",
    "label": "Labelling and evaluation",
    "schedule": "Run it unattended",
    "sources": "Sources",
    "stories": "Stories",
}


def commands(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every runnable command as (words after ``culturewatch``, command), in definition order.

    A group is listed itself when it runs without a subcommand (``culturewatch sources``).
    """
    for name, command in group.commands.items():
        if command.hidden:
            continue
        words = (*path, name)
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                yield words, command
            yield from commands(command, words)
        else:
            yield words, command


def _metavar(option: click.Option) -> str:
    if option.metavar:
        return option.metavar
    kind = option.type
    if isinstance(kind, click.Path):
        return "DIR" if not kind.file_okay else "FILE" if not kind.dir_okay else "PATH"
    if isinstance(kind, click.Choice):
        return "|".join(str(c) for c in kind.choices)
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return "N"
    return max(option.opts, key=len).lstrip("-").upper()  # --host HOST, --name NAME


def synopsis(words: tuple[str, ...], command: click.Command) -> str:
    """``culturewatch crawl [--config DIR] ... [-v]``: arguments first, then the options."""
    ctx = click.Context(command, info_name=" ".join((PROG, *words)))
    parts = [PROG, *words]
    for param in command.params:
        if isinstance(param, click.Argument):
            parts.append(param.make_metavar(ctx))
    for param in command.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        flag = min(param.opts, key=len) if param.is_flag else max(param.opts, key=len)
        text = flag if param.is_flag else f"{flag} {_metavar(param)}"
        parts.append(f"[{text}]..." if param.multiple else f"[{text}]")
    return " ".join(parts)


def help_text(command: click.Command) -> str:
    """The command's help as one line (what ``--help`` shows before the options)."""
    text = (command.help or "").split("\f")[0].replace("\b\n", "")
    return " ".join(text.split())


def command_table() -> str:
    """The Markdown table README.md carries between its cog markers."""
    rows = ["| command | does |", "|---|---|"]
    for words, command in commands():
        does = help_text(command).replace("|", "\\|")
        section = SEE.get(" ".join(words))
        if section:
            does += f" See [{section}](#{anchor(section)})."
        rows.append(f"| `{synopsis(words, command)}` | {does} |")
    return "\n".join(rows) + "\n"


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def settings_table() -> str:
    """The Markdown table of every setting and its default, from ``SETTINGS_SCHEMA``."""
    rows = ["| section | settings = defaults |", "|---|---|"]
    for section, fields in SETTINGS_SCHEMA.items():
        cells = []
        for key, (_type, default, _help) in fields.items():
            shown = _toml(default)
            cells.append(f"`{key}`" if len(shown) > 30 else f"`{key} = {shown}`")
        name = "top level" if section is None else f"`[{section}]`"
        rows.append(f"| {name} | {', '.join(cells).replace('|', chr(92) + '|')} |")
    return "\n".join(rows) + "\n"


def _generated_block(text: str, function: str = "command_table") -> str:
    match = re.search(
        rf"\[\[\[cog[^\]]*?{function}\(\).*?\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", text, re.S
    )
    assert match, f"README.md has no block generated by {function}() (cog markers)"
    return match.group(1)


def test_every_command_has_help() -> None:
    found = list(commands())
    assert {w for w, _ in found} >= {("crawl",), ("init",), ("sources",), ("sources", "check")}
    for words, command in found:
        result = CliRunner().invoke(cli, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)
        assert f"Usage: cli {' '.join(words)}" in result.output
        assert help_text(command), f"`culturewatch {' '.join(words)}` has no help text"


def test_readme_command_table_is_generated_from_help() -> None:
    block = _generated_block(README.read_text(encoding="utf-8"))
    assert block.strip() == command_table().strip(), "README.md is stale: run `cog -r README.md`"


def test_readme_settings_table_is_generated_from_the_schema() -> None:
    block = _generated_block(README.read_text(encoding="utf-8"), "settings_table")
    assert block.strip() == settings_table().strip(), "README.md is stale: run `cog -r README.md`"
    for section, fields in SETTINGS_SCHEMA.items():
        for key in fields:
            assert f"`{key}" in block, (section, key)


def test_readme_passes_cog_check() -> None:
    pytest.importorskip("cogapp")
    done = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", "README.md"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"run `cog -r README.md`:\n{done.stdout}\n{done.stderr}"


def test_the_sections_the_table_points_at_exist() -> None:
    headings = set(re.findall(r"^#+ (.+)$", README.read_text(encoding="utf-8"), re.M))
    assert set(SEE.values()) <= headings


# --------------------------------------------------------------------------- README is true to the code
def _prose(text: str) -> str:
    """README without its generated blocks (checked against their sources above)."""
    return re.sub(r"\[\[\[cog.*?\[\[\[end\]\]\]", "", text, flags=re.S)


def _code(text: str) -> list[str]:
    """What README shows as code: each line of a fenced block of commands (``sh``, ``cron``,
    ``ini``; not a ``text`` tree), each inline code span."""
    fence = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
    pieces = [
        line
        for kind, block in fence.findall(text)
        if kind in ("", "sh", "bash", "console", "cron", "ini")
        for line in block.splitlines()
    ]
    pieces += [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", fence.sub("", text))]
    return pieces


def _options(command: click.Command) -> set[str]:
    names = {"--help", "-h"} | ({"--version"} if command is cli else set())
    for param in command.params:
        if isinstance(param, click.Option):
            names |= {*param.opts, *param.secondary_opts}
    return names


def _all_options() -> set[str]:
    return _options(cli).union(*(_options(command) for _, command in commands()))


def _words(line: str) -> list[str]:
    line = re.split(r"\s#|\s>|\s\||;|&&", line)[0]  # a comment, a redirection, the next command
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _command_problem(words: list[str]) -> str | None:
    """Why ``culturewatch WORDS`` names no command or an option its command lacks, if so."""
    command: click.Command = cli
    path = [PROG]
    rest = [word.strip("[]") for word in words]  # a synopsis: [--option VALUE]
    rest = [word for word in rest if word]
    while rest and isinstance(command, click.Group) and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        if sub is None:
            return f"`{' '.join(path)}` has no command {rest[0]!r}"
        command = sub
        path.append(rest.pop(0))
    known = _options(command)
    for word in rest:
        option = word.split("=")[0]
        if option.startswith("-") and option != "-" and option not in known:
            return f"`{' '.join(path)}` has no option {option}"
    return None


def command_problems(text: str) -> list[str]:
    """Commands and options README names that the click tree does not have.

    ``culturewatch CMD [SUB] --option`` wherever code shows it (also ``.venv/bin/culturewatch``);
    a code span that starts with a command (``alerts --list``, ``stories rebuild``); a code span
    that starts with an option (``--port``): some command must have it.
    """
    problems = []
    everywhere = _all_options()
    for piece in _code(_prose(text)):
        mentions = [m.end() for m in re.finditer(r"(?<![\w.-])culturewatch(?![\w.:/-])", piece)]
        for end in mentions:
            problem = _command_problem(_words(piece[end:]))
            if problem:
                problems.append(f"{piece!r}: {problem}")
        if mentions:
            continue
        words = _words(piece)
        if len(words) >= 2 and words[0] in cli.commands:
            problem = _command_problem(words)
            if problem:
                problems.append(f"{piece!r}: {problem}")
        elif words and re.fullmatch(r"--?[a-z][\w-]*(=.*)?", words[0]):
            if words[0].split("=")[0] not in everywhere:
                problems.append(f"{piece!r}: no command has the option {words[0]}")
    return problems


# the tables of config files whose keys README may name as ``section.key`` or ``[section] key``
ALERTS_SECTIONS = {"smtp": SMTP_FIELDS, "delivery": DELIVERY_FIELDS, "schedule": SCHEDULE_FIELDS}


def _setting_exists(section: str, key: str | None) -> bool:
    keys = set(SETTINGS_SCHEMA.get(section, {})) | set(ALERTS_SECTIONS.get(section, {}))
    known = section in SETTINGS_SCHEMA or section in ALERTS_SECTIONS
    return known and (key is None or key in keys)


def setting_problems(text: str) -> list[str]:
    """Settings README names (``digest.max_age_days``, ``[flags] quiet_days``, ``[schedule]``)
    that neither settings.toml's schema nor alerts.toml's tables declare.

    A dotted name counts when its first part is a section (``stories.cross_language``, not
    ``articles.story_id``) and it is not part of a path (``logs/crawl.log``)."""
    problems = []
    prose = _prose(text)
    sections = {s for s in SETTINGS_SCHEMA if s} | set(ALERTS_SECTIONS)
    for section, key in re.findall(r"(?<![\w./-])([a-z_]+)\.([a-z_]+)\b(?![./-]\w)", prose):
        if section in sections and not _setting_exists(section, key):
            problems.append(f"{section}.{key}")
    for piece in _code(prose):
        for section, key in re.findall(r"(?<![\[\w.])\[([a-z_]+)\](?!\])(?:\s+([a-z_]+))?", piece):
            if not _setting_exists(section, key or None):
                problems.append(f"[{section}] {key}".strip())
    return problems


def test_readme_names_only_commands_and_options_that_exist() -> None:
    assert command_problems(README.read_text(encoding="utf-8")) == []


def test_readme_names_only_settings_that_exist() -> None:
    assert setting_problems(README.read_text(encoding="utf-8")) == []


def test_the_checks_of_readme_can_fail() -> None:
    """The two checks above find what they are for (else they would pass on anything)."""
    text = (
        "Run `culturewatch crawl --fast`, `culturewatch sources chek`, `alerts --lst`,\n"
        "`--colour`, and see\n```sh\n.venv/bin/culturewatch digest --data 1  # the day\n```\n"
        "Set `digest.max_age` or `[flags] quiet` or `[politess]`; not `logs/crawl.log`.\n"
    )
    assert len(command_problems(text)) == 5, command_problems(text)
    assert setting_problems(text) == ["digest.max_age", "[flags] quiet", "[politess]"]
    fine = (
        "`culturewatch label 42 --not-relevant --theme heritage_unesco`, `sources check`,\n"
        '`culturewatch digest --date "$(date -d yesterday +%F)" >> logs/digest.log`,\n'
        "`stories.cross_language`, `[schedule] timezone`, `delivery.lookback_days`,\n"
        "`data/culturewatch.db`, `http://127.0.0.1:8001/culturewatch`, `articles.story_id`.\n"
    )
    assert command_problems(fine) == [] and setting_problems(fine) == []


# --------------------------------------------------------------------------- README is a door
def _headings(text: str) -> list[str]:
    without_code = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return re.findall(r"^#{1,6} (.+?)\s*$", without_code, re.M)


def test_readme_is_short() -> None:
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"README.md has {lines} lines: move reference beside the code"


def test_readme_contents_link_to_its_headings() -> None:
    text = README.read_text(encoding="utf-8")
    anchors = {anchor(h) for h in _headings(text)}
    contents = re.search(r"^## Contents\n(.*?)^## ", text, re.M | re.S)
    assert contents, "README.md has no ## Contents"
    listed = re.findall(r"\]\(#([^)]+)\)", contents.group(1))
    assert listed, "the contents list links to nothing"
    sections = [anchor(h) for h in re.findall(r"^## (.+?)\s*$", text, re.M) if h != "Contents"]
    assert [a for a in sections if a not in listed] == [], "a section missing from the contents"
    dangling = sorted(set(re.findall(r"\]\(#([^)]+)\)", text)) - anchors)
    assert dangling == [], f"links to no heading: {dangling}"


def _layout_folders(text: str) -> set[str]:
    layout = re.search(r"^## Layout\n.*?^```text\n(.*?)^```", text, re.M | re.S)
    assert layout, "README.md's Layout has no ```text tree"
    folders, parent = set(), ""
    for line in layout.group(1).splitlines():
        top = re.match(r"([\w.]+)/", line)
        child = re.match(r"[│ ]*[├└]── ([\w.]+)/", line)
        if top:
            parent = top.group(1)
            folders.add(parent)
        elif child:
            folders.add(f"{parent}/{child.group(1)}")
    return folders


def test_readme_layout_is_the_folders_that_are_there() -> None:
    folders = _layout_folders(README.read_text(encoding="utf-8"))
    assert [f for f in sorted(folders) if not (REPO / f).is_dir()] == []
    packages = {
        str(path.parent.relative_to(REPO))
        for package in PACKAGES
        for path in (REPO / package).rglob("__init__.py")
    }
    assert sorted(packages - folders) == [], "packages the Layout of README.md leaves out"
