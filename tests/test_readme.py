"""README.md, the newcomer's door, true to the code; the reference beside the code, complete.

README carries no command or settings table: ``culturewatch --help`` lists the commands and
``culturewatch COMMAND --help`` says what each does, and ``config/settings.toml`` shows every
setting with its default and a comment. The tests here fail when a command, an option or an
argument has no help, when a setting of the schema is missing from ``config/settings.toml``,
has another default there or no comment, when README names a command, an option or a setting
that does not exist, a folder that is not there (or leaves a package out of its Layout), when a
link of its contents points at no heading, or when it grows past :data:`MAX_LINES` lines.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

from crawler.cli import cli
from crawler.config.alerts import DELIVERY_FIELDS, SCHEDULE_FIELDS, SMTP_FIELDS
from crawler.config.settings import SETTINGS_SCHEMA
from crawler.exits import EXIT_BUSY, EXIT_UNREACHABLE

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SETTINGS_TOML = REPO / "config" / "settings.toml"
PROG = "culturewatch"
MAX_LINES = 350  # a door, not the house: the reference lives beside the code
PACKAGES = ("crawler", "pipelines", "storage")


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


def help_text(command: click.Command) -> str:
    """The command's help as one line (what ``--help`` shows before the options)."""
    text = (command.help or "").split("\f")[0].replace("\b\n", "")
    return " ".join(text.split())


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _argument_named(command: click.Command, argument: click.Argument) -> bool:
    ctx = click.Context(command)
    name = argument.make_metavar(ctx).strip("[].")
    return name in (command.help or "")


def test_every_command_option_and_argument_has_help() -> None:
    """``culturewatch COMMAND --help`` is the reference: every command says what it does, every
    option has its help, every argument is named (by its metavar) in its command's help."""
    found = list(commands())
    assert {w for w, _ in found} >= {("crawl",), ("init",), ("sources",), ("sources", "check")}
    for words, command in found:
        result = CliRunner().invoke(cli, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)
        assert f"Usage: cli {' '.join(words)}" in result.output
        assert help_text(command), f"`culturewatch {' '.join(words)}` has no help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"`culturewatch {' '.join(words)} {param.opts[0]}` has no help"
            elif isinstance(param, click.Argument):
                assert _argument_named(command, param), (words, param.name)


def test_crawl_help_gives_its_exit_statuses() -> None:
    """README's Run names them; ``crawl --help`` too, where scripts look them up."""
    shown = " ".join(CliRunner().invoke(cli, ["crawl", "--help"]).output.split())
    for status in (2, 1, EXIT_UNREACHABLE, EXIT_BUSY):
        assert f" {status} " in shown, status


# --------------------------------------------------------------------------- settings.toml is the reference
def _uncommented(text: str) -> dict[str | None, list[str]]:
    """Keys of a settings file (per section, ``None`` the top level) that no comment explains.

    A key is explained by a comment on its own line or by the comment block right above it
    (directly, or above the run of keys it belongs to: ``warc_dir``, ``warc_file_max_mb``)."""
    found: dict[str | None, list[str]] = {}
    section: str | None = None
    above = ""  # what the key run under the current line started after: "comment" or not
    for line in text.splitlines():
        stripped = line.strip()
        header = re.fullmatch(r"\[([\w.]+)\]\s*(#.*)?", stripped)
        key = re.match(r"([A-Za-z_]\w*)\s*=(.*)", stripped)
        if header:
            section, above = header.group(1), ""
        elif key:
            inline = "#" in re.sub(r'"[^"]*"|\'[^\']*\'', "", key.group(2))
            if not inline and above != "comment":
                found.setdefault(section, []).append(key.group(1))
        else:
            above = "comment" if stripped.startswith("#") else ""
    return found


def test_every_setting_is_in_settings_toml_with_its_default_and_a_comment() -> None:
    text = SETTINGS_TOML.read_text(encoding="utf-8")
    values = tomllib.loads(text)
    for section, fields in SETTINGS_SCHEMA.items():
        table = values if section is None else values.get(section, {})
        for key, (_type, default, _help) in fields.items():
            where = key if section is None else f"[{section}] {key}"
            assert key in table, f"config/settings.toml lacks {where}"
            assert table[key] == default, f"config/settings.toml: {where} is not its default"
    assert _uncommented(text) == {}, "keys of config/settings.toml that no comment explains"


def test_the_settings_comment_check_can_fail() -> None:
    text = (
        'user_agent = "x # y"\n# explained\narchive = "a"\nwarc_dir = ""\n\nretention_days = 0\n'
        "[crawl]  # not a comment of its keys\n# explained\n\npage_attempts = 4\n"
        "extract_workers = 0  # explained\n"
    )
    assert _uncommented(text) == {
        None: ["user_agent", "retention_days"],
        "crawl": ["page_attempts"],
    }


# --------------------------------------------------------------------------- README is true to the code
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
        if rest[0].isupper():  # a placeholder: `culturewatch COMMAND --help`
            return None
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
    for piece in _code(text):
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
    sections = {s for s in SETTINGS_SCHEMA if s} | set(ALERTS_SECTIONS)
    for section, key in re.findall(r"(?<![\w./-])([a-z_]+)\.([a-z_]+)\b(?![./-]\w)", text):
        if section in sections and not _setting_exists(section, key):
            problems.append(f"{section}.{key}")
    for piece in _code(text):
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
        "`data/culturewatch.db`, `http://127.0.0.1:8001/culturewatch`, `articles.story_id`,\n"
        "`culturewatch COMMAND --help`.\n"
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
