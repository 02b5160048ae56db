"""Source groups: the ``group`` key of sources.toml, validated, and kept in the archive (m009)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import ConfigError, load_sources
from crawler.config.sources import Source
from storage.archive import Archive
from storage.groups import SOURCE_GROUPS, group_label

REPO = Path(__file__).resolve().parents[1]
CULTUREWATCH = str(Path(sys.executable).with_name("culturewatch"))


def test_every_default_source_has_a_documented_group() -> None:
    sources = load_sources(REPO / "config" / "sources.toml")
    assert len(sources) >= 61
    assert all(s.group in SOURCE_GROUPS for s in sources), [s.name for s in sources if not s.group]
    assert {s.group for s in sources if s.kind in ("gdelt", "google_news")} == {"discovery"}
    assert len({s.group for s in sources}) >= 6  # the groups are used, not one for all
    text = (REPO / "config" / "sources.toml").read_text(encoding="utf-8")
    header = text[: re.search(r"^\[\[sources\]\]", text, re.MULTILINE).start()]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for key in SOURCE_GROUPS:
        assert key in header, f"{key} is not documented in the header of config/sources.toml"
        assert key in readme, f"{key} is not documented in README.md"


def test_an_unknown_or_mistyped_group_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[sources]]\nname = "a"\nurl = "https://a.example/rss"\nkind = "feed"\n'
        'group = "state_media"\n\n'
        '[[sources]]\nname = "b"\nurl = "https://b.example/rss"\nkind = "feed"\n'
        'group = "state-media"\n',
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=rf"^{re.escape(str(path))}:7: unknown group 'state-media'"
    ):
        load_sources(path)
    path.write_text(
        '[[sources]]\nname = "a"\nurl = "https://a.example/rss"\nkind = "feed"\ngroup = 3\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="'group' must be"):
        load_sources(path)
    result = subprocess.run(
        [CULTUREWATCH, "crawl", "--sources", str(path), "--db", str(tmp_path / "x.db")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "group" in result.stderr


def _groups(archive: Archive) -> dict[str, str | None]:
    rows = archive.db.execute("select url, source_group from articles order by url")
    return {url.rsplit("/", 1)[1]: group for url, group in rows}


def test_articles_carry_their_sources_group(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        # archived before its source was synced: no group yet
        archive.upsert_article({"url": "https://x.example/early", "source": "x", "title": "t"})
        assert _groups(archive) == {"early": None}
        archive.sync_sources([Source("x", "https://x.example/rss", "feed", group="state_media")])
        archive.upsert_article({"url": "https://x.example/late", "source": "x", "title": "t"})
        archive.upsert_article({"url": "https://y.example/other", "source": "y", "title": "t"})
        assert _groups(archive) == {"early": "state_media", "late": "state_media", "other": None}
        # a new group in sources.toml moves every article of the source; none removes it
        archive.sync_sources([Source("x", "https://x.example/rss", "feed", group="hk_taiwan")])
        assert set(_groups(archive).values()) == {"hk_taiwan", None}
        archive.sync_sources([Source("x", "https://x.example/rss", "feed")])
        assert set(_groups(archive).values()) == {None}
        stored = archive.db.execute("select source_group from sources").fetchall()
        assert stored == [(None,)]


def test_the_migration_fills_the_groups_of_an_older_archive(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Archive(db) as archive:
        archive.sync_sources([Source("x", "https://x.example/rss", "feed", group="trade_press")])
        archive.upsert_article({"url": "https://x.example/a", "source": "x", "title": "t"})
        for trigger in ("articles_source_group_ai", "sources_group_ai", "sources_group_au"):
            archive.db.execute(f"drop trigger {trigger}")
        archive.db.execute("update articles set source_group = null")
        archive.db.execute("delete from _sqlite_migrations where name = 'm009_source_groups'")
        archive.db.conn.commit()
    with Archive(db) as archive:
        assert _groups(archive) == {"a": "trade_press"}
        archive.upsert_article({"url": "https://x.example/b", "source": "x", "title": "t"})
        assert _groups(archive) == {"a": "trade_press", "b": "trade_press"}


def test_group_labels() -> None:
    assert group_label("hk_taiwan") == "Hong Kong and Taiwan"
    assert group_label("newsletters") == "newsletters"  # a key no longer known is shown as is
    assert group_label(None) == "No group"
