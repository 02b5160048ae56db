"""Revisits: a loopback site whose articles change between fetches as the test says, crawled
once, then revisited with ``culturewatch revisit`` in processes of their own (the real
Scrapy engine, trafilatura, a real SQLite file and WARC files)."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browse_helpers import browse_server, get, get_json
from support import write_settings, write_sources
from support.server import FixtureServer, Route

from crawler.demo.feeds import Channel, Item, rss2
from storage.captures import read_capture
from storage.versions import (
    Snapshot,
    compare,
    diff_words,
    is_removal_redirect,
    is_soft_not_found,
    normalise_text,
)

PUBLISHED = "2026-03-04T08:00:00+00:00"
VOCABULARY = (
    "lantern opera festival museum heritage silk porcelain calligraphy dragon dance tea "
    "garden poetry scroll bronze jade ink brush temple fair lunar spring harvest drum "
    "puppet shadow theatre kite embroidery lacquer mountain river village city street "
    "craft master student audience visitor exhibition gallery collection archive film "
    "animation game studio director actor screen premiere ticket review critic season "
    "tour abroad overseas partner forum dialogue exchange delegation minister agreement"
).split()


def _paragraphs(key: str, count: int = 5) -> list[str]:
    rng = random.Random(key)
    return [
        " ".join(rng.choice(VOCABULARY) for _ in range(28)).capitalize() + "." for _ in range(count)
    ]


def page(title: str, paras: list[str], author: str = "Lin Wei", extra: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"><meta name="author" content="{author}">
<meta property="article:published_time" content="{PUBLISHED}"></head>
<body><header><nav><a href="/">Home</a> <a href="/news/culture/">Culture</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">By {author}</p>
{extra}{body}
</article></main><footer><p>The Loopback Daily</p></footer></body></html>"""


NOT_FOUND_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Page not found</title></head><body><main><h1>Page not found</h1>
<p>Sorry, the page you asked for does not exist.</p></main></body></html>"""

KEYS = "headline paragraph byline gone404 gone410 home section soft widget same".split()


class ChangingSite(FixtureServer):
    """The fixture server, with a page whose "updated N minutes ago" widget and clock change
    on every fetch."""

    widget_hits = 0

    def answer(self, method: str, path_with_query: str, body: bytes) -> Route | None:
        if path_with_query == "/news/culture/widget.html":
            self.widget_hits += 1
            n = self.widget_hits
            widget = f'<p class="updated">Updated {n + 2} minutes ago, at 10:{10 + n:02d}</p>\n'
            return Route(page(TITLES["widget"], PARAS["widget"], extra=widget))
        return super().answer(method, path_with_query, body)


TITLES = {key: f"The {key} story of the spring culture season" for key in (*KEYS, "limited")}
PARAS = {key: _paragraphs(key) for key in (*KEYS, "limited")}


def _publish(srv: FixtureServer, keys: tuple[str, ...] | list[str], prefix: str) -> None:
    for key in keys:
        if key != "widget":
            srv.routes[f"{prefix}{key}.html"] = Route(
                page(TITLES[key], PARAS[key]), etag=f"{key}-v1" if key == "same" else None
            )
    items = [Item(srv.url(f"{prefix}{k}.html"), TITLES[k], "", PUBLISHED, [], "en") for k in keys]
    srv.routes["/feed.xml"] = Route(
        rss2(Channel("Loopback Daily", srv.url("/"), srv.url("/feed.xml")), items),
        content_type="application/rss+xml",
    )
    srv.routes["/"] = Route("<html><body><h1>Home</h1><p>Front page</p></body></html>")
    srv.routes["/news/culture/"] = Route("<html><body><h1>Culture</h1></body></html>")


def revisit(config: Path, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "revisit", "--config", str(config), "--db", str(db)]
        + ["--allow-private-networks", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def crawl(config: Path, sources: Path, db: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "-q", "--config", str(config)]
        + ["--sources", str(sources), "--db", str(db), "--allow-private-networks"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def by_key(db: Path) -> dict[str, tuple[Any, ...]]:
    """key -> (state, last_outcome, last_status, versions' kinds)"""
    out = {}
    for url, state, outcome, status, article_id in rows(
        db,
        "select a.url, r.state, r.last_outcome, r.last_status, a.id from articles a "
        "left join article_revisits r on r.article_id = a.id",
    ):
        key = url.rsplit("/", 1)[1].removesuffix(".html")
        kinds = [
            json.loads(k)
            for (k,) in rows(
                db,
                "select changes from article_versions where article_id = ? order by version",
                article_id,
            )
        ]
        out[key] = (state, outcome, status, kinds)
    return out


@pytest.fixture(scope="module")
def revisited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Crawl, change the site, revisit three times (the removals confirmed by the third),
    then restore a removed page and revisit again: the states after each step."""
    tmp = tmp_path_factory.mktemp("revisits")
    config = tmp / "config"
    write_settings(
        config,
        relevance={"threshold": 0.0},
        revisit={"after": ["1h", "1d"], "removal_confirm_after": "1h"},
    )
    db = tmp / "archive.db"
    with ChangingSite() as site, FixtureServer() as blocking:
        _publish(site, KEYS, "/news/culture/")
        _publish(blocking, ("limited",), "/news/")
        sources = write_sources(
            tmp / "sources.toml",
            [
                {"name": "loopback-daily", "url": site.url("/feed.xml"), "kind": "feed"},
                {"name": "limited", "url": blocking.url("/feed.xml"), "kind": "feed"},
            ],
        )
        crawl(config, sources, db)
        states: dict[str, Any] = {"archived": rows(db, "select url from articles")}
        states["none_due"] = revisit(config, db)
        # the changes
        p = "/news/culture/"
        site.routes[f"{p}headline.html"] = Route(
            page("A softer &lt;i&gt;headline&lt;/i&gt; &amp; more", PARAS["headline"])
        )
        site.routes[f"{p}paragraph.html"] = Route(
            page(TITLES["paragraph"], PARAS["paragraph"][:2] + PARAS["paragraph"][3:])
        )
        site.routes[f"{p}byline.html"] = Route(
            page(TITLES["byline"], PARAS["byline"], author="Zhao Min")
        )
        site.routes[f"{p}gone404.html"] = Route("gone", status=404)
        site.routes[f"{p}gone410.html"] = Route("gone", status=410)
        site.routes[f"{p}home.html"] = Route(status=301, location=site.url("/"))
        site.routes[f"{p}section.html"] = Route(status=302, location=site.url(p))
        site.routes[f"{p}soft.html"] = Route(NOT_FOUND_PAGE)
        blocking.routes["/news/limited.html"] = Route("slow down", status=429)
        states["first"] = revisit(config, db, "--all")
        states["after_first"] = by_key(db)
        states["second"] = revisit(config, db, "--all")  # too soon to confirm
        states["after_second"] = by_key(db)
        # an hour goes by (removal_confirm_after): the first removal answers are aged
        with sqlite3.connect(db) as conn:
            conn.execute(
                "update article_revisits set removal_seen_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', "
                "removal_seen_at, '-61 minutes') where state = 'removal_pending'"
            )
        states["third"] = revisit(config, db, "--all")
        states["after_third"] = by_key(db)
        site.routes[f"{p}gone404.html"] = Route(page(TITLES["gone404"], PARAS["gone404"]))
        states["fourth"] = revisit(config, db, "--all")
        states["after_fourth"] = by_key(db)
        states["same_requests"] = [h for h in site.log if h.path.endswith("same.html")]
        states["limited_hits"] = [h for h in blocking.log if h.path == "/news/limited.html"]
    states["db"] = db
    states["config"] = config
    yield states


@pytest.mark.slow
def test_revisit_runs_due_ones_only(revisited: dict[str, Any]) -> None:
    assert len(revisited["archived"]) == len(KEYS) + 1
    done = revisited["none_due"]
    assert done.returncode == 0, done.stderr
    assert "revisits: 0 due" in done.stdout
    assert revisited["first"].returncode == 0, revisited["first"].stderr


@pytest.mark.slow
def test_edits_become_versions(revisited: dict[str, Any]) -> None:
    after = revisited["after_first"]
    assert after["headline"][1] == "changed"
    assert after["headline"][3] == [[], ["headline"]]  # version 1: as first archived
    assert after["paragraph"][3] == [[], ["body"]]
    assert after["byline"][3] == [[], ["byline"]]
    db = revisited["db"]
    ((summary, diff, removed, added, share),) = rows(
        db,
        "select v.diff_summary, v.diff, v.words_removed, v.words_added, v.share_changed "
        "from article_versions v join articles a on a.id = v.article_id "
        "where a.url like '%paragraph.html' and v.version = 2",
    )
    assert removed == 28 and added == 0
    assert 0.15 < share < 0.25
    deleted = [words for op, words in json.loads(diff) if op == "-"]
    assert deleted == [PARAS["paragraph"][2]]
    assert "body edited" in summary
    ((title, first_title),) = rows(
        db,
        "select v2.title, v1.title from article_versions v2 join article_versions v1 "
        "on v1.article_id = v2.article_id and v1.version = 1 join articles a on a.id = v2.article_id "
        "where a.url like '%headline.html' and v2.version = 2",
    )
    assert title == "A softer <i>headline</i> & more" and "headline story" in first_title
    # the new version's page is a WARC response record of its own; version 1 points at the
    # first crawl's
    captures = rows(
        db,
        "select v.version, v.warc_filename, v.warc_record_offset, v.warc_record_length "
        "from article_versions v join articles a on a.id = v.article_id "
        "where a.url like '%headline.html' order by v.version",
    )
    bodies = [read_capture(db.parent, *place) for _version, *place in captures]
    assert b"A softer &lt;i&gt;headline" in bodies[1]
    assert b"A softer" not in bodies[0] and TITLES["headline"].encode() in bodies[0]
    # the later revisits saw nothing new: no third version
    assert revisited["after_fourth"]["headline"][3] == [[], ["headline"]]


@pytest.mark.slow
def test_removals_need_two_answers_apart(revisited: dict[str, Any]) -> None:
    for key in ("gone404", "gone410", "home", "section", "soft"):
        assert revisited["after_first"][key][:2] == ("removal_pending", "removal_pending"), key
        assert revisited["after_first"][key][3] == [], key
        assert revisited["after_second"][key][:2] == ("removal_pending", "removal_pending"), key
        state, outcome, _status, kinds = revisited["after_third"][key]
        assert (state, outcome) == ("removed", "removed"), key
        assert kinds == [[], ["removed"]], key
    assert revisited["after_third"]["gone410"][2] == 410
    reasons = dict(
        rows(
            revisited["db"],
            "select substr(a.url, instr(a.url, 'culture/') + 8), v.diff_summary "
            "from article_versions v join articles a on a.id = v.article_id "
            "where v.changes like '%removed%'",
        )
    )
    assert reasons["gone404.html"] == "removed: HTTP 404"
    assert reasons["home.html"].startswith("removed: redirected to")
    assert "not found" in reasons["soft.html"]


@pytest.mark.slow
def test_restored_after_removal(revisited: dict[str, Any]) -> None:
    state, outcome, status, kinds = revisited["after_fourth"]["gone404"]
    assert (state, outcome, status) == ("current", "restored", 200)
    assert kinds == [[], ["removed"], ["restored"]]
    assert revisited["after_fourth"]["gone410"][:2] == ("removed", "still_removed")


@pytest.mark.slow
def test_rotating_widget_and_304_make_no_version(revisited: dict[str, Any]) -> None:
    for step in ("after_first", "after_third", "after_fourth"):
        assert revisited[step]["widget"][1] == "unchanged"
        assert revisited[step]["widget"][3] == []
        assert revisited[step]["same"][1] == "not_modified"
    revisits = revisited["same_requests"][1:]
    assert revisits and all(h.headers.get("if-none-match") == '"same-v1"' for h in revisits)
    assert all(h.status == 304 for h in revisits)


@pytest.mark.slow
def test_429_is_blocked_never_removed(revisited: dict[str, Any]) -> None:
    for step in ("after_first", "after_third", "after_fourth"):
        state, outcome, status, kinds = revisited[step]["limited"]
        assert (outcome, status, kinds) == ("blocked", 429, [])
        assert state in (None, "current")
    assert len(revisited["limited_hits"]) >= 1 + 2 * 4  # crawl, then each revisit retried


@pytest.mark.slow
def test_pages_and_canned_queries_show_the_history(revisited: dict[str, Any]) -> None:
    db = revisited["db"]
    ids = {url.rsplit("/", 1)[1]: i for i, url in rows(db, "select id, url from articles")}
    with browse_server(db) as base:
        status, html = get(f"{base}/culturewatch/articles/{ids['paragraph.html']}")
        assert status == 200
        history = html[html.index('<section class="cw-history">') :]
        history = history[: history.index("</section>")]
        assert "Version 2" in history and "Version 1" in history
        assert f"<del>{PARAS['paragraph'][2]}</del>" in history
        assert "body edited" in history
        status, html = get(f"{base}/culturewatch/articles/{ids['gone410.html']}")
        assert "Removed on 20" in html and "HTTP 410" in html
        status, html = get(f"{base}/culturewatch/articles/{ids['headline.html']}")
        assert "&lt;i&gt;headline&lt;/i&gt; &amp; more" in html
        assert "<i>headline</i>" not in html
        status, html = get(f"{base}/culturewatch/articles/{ids['widget.html']}")
        assert "No change seen since it was first archived" in html
        status, front = get(f"{base}/")
        changes = front[front.index("Changed or removed since yesterday") :]
        assert "A softer &lt;i&gt;headline" in changes and "removed" in changes
        removed = get_json(f"{base}/culturewatch/removed_articles.json?_shape=array")
        assert sorted(r["url"].rsplit("/", 1)[1] for r in removed) == [
            "gone410.html",
            "home.html",
            "section.html",
            "soft.html",
        ]
        assert {r["http_status"] for r in removed} == {410, 200}
        edited = get_json(f"{base}/culturewatch/edited_headlines.json?_shape=array")
        assert [(r["headline_after"], r["version"]) for r in edited] == [
            ("A softer <i>headline</i> & more", 2)
        ]
        assert "headline story" in edited[0]["headline_before"]


@pytest.mark.slow
def test_digest_lists_the_day_s_changes(revisited: dict[str, Any], tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from click.testing import CliRunner

    from crawler.cli import cli

    day = datetime.now(UTC).date().isoformat()
    args = ["digest", "--config", str(revisited["config"]), "--db", str(revisited["db"])]
    done = CliRunner().invoke(cli, [*args, "--date", day, "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    markdown = (tmp_path / f"{day}.md").read_text(encoding="utf-8")
    section = markdown[markdown.index("## Changed or removed since yesterday") :]
    assert "**headline**" in section and "**removed**" in section and "**restored**" in section
    assert "A softer <i>headline</i>" not in section  # escaped in Markdown too
    data = json.loads((tmp_path / f"{day}.json").read_text(encoding="utf-8"))
    kinds = sorted(k for change in data["changes"] for k in change["kinds"])
    assert kinds.count("removed") == 5 and kinds.count("restored") == 1
    assert {"headline", "body", "byline"} <= set(kinds)
    html = (tmp_path / f"{day}.html").read_text(encoding="utf-8")
    assert "A softer &lt;i&gt;headline&lt;/i&gt; &amp; more" in html
    # a day without changes has no such section
    done = CliRunner().invoke(cli, [*args, "--date", "2026-03-04", "--out", str(tmp_path)])
    assert "Changed or removed" not in (tmp_path / "2026-03-04.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_change_alert_mails_removals_and_edited_headlines(
    revisited: dict[str, Any], tmp_path: Path
) -> None:
    import shutil

    from click.testing import CliRunner
    from support.mailbox import Mailbox

    from crawler.cli import cli

    db = tmp_path / "archive.db"
    with sqlite3.connect(revisited["db"]) as source, sqlite3.connect(db) as copy:
        source.backup(copy)  # WAL and all
    config = tmp_path / "config"
    shutil.copytree(revisited["config"], config)
    with Mailbox() as box:
        (config / "alerts.toml").write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {box.port}\nfrom = "cw <cw@example.org>"\n'
            f'security = "none"\n\n[delivery]\nfeeds = "{tmp_path / "feeds"}"\n\n'
            '[[alerts]]\nname = "taken-down"\nquery = "spring"\nfrequency = "after_crawl"\n'
            'changes = ["removed", "headline"]\nemail = ["desk@example.org"]\n',
            encoding="utf-8",
        )
        args = ["alerts", "run", "--config", str(config), "--db", str(db)]
        done = CliRunner().invoke(cli, args)
        assert done.exit_code == 0, done.output
        assert len(box.messages) == 1
        text = box.messages[0].get_body(("plain",)).get_content()
        for key in ("gone404", "gone410", "home", "section", "soft", "headline"):
            assert f"The {key} story" in text, key
        for key in ("byline", "paragraph", "widget", "same", "limited"):
            assert f"The {key} story" not in text, key
        again = CliRunner().invoke(cli, args)  # each change is mailed once
        assert again.exit_code == 0 and len(box.messages) == 1


# ------------------------------------------------------------------ the archive's side
def _archived(tmp_path: Path) -> tuple[Any, int]:
    from storage.archive import Archive

    archive = Archive(tmp_path / "a.db")
    article_id, _ = archive.upsert_article(
        {
            "url": "https://news.example/a.html",
            "title": "Opera abroad",
            "text": " ".join(PARAS["same"]),
            "fetched_at": "2026-03-04T08:00:00+00:00",
            "relevance": 0.9,
            "relevant": 1,
        }
    )
    archive.upsert_article(
        {
            "url": "https://news.example/other.html",
            "title": "Not relevant",
            "text": "x",
            "fetched_at": "2026-03-04T08:00:00+00:00",
            "relevance": 0.1,
            "relevant": 0,
        }
    )
    return archive, article_id


def test_due_follows_the_schedule_from_first_archived(tmp_path: Path) -> None:
    from storage.revisits import Fetch, apply_fetch, due_articles

    archive, article_id = _archived(tmp_path)
    after = [3600, 86400]
    try:
        assert due_articles(archive.db, after, now="2026-03-04T08:59:00+00:00") == []
        (due,) = due_articles(archive.db, after, now="2026-03-04T09:00:00+00:00")
        assert due.article_id == article_id  # the irrelevant article is never due
        assert len(due_articles(archive.db, after, now="2026-03-04T08:00:00Z", every=True)) == 1
        ok = Fetch("ok", due.url, status=304, final_url=due.url, headers=[("ETag", '"v2"')])
        with archive.transaction():
            outcome = apply_fetch(
                archive.db, archive.raw_pages, due, ok, after=after, confirm=3600,
                now="2026-03-04T09:30:00+00:00",
            )  # fmt: skip
        assert outcome == "not_modified"
        assert due_articles(archive.db, after, now="2026-03-05T07:59:00+00:00") == []
        (again,) = due_articles(archive.db, after, now="2026-03-05T08:00:00+00:00")
        assert again.etag == '"v2"' and again.revisits == 1
        # a 429 spends no step: tried again removal_confirm_after later
        blocked = Fetch("blocked", due.url, status=429, error="HTTP 429")
        with archive.transaction():
            outcome = apply_fetch(
                archive.db, archive.raw_pages, again, blocked, after=after, confirm=3600,
                now="2026-03-05T08:00:00+00:00",
            )  # fmt: skip
        assert outcome == "blocked"
        (retry,) = due_articles(archive.db, after, now="2026-03-05T09:00:00+00:00")
        assert retry.revisits == 1 and retry.etag == '"v2"'  # the validators are kept
    finally:
        archive.close()


def test_a_page_that_does_not_extract_keeps_the_current_version(tmp_path: Path) -> None:
    from storage.revisits import Fetch, apply_fetch, due_articles

    archive, article_id = _archived(tmp_path)
    try:
        (due,) = due_articles(archive.db, [3600], every=True)
        empty = Fetch("ok", due.url, status=200, final_url=due.url, body=b"<html></html>")
        empty.page_title = "Opera abroad"
        with archive.transaction():
            outcome = apply_fetch(
                archive.db, archive.raw_pages, due, empty, after=[3600], confirm=1
            )
        assert outcome == "extract_failed"
        assert archive.db.execute("select count(*) from article_versions").fetchone()[0] == 0
    finally:
        archive.close()


# ------------------------------------------------------------------ the pure comparison
def test_normalise_ignores_clock_phrases_and_whitespace() -> None:
    a = "Opera tour abroad.  Updated 3 minutes ago at 10:11.\nThe audience came."
    b = "Opera tour abroad. Updated 17 minutes ago at 10:29. The  audience came."
    assert normalise_text(a) == normalise_text(b)
    assert not compare(Snapshot("T", a), Snapshot("T", b)).changed


def test_compare_classifies_each_kind() -> None:
    old = Snapshot("Old title", "one two three four five six", "A", ("A",), "2026-03-04T08:00:00Z")
    new = Snapshot("New title", "one two 3 four five six seven", "B", ("B",), "2026-03-05")
    change = compare(old, new)
    assert change.kinds == ("headline", "body", "byline", "date")
    assert (change.words_added, change.words_removed) == (2, 1)
    assert ("-", "three") in change.diff and ("+", "3") in change.diff
    # a byline or date the new fetch lacks is an extraction miss, not a change
    assert compare(old, Snapshot("Old title", old.text)).kinds == ()


def test_diff_cuts_long_unchanged_runs() -> None:
    old = " ".join(f"w{i}" for i in range(100))
    new = old.replace("w50", "changed")
    diff, added, removed = diff_words(old, new)
    assert (added, removed) == (1, 1)
    assert diff[0] == ("…", "") and diff[-1] == ("…", "")
    assert sum(len(w.split()) for op, w in diff if op == "=") == 16  # 8 each side


def test_soft_not_found_is_a_short_page_only() -> None:
    assert is_soft_not_found("Page not found", "Sorry, this page does not exist.")
    assert is_soft_not_found(None, "404. The article you asked for has been removed.")
    assert is_soft_not_found("页面不存在", "")
    long_text = " ".join(PARAS["same"])  # 140 words
    assert not is_soft_not_found("The 404 archives of China watchers", long_text)
    assert not is_soft_not_found("Opera abroad", "A short note on the opera tour.")


@pytest.mark.parametrize(
    ("final", "removal"),
    [
        ("https://a.example/", True),
        ("https://www.a.example/news/", True),
        ("https://a.example/news/culture/", True),
        ("https://a.example/news/culture/story-renamed.html", False),
        ("https://b.example/", False),
    ],
)
def test_removal_redirects(final: str, removal: bool) -> None:
    assert is_removal_redirect("https://a.example/news/culture/story.html", final) is removal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[revisit]\nafter = ["1 hour"]\n', "'revisit.after' must be durations such as"),
        ('[revisit]\nafter = ["1d", "1h"]\n', "'revisit.after' must go from the earliest"),
        ('[revisit]\nafter = "1h"\n', "'revisit.after' must be a list"),
        ('[revisit]\nremoval_confirm_after = "0h"\n', "'revisit.removal_confirm_after'"),
        ("[revisit]\nmax_per_crawl = -1\n", "'revisit.max_per_crawl'"),
    ],
)
def test_bad_revisit_settings_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    from crawler.config import ConfigError, load_settings

    (tmp_path / "settings.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert message in str(info.value) and "settings.toml" in str(info.value)
