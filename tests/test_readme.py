"""README.md's command table is generated from the commands' ``--help`` (cog).

Regenerate it after adding a command or changing a help text, from the repository root::

    cog -r README.md

The ``[[[cog ...]]]`` block in README.md calls :func:`command_table` below.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler.cli import cli

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
PROG = "culturewatch"

# command -> the README section that tells more about it
SEE = {
    "alerts": "Alerts",
    "alerts run": "Alerts",
    "browse": "Browse",
    "demo": "Try it",
    "digest": "Digests",
    "evaluate": "Labelling and evaluation",
    "label": "Labelling and evaluation",
    "schedule": "Run it unattended",
    "score": "Relevance",
    "sources": "Sources",
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
            anchor = re.sub(r"[^a-z0-9 -]", "", section.lower()).replace(" ", "-")
            does += f" See [{section}](#{anchor})."
        rows.append(f"| `{synopsis(words, command)}` | {does} |")
    return "\n".join(rows) + "\n"


def _generated_block(text: str) -> str:
    match = re.search(r"\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", text, re.S)
    assert match, "README.md has no generated command table (cog markers)"
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
