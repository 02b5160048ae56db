"""Build the demo archive: serve the synthetic site on loopback and crawl it for real.

The crawl is :func:`crawler.runner.run_crawl`, the code of ``culturewatch crawl``, on a
configuration written to a temporary directory (the shipped themes, a sources file of the
demo's outlets, settings with politeness off and private networks allowed for this crawl
only); nothing is written into the user's configuration.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.config import ConfigError, defaults_dir
from crawler.demo.server import SiteServer
from crawler.demo.site import DemoSource, Site, build_site

__all__ = ["SOURCE_PREFIX", "DemoBuild", "NotADemoArchive", "crawl_demo", "demo_site"]

# every demo source is named demo-<outlet>: an archive with other sources is a real one
SOURCE_PREFIX = "demo-"

# the demo crawl's settings: as fast as loopback allows
_SETTINGS = """\
# culturewatch demo: written for one crawl of the synthetic site on 127.0.0.1
allow_private_networks = true

[politeness]
download_delay = 0.0
autothrottle = false
concurrent_requests = 16
concurrent_requests_per_domain = 16
retry_times = 1
retry_backoff_base = 0.1
timeout = 10
"""


class NotADemoArchive(Exception):
    """The archive at the path holds sources of a real crawl (message: one line)."""


@dataclass
class DemoBuild:
    site: Site
    server: SiteServer

    @property
    def url(self) -> str:
        return self.server.base_url + "/"


def _previous_port(db: Path) -> int:
    """The port the demo site had when it built the archive at *db* (0: none, any port):
    served there again, its articles' links stay live and a rebuild skips them as known.

    Raises :class:`NotADemoArchive` when *db* has sources that are not the demo's."""
    from storage.overview import archive_overview

    sources = archive_overview(db).sources
    foreign = sorted(name for name in sources if not name.startswith(SOURCE_PREFIX))
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise NotADemoArchive(
            f"{db} is not a demo archive (it has the sources {shown}): "
            "the demo writes only to an archive of its own; choose another --db"
        )
    ports = {urlsplit(url).port or 0 for url in sources.values()}
    return ports.pop() if len(ports) == 1 else 0


@contextmanager
def demo_site(db: Path, *, now: datetime | None = None) -> Iterator[DemoBuild]:
    """Serve the demo site on 127.0.0.1 for the block (a daemon thread): on the port of the
    previous build of *db* when it is free, else on any free one."""
    server = SiteServer(host="127.0.0.1", port=_previous_port(db), fallback=True)
    try:
        site = build_site(server.base_url, now=now)
        server.routes.update(site.pages)
        yield DemoBuild(site=site, server=server.start())
    finally:
        server.stop()


def _toml(value: Any) -> str:
    return "true" if value is True else json.dumps(value, ensure_ascii=False)


def _sources_toml(sources: list[DemoSource]) -> str:
    blocks = [
        "[[sources]]\n"
        + "".join(
            f"{key} = {_toml(value)}\n" for key, value in (*s._asdict().items(), ("verified", True))
        )
        for s in sources
    ]
    return "# culturewatch demo: the synthetic outlets\n\n" + "\n".join(blocks)


def crawl_demo(build: DemoBuild, db: Path, *, verbose: bool = False) -> Any:
    """One real crawl of the demo site into *db*; returns the :class:`CrawlSummary`.
    The caller holds the archive's crawl lock."""
    from crawler.runner import CrawlOptions, run_crawl

    shipped = defaults_dir()
    if shipped is None or not (shipped / "themes.toml").is_file():
        raise ConfigError("the themes shipped with culturewatch are missing: reinstall it")
    with tempfile.TemporaryDirectory(prefix="culturewatch-demo-") as tmp:
        config = Path(tmp)
        (config / "settings.toml").write_text(_SETTINGS, encoding="utf-8")
        (config / "sources.toml").write_text(_sources_toml(build.site.sources), encoding="utf-8")
        for name in ("themes.toml", "glossary.toml"):  # the themes and their local forms
            if (shipped / name).is_file():
                shutil.copyfile(shipped / name, config / name)
        options = CrawlOptions.from_config(
            config_dir=config, db=db, allow_private_networks=True, verbose=verbose
        )
        return run_crawl(options)
