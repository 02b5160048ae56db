"""The house rules, checked on every run so drift fails here, not in review:
ruff (style), mypy (types), import-linter (crawler -> pipelines -> storage, never back)
and the size of modules. Their configuration is in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "pipelines", "storage")
MAX_LINES = 420  # "about 400": a module past this has more than one job


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]' installs it)")
    return found


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_ruff_check_passes():
    result = _run(_tool("ruff"), "check", *PACKAGES, "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = _run(_tool("ruff"), "format", "--check", *PACKAGES, "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_passes():
    result = _run(_tool("mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_storage_and_pipelines_pass_strict_mypy():
    """pyproject.toml lists the flags of --strict for storage and pipelines; --strict itself
    checks that no flag is missing from that list."""
    result = _run(_tool("mypy"), "--strict", "-p", "storage", "-p", "pipelines")
    assert result.returncode == 0, result.stdout + result.stderr


def test_layers_are_one_way():
    """Every contract of pyproject.toml kept: the layers, the archive root reading neither
    storage.web nor storage.outputs, and no import circle between siblings."""
    import tomllib

    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert len(contracts["contracts"]) >= 3
    result = _run(_tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(contracts['contracts'])} kept, 0 broken" in result.stdout


def test_no_function_level_import_dodges_a_circle():
    """An import inside a function is for load time only (a heavy library, a command's
    own modules): moved to the top of its module, none of ours would close an import circle."""
    import ast
    from collections import defaultdict

    modules = {
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): path
        for package in PACKAGES
        for path in (REPO / package).rglob("*.py")
    }
    top: dict[str, set[str]] = defaultdict(set)
    inner: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_functions = {
            id(node)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(function)
        }
        type_only = {
            id(node)
            for block in tree.body
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module or id(node) in type_only:
                continue
            targets = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            found = {t for t in targets if t in modules}
            (inner if id(node) in in_functions else top)[name] |= found

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(top[current])
        return False

    dodges = sorted(
        f"{name} -> {target}"
        for name, targets in inner.items()
        for target in targets
        if target != name and reaches(target, name)
    )
    assert dodges == [], f"function-level imports that dodge an import circle: {dodges}"


def test_modules_stay_small():
    big = {
        str(path.relative_to(REPO)): n
        for package in PACKAGES
        for path in (REPO / package).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}, f"modules over {MAX_LINES} lines: {big}"
