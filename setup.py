"""Ship the default configuration inside the package (everything else is in pyproject.toml).

``config/`` stays at the top of the repository, data only and not importable; a built wheel
carries a copy of its files in ``crawler/defaults/``, which ``crawler.config`` falls back to
when there is no ``--config``, ``$CULTUREWATCH_CONFIG`` or ``./config``. An editable install
reads ``config/`` itself, so nothing is copied into the source tree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

CONFIG = Path(__file__).resolve().parent / "config"
TARGET = ("crawler", "defaults")


def _config_files() -> list[Path]:
    files = sorted(p for p in CONFIG.glob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise SystemExit(f"{CONFIG}: no configuration files to ship")
    return files


class BuildPyWithDefaults(build_py):
    """build_py, then a copy of ``config/*`` into ``crawler/defaults/`` of the build."""

    def run(self) -> None:
        if not self.editable_mode:  # no module deleted from the tree survives in build/lib
            for top in {name.split(".")[0] for name in self.packages or ()}:
                shutil.rmtree(Path(self.build_lib, top), ignore_errors=True)
        super().run()
        if self.editable_mode:  # the editable install reads config/ where it is
            return
        target = Path(self.build_lib, *TARGET)
        target.mkdir(parents=True, exist_ok=True)
        for path in _config_files():
            shutil.copyfile(path, target / path.name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            outputs += [str(Path(self.build_lib, *TARGET, p.name)) for p in _config_files()]
        return outputs


class SdistWithConfig(sdist):
    """An sdist that keeps ``config/``, so a wheel built from it has its defaults."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        target = Path(base_dir, CONFIG.name)
        target.mkdir(exist_ok=True)
        for path in _config_files():
            shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithDefaults, "sdist": SdistWithConfig})
