"""The analyst's day on the web (issue 29, items 4 to 6), over HTTP: a story's page as a
timeline, the stories table and its cells, one row per story, attention over time for any
search, saved alerts and mutes. A real ``culturewatch browse`` over the demo's archive (the
demo crawl of its synthetic site: one story carried by four outlets)."""

from __future__ import annotations

import csv
import html
import http.cookiejar
import io
import os
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browse_helpers import browse_server, get, get_json, url

from storage.saved_alerts import Mutes, is_muted, mute_clause
from storage.web.readable import readable_score, readable_time

pytestmark = pytest.mark.slow  # the demo crawl and Datasette

DB = "/culturewatch"
WIRE_ORDER = ["demo-meridian", "demo-harbour", "demo-courier", "demo-silkroad"]


def demo_archive(directory: Path) -> Path:
    """The demo's archive, built offline by ``culturewatch demo --no-browse``."""
    db = directory / "demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREWATCH_")}
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--no-browse", "--db", str(db)],
        cwd=directory, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return db


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def wire_story(db: Path) -> int:
    return rows(db, "select id from stories where source_count = 4")[0][0]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_archive(tmp_path_factory.mktemp("day-web"))


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[str]:
    with browse_server(archive) as base:
        yield base


# ---------------------------------------------------------------------------- 4: stories
def test_a_story_page_is_a_timeline_of_every_copy(archive: Path, server: str) -> None:
    story = wire_story(archive)
    status, page = get(f"{server}{DB}/stories/{story}")
    assert status == 200
    timeline = page.split('<ol class="cw-timeline">')[1].split("</ol>")[0]
    copies = timeline.split('<li class="cw-copy">')[1:]
    assert len(copies) == 4
    assert [re.search(r'cw-outlet">([^<]+)', c)[1] for c in copies] == WIRE_ORDER
    ids = rows(archive, "select id, source from articles where story_id = ?", (story,))
    by_source = {source: id_ for id_, source in ids}
    for copy, source in zip(copies, WIRE_ORDER, strict=True):
        assert f'href="{DB}/articles/{by_source[source]}"' in copy  # its article's page
        assert 'class="cw-group"' in copy and 'class="cw-lang">en<' in copy
        assert "UTC" in copy and "+00:00" not in copy  # a time as people read it
    assert "+11 h" in copies[3]
    figures = html.unescape(page.split('class="cw-figures">')[1].split("</p>")[0])
    figures = " ".join(re.sub("<[^>]+>", "", figures).split())
    assert "4 outlets, 4 copies · 1 language (en) · spread over 11 hours" in figures
    assert "first carried by demo-meridian" in figures
    assert "publication times where the page gave one" in page


def test_the_stories_table_puts_the_most_carried_first_in_words(server: str) -> None:
    first = get_json(url(server, f"{DB}/stories.json", _shape="array", _size=1))[0]
    assert first["source_count"] == 4
    status, page = get(url(server, f"{DB}/stories"))
    assert status == 200
    cell = page.split('<td class="col-sources')[1].split("</td>")[0]
    assert ", ".join(WIRE_ORDER) in cell and "[" not in cell and "&#34;" not in cell
    languages = page.split('<td class="col-languages')[1].split("</td>")[0]
    assert ">en<" in languages and "[" not in languages
    assert "culturewatch-day.css" in page  # the title column keeps its width


def test_articles_and_search_collapse_to_one_row_per_story(archive: Path, server: str) -> None:
    story = wire_story(archive)
    every = get_json(url(server, f"{DB}/articles.json", _shape="array", _size="max"))
    one = get_json(url(server, f"{DB}/articles.json", _shape="array", _size="max", _per_story=1))
    assert sum(r["story_id"] == story for r in every) == 4
    assert sum(r["story_id"] == story for r in one) == 1
    assert len(one) == len({r["story_id"] for r in every})
    found = get_json(url(server, f"{DB}/articles.json", _shape="array", _search="animation"))
    collapsed = get_json(
        url(server, f"{DB}/articles.json", _shape="array", _search="animation", _per_story=1)
    )
    assert {r["story_id"] for r in collapsed} == {r["story_id"] for r in found}
    assert len(collapsed) < len(found)
    concept = get_json(url(server, f"{DB}/search.json", _shape="array", q="animation"))
    stories = get_json(url(server, f"{DB}/search_stories.json", _shape="array", q="animation"))
    assert sum(r["id"] in {c["id"] for c in concept} for r in stories) == len(stories)
    wire = [r for r in stories if r["story"] == story]
    assert len(wire) == 1 and wire[0]["outlets"] == 4
    assert wire[0]["matching_copies"] == sum(
        c["id"]
        in {i for (i,) in rows(archive, "select id from articles where story_id = ?", (story,))}
        for c in concept
    )
    _, page = get(url(server, f"{DB}/search", q="animation"))
    assert f'href="{DB}/search_stories?q=animation"' in page  # the toggle
    _, page = get(url(server, f"{DB}/search_stories", q="animation"))
    assert f'<a href="{DB}/stories/{story}">4 outlets</a>' in page
    _, page = get(url(server, f"{DB}/articles"))
    assert "_per_story=1" in page


def test_cells_read_as_people_read_them(archive: Path, server: str) -> None:
    _, page = get(url(server, f"{DB}/articles", _sort_desc="relevance"))
    cell = page.split('<td class="col-relevance')[1].split("</td>")[0]
    best = rows(archive, "select relevance from articles order by relevance desc limit 1")[0][0]
    assert f">{readable_score(best)}<" in cell
    published = page.split('<td class="col-published_at')[1].split("</td>")[0]
    assert "+00:00<" not in published and " UTC<" in published
    themes = page.split('<td class="col-themes')[1].split("</td>")[0]
    assert "films_games<" not in themes  # the chips show the human names
    id_, published = rows(archive, "select id, published_at from articles "
                                   "where source = 'demo-meridian' limit 1")[0]  # fmt: skip
    _, article = get(f"{server}{DB}/articles/{id_}")
    meta = article.split('<p class="cw-meta">')[1].split("</p>")[0]
    assert f"published {readable_time(published)}" in meta and "+00:00" not in meta
    _, front = get(server + "/")
    chips = re.findall(r'class="cw-chip cw-theme-\w+" title="\w+">([^<]+)<', front)
    assert "Chinese films and games abroad" in chips and "films_games" not in chips
    assert readable_time("2026-12-06T12:18:24+00:00") == "6 Dec 2026, 12:18 UTC"
    assert readable_time("2026-12-06") == "6 Dec 2026"
    assert readable_score(0.9983) == "1.00"


# ---------------------------------------------------------------------------- 5: attention
def attention_csv(server: str, **params: str) -> list[dict[str, str]]:
    status, text = get(url(server, "/-/culturewatch/attention", format="csv", **params))
    assert status == 200, text
    return list(csv.DictReader(io.StringIO(text)))


def test_attention_over_time_for_any_search(archive: Path, server: str) -> None:
    found = get_json(url(server, f"{DB}/search.json", _shape="array", q="哪吒"))
    languages = {r["language"][:2] for r in found}
    assert languages >= {"en", "zh"}  # the concept search: 哪吒 = Ne Zha
    lines = attention_csv(server, q="哪吒")
    overall = [r for r in lines if r["by"] == "all"]
    assert sum(int(r["matching"]) for r in overall) == len(found)
    archived = rows(
        archive, "select substr(coalesce(published_at, fetched_at), 1, 10), count(*) "
        "from articles group by 1",
    )  # fmt: skip
    assert {r["day"]: int(r["archived"]) for r in overall} == dict(archived)
    for r in overall:
        share = 100 * int(r["matching"]) / int(r["archived"])
        assert float(r["per_100_archived"]) == pytest.approx(share, abs=0.01)
    by_language = {r["value"] for r in lines if r["by"] == "language" and int(r["matching"])}
    assert {v[:2] for v in by_language} >= {"en", "zh"}
    groups = [r for r in lines if r["by"] == "source_group"]
    assert sum(int(r["matching"]) for r in groups) == len(found)
    plain = attention_csv(server, q="哪吒", mode="plain")
    assert sum(int(r["matching"]) for r in plain if r["by"] == "all") < len(found)
    status, page = get(url(server, "/-/culturewatch/attention", q="哪吒"))
    assert status == 200 and page.count('"$schema"') == 4 and "vega-lite.min.js" in page
    assert "Matching articles per day, by source group" in page and "format=csv" in page
    assert get(url(server, "/-/culturewatch/attention", q="x", days="0"))[0] == 400
    assert get(url(server, "/-/culturewatch/attention", q="a " * 600))[0] == 400
    _, page = get(url(server, f"{DB}/search", q="哪吒"))
    assert 'href="/-/culturewatch/attention?q=%E5%93%AA%E5%90%92"' in page


def test_the_dashboard_speaks_in_theme_and_group_names(server: str) -> None:
    from test_front import chart

    counts = chart(server, "theme-count")
    assert counts and "Chinese films and games abroad" in {r["theme"] for r in counts}
    assert not {r["theme"] for r in counts} & {"films_games", "soft_power_diplomacy"}
    shares = chart(server, "theme-share", theme="Chinese films and games abroad")
    assert {r["theme"] for r in shares} == {"Chinese films and games abroad"}
    groups = {r["source_group"] for r in chart(server, "group-share")}
    assert "International media" in groups and "international" not in groups


# ---------------------------------------------------------------------------- 6: alerts, mutes
class Session:
    """A browser's part: Datasette's CSRF cookie and token from a page, then form POSTs with
    the cookie, the token and this server's Origin (redirects not followed)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()]
        self.opener = urllib.request.build_opener(*handlers)
        with self.opener.open(base + "/-/culturewatch/mutes", timeout=30) as response:
            page = response.read().decode("utf-8")
        self.token = re.search(r'name="csrftoken" value="([^"]+)"', page)[1]

    def post(self, path: str, origin: str | None = None, **form: str) -> tuple[int, str]:
        data = urllib.parse.urlencode({"csrftoken": self.token, **form}).encode()
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Origin": origin or self.base}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def post_bare(base: str, path: str, **form: str) -> int:
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(base + path, data=data, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code


def test_alerts_and_mutes_are_written_only_as_labels_are(archive: Path, server: str) -> None:
    form = {"name": "nezha-web", "query": "哪吒", "frequency": "daily", "email": "a@example.org"}
    assert post_bare(server, "/-/culturewatch/alerts", **form) == 403  # no CSRF cookie
    session = Session(server)
    elsewhere = "http://127.0.0.1:9"  # another port of this machine: another origin
    assert session.post("/-/culturewatch/alerts", origin=elsewhere, **form)[0] == 403
    assert session.post("/-/culturewatch/mutes", origin=elsewhere, action="mute",
                        kind="term", value="x")[0] == 403  # fmt: skip
    assert session.post("/-/culturewatch/alerts", **{**form, "email": "nobody"})[0] == 400
    assert session.post("/-/culturewatch/alerts", **{**form, "frequency": "hourly"})[0] == 400
    assert session.post("/-/culturewatch/alerts", **{**form, "query": '"unclosed'})[0] == 400
    assert rows(archive, "select count(*) from saved_alerts") == [(0,)]
    assert session.post("/-/culturewatch/alerts", **form)[0] == 302
    assert rows(archive, "select name, query, frequency, email from saved_alerts") == [
        ("nezha-web", "哪吒", "daily", "a@example.org")
    ]
    _, page = get(server + "/-/culturewatch/mutes")
    assert "nezha-web" in page and "alerts.toml wins" in page
    assert get(f"{server}{DB}/saved_alerts.json")[0] == 200  # the person at the machine
    relayed = urllib.request.Request(
        f"{server}{DB}/saved_alerts.json", headers={"X-Forwarded-For": "203.0.113.9"}
    )  # through a proxy: not the person at the machine, and not signed in
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(relayed, timeout=30).close()
    with refused.value:
        assert refused.value.code == 403
    with closing(sqlite3.connect(archive)) as conn, conn:
        conn.execute("delete from saved_alerts")  # the next tests start with none


def digest_sources(db: Path) -> set[str]:
    """The sources of the entries of the digest of the day the demo was archived."""
    from storage.outputs.view import build_digest

    day = rows(db, "select max(substr(fetched_at, 1, 10)) from articles")[0][0]
    with closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        digest = build_digest(
            conn, date.fromisoformat(day), tz=ZoneInfo("UTC"), labels={}, max_age_days=30
        )
    return {e.source for e in digest.entries}


def test_a_muted_source_or_term_leaves_the_front_page_and_the_digest(
    archive: Path, server: str
) -> None:
    session = Session(server)
    _, front = get(server + "/")
    assert "demo-meridian" in front
    assert "demo-meridian" in digest_sources(archive)
    assert session.post("/-/culturewatch/mutes", action="mute", kind="source",
                        value="demo-meridian")[0] == 302  # fmt: skip
    _, front = get(server + "/")
    assert "demo-meridian" not in front.split('class="cw-glance"')[1]
    _, page = get(server + "/-/culturewatch/mutes")
    assert '<strong class="cw-muted">demo-meridian</strong>' in page
    _, table = get(url(server, f"{DB}/articles", source="demo-meridian"))
    assert "demo-meridian" in table  # the tables show everything
    assert "demo-meridian" not in digest_sources(archive)
    assert session.post("/-/culturewatch/mutes", action="unmute", kind="source",
                        value="demo-meridian")[0] == 302  # fmt: skip
    _, front = get(server + "/")
    assert "demo-meridian" in front.split('class="cw-glance"')[1]
    assert session.post("/-/culturewatch/mutes", action="mute", kind="term",
                        value="ANIMATION Studios")[0] == 302  # fmt: skip
    assert rows(archive, "select kind, value from mutes") == [("term", "animation studios")]
    _, front = get(server + "/")
    assert "Chinese animation studios look abroad" not in front
    session.post("/-/culturewatch/mutes", action="unmute", kind="term", value="animation studios")
    assert rows(archive, "select count(*) from mutes") == [(0,)]


def test_mute_rules_agree_in_python_and_sql() -> None:
    mutes = Mutes(frozenset({"evil"}), ("ne zha",))
    clause, params = mute_clause(mutes)
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("create table articles (source, title, text)")
        cases = [("evil", "x", "y"), ("good", "Ne Zha 2", ""), ("good", "", "about NE ZHA"),
                 ("good", "Nezha", "hanfu"), ("good", None, None)]  # fmt: skip
        conn.executemany("insert into articles values (?, ?, ?)", cases)
        kept = conn.execute(f"select * from articles a where 1{clause}", params).fetchall()
    assert kept == [c for c in cases if not is_muted(mutes, *c)] == cases[3:]
    assert mute_clause(Mutes()) == ("", [])


def test_saved_alerts_run_beside_the_toml_ones_which_win(archive: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from support import write_settings
    from support.mailbox import Mailbox

    from crawler.cli import cli
    from storage.saved_alerts import add_mute, save_alert

    with closing(sqlite3.connect(archive)) as conn, conn:
        save_alert(conn, "wire", "animation", "after_crawl", email="b@example.org",
                   webhook=None, by="test")  # fmt: skip
        save_alert(conn, "clash", "哪吒", "daily", email="c@example.org", webhook=None, by="t")
        save_alert(conn, "muted", "nishan", "daily", email="d@example.org", webhook=None, by="t")
        add_mute(conn, "term", "Nishan Forum", by="test")  # its one article: nothing to send
    config = tmp_path / "config"
    write_settings(config)
    try:
        with Mailbox() as box:
            (config / "alerts.toml").write_text(
                f'[smtp]\nhost = "127.0.0.1"\nport = {box.port}\nfrom = "cw <cw@example.org>"\n'
                f'security = "none"\n[delivery]\nbackoff = 0.01\nfeeds = "{tmp_path / "f"}"\n'
                '[[alerts]]\nname = "clash"\nquery = "hanfu"\nfrequency = "daily"\n'
                'email = ["a@example.org"]\n',
                encoding="utf-8",
            )
            result = CliRunner().invoke(
                cli, ["alerts", "run", "--config", str(config), "--db", str(archive)]
            )
            assert result.exit_code == 0, result.output
            assert result.stderr.count("warning:") == 1
            assert "saved alert 'clash' is left out" in result.stderr
            assert "alerts.toml has an alert of that name, which wins" in result.stderr
            assert "wire -> email:b@example.org: sent" in result.stdout
            assert "muted -> email:d@example.org: nothing new" in result.stdout
            sent = {m["To"]: m for m in box.messages}
            assert set(sent) == {"a@example.org", "b@example.org"}
            assert "animation" in sent["b@example.org"].get_body(("plain",)).get_content().lower()
    finally:
        with closing(sqlite3.connect(archive)) as conn, conn:
            conn.execute("delete from saved_alerts")
            conn.execute("delete from mutes")
