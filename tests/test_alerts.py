"""Alerts: a real SMTP server on loopback (aiosmtpd) and a local webhook receiver get what
``culturewatch alerts run`` sends, exactly once per target across failures, retries and
reruns; the archive records it; hostile article text reaches nobody unescaped."""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from support import write_settings, write_sources
from support.mailbox import Mailbox, WebhookReceiver, free_port

from crawler.cli import cli
from storage.archive import Archive
from storage.stories import move_to_story

REPO = Path(__file__).resolve().parents[1]
NOW = datetime.now(UTC).isoformat(timespec="seconds")
HOSTILE = 'Ne Zha <script>alert("x")</script> & <!channel> \u202efdp.exe'

ARTICLES = [
    # (key, source, language, title, text, relevance, themes)
    ("zh", "xinhua-zh", "zh", "动画电影《哪吒之魔童闹海》走进海外影院", "哪吒的故事在海外上映。", 0.9, ["films_games"]),
    ("zh-copy", "people-zh", "zh", "《哪吒之魔童闹海》走进海外影院", "哪吒的故事在海外上映，观众很多。", 0.8, ["films_games"]),
    ("en", "scmp", "en", "Ne Zha 2 tops the box office abroad", "The animated film drew crowds.", 0.7, ["films_games"]),
    ("hostile", "evil", "en", HOSTILE, 'Nezha fans <img src=x onerror=alert(1)> wrote.', 0.6, ["films_games"]),
    ("other", "scmp", "en", "Hanfu at the spring fair", "Young people wore hanfu.", 0.8, ["traditional_revival_nationalism"]),
    ("low", "blog", "en", "A Nezha mention", "In passing, Nezha.", 0.1, []),
]  # fmt: skip


def add_article(
    db: Path,
    key: str,
    source: str,
    language: str,
    title: str,
    text: str,
    relevance: float,
    themes: list[str],
    fetched_at: str = NOW,
) -> int:
    with Archive(db) as archive:
        article_id, _ = archive.upsert_article(
            {
                "url": f"https://{source}.example/{key}",
                "title": title,
                "text": text,
                "source": source,
                "language": language,
                "fetched_at": fetched_at,
                "published_at": fetched_at,
                "relevance": relevance,
                "relevant": int(relevance >= 0.5),
                "themes": themes,
            }
        )
    return article_id


def make_archive(db: Path) -> Path:
    """The ARTICLES in a new archive *db*, the two Chinese copies one story."""
    ids = {a[0]: add_article(db, *a) for a in ARTICLES}
    with Archive(db) as a, a.transaction():
        move_to_story(a.db, ids["zh-copy"], ids["zh"])  # one story, two outlets
    return db


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive.db")


def write_alerts(config: Path, text: str) -> Path:
    write_settings(config)
    path = config / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def smtp_table(box: Mailbox, **extra: str) -> str:
    lines = ["[smtp]", 'host = "127.0.0.1"', f"port = {box.port}", 'from = "cw <cw@example.org>"']
    lines.append(f'security = "{extra.pop("security", "none")}"')
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def mail_alert(box: Mailbox, tmp_path: Path, smtp: str | None = None) -> str:
    """The Nezha alert mailing a@example.org through *box*."""
    return (
        (smtp or smtp_table(box))
        + NEZHA.format(feeds=tmp_path / "f")
        + 'email = ["a@example.org"]\n'
    )


NEZHA = """
[delivery]
backoff = 0.01
feeds = "{feeds}"

[[alerts]]
name = "nezha"
query = '哪吒 OR "Ne Zha"'
frequency = "after_crawl"
min_relevance = 0.3
"""


def run(config: Path, db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["alerts", "run", "--config", str(config), "--db", str(db), *args]
    )
    return result.exit_code, result.output


def rows(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


# --------------------------------------------------------------------------- e-mail
def test_one_email_per_address_listing_stories_then_nothing_until_something_new(
    archive: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    with Mailbox() as box:
        write_alerts(
            config,
            smtp_table(box)
            + NEZHA.format(feeds=tmp_path / "feeds")
            + 'email = ["a@example.org", "b@example.org"]\n',
        )
        code, out = run(config, archive)
        assert code == 0, out
        assert len(box.messages) == 2 and sorted(r for rs in box.recipients for r in rs) == [
            "a@example.org",
            "b@example.org",
        ]
        message = box.messages[0]
        assert message["Subject"] == "culturewatch alert nezha: 3 new stories"
        assert message.get_content_type() == "multipart/alternative"
        text, html = parts(message)
        # the two Chinese copies are one story: listed once, the other outlet beside it
        assert text.count("哪吒之魔童闹海") == 1 and "Also carried by: people-zh" in text
        assert "Ne Zha 2 tops the box office abroad" in text and "Hanfu" not in text
        assert "A Nezha mention" not in text  # under min_relevance
        assert 'href="https://xinhua-zh.example/zh"' in html
        assert message["Message-ID"].startswith("<alert-")

        code, out = run(config, archive)  # nothing new
        assert code == 0 and "nothing new" in out
        assert len(box.messages) == 2

        add_article(archive, "en2", "bbc", "en", "Nezha keeps climbing", "Ne Zha 2 again.", 0.7, [])
        code, out = run(config, archive, "--name", "nezha")
        assert code == 0, out
        assert len(box.messages) == 4
        text, _ = parts(box.messages[-1])
        assert "Nezha keeps climbing" in text and "tops the box office" not in text
    sends = rows(archive, "select * from alert_sends where status = 'sent' order by rowid")
    assert [(s["target"], s["stories"]) for s in sends] == [
        ("email:a@example.org", 3),
        ("email:b@example.org", 3),
        ("email:a@example.org", 1),
        ("email:b@example.org", 1),
    ]


def test_hostile_article_text_is_escaped_in_every_part(archive: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    with Mailbox() as box:
        write_alerts(config, mail_alert(box, tmp_path))
        assert run(config, archive)[0] == 0
    text, html = parts(box.messages[0])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "onerror" in html  # shown as text, never as markup
    assert "\u202e" not in text and "\u202e" not in html.replace("&#8238;", "")
    assert "<!channel>" in text  # plain text is not markup: shown as typed, on one line
    assert "culturewatch alert nezha" in box.messages[0]["Subject"]
    feed = (tmp_path / "f" / "nezha.xml").read_text(encoding="utf-8")
    entries = ET.fromstring(feed).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 3
    summaries = [e.find("{http://www.w3.org/2005/Atom}summary").text for e in entries]
    assert all("<img" not in s and "<script" not in s for s in summaries)


def test_a_refused_message_is_recorded_and_sent_by_the_next_run_only(
    archive: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    with Mailbox(fail_first=1) as box:
        write_alerts(config, mail_alert(box, tmp_path))
        code, out = run(config, archive)
        assert code == 1 and "FAILED" in out and "451" in out
        assert box.messages == []
        listed = CliRunner().invoke(
            cli, ["alerts", "--list", "--config", str(config), "--db", str(archive)]
        )
        assert listed.exit_code == 0 and "451" in listed.output and "never" in listed.output
        assert rows(archive, "select count(*) as n from alert_items")[0]["n"] == 0  # freed
        code, out = run(config, archive)
        assert code == 0, out
        code, _ = run(config, archive)
        assert code == 0
        assert len(box.messages) == 1 and box.attempts == 2
    listed = CliRunner().invoke(
        cli, ["alerts", "--list", "--config", str(config), "--db", str(archive)]
    )
    assert "never" not in listed.output and NOW[:10] in listed.output
    (status,) = rows(archive, _canned_query("alert_deliveries"))
    assert status["sends"] == 1 and status["failures"] == 1 and "451" in status["last_error"]
    assert status["last_delivery"] >= NOW


def _canned_query(name: str) -> str:
    meta = yaml.safe_load((REPO / "config" / "metadata.yml").read_text(encoding="utf-8"))
    query = meta["databases"]["culturewatch"]["queries"][name]
    assert query["title"] and query["description"]
    return query["sql"]


def _tls_contexts(tmp_path: Path):
    trustme = pytest.importorskip("trustme")
    import ssl

    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return server, ca_file


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # TLS from the start
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_login_from_environment_variables_over_tls(
    archive: Path, tmp_path: Path, monkeypatch, security: str
) -> None:
    server, ca_file = _tls_contexts(tmp_path)
    config = tmp_path / "config"
    implicit = security == "tls"
    with Mailbox(login=("desk", "s3cret"), tls=server, implicit_tls=implicit) as box:
        table = smtp_table(
            box, security=security, user_env="CW_USER", password_env="CW_PASS", ca_file=str(ca_file)
        )
        write_alerts(config, mail_alert(box, tmp_path, table))
        code, out = run(config, archive)  # the variables are not set: a one-line error
        assert code == 1 and "CW_USER" in out and box.messages == []
        monkeypatch.setenv("CW_USER", "desk")
        monkeypatch.setenv("CW_PASS", "s3cret")
        code, out = run(config, archive)
        assert code == 0, out
        assert box.logins == ["desk"] and len(box.messages) == 1
    assert "s3cret" not in (config / "alerts.toml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- webhooks
def webhook_alert(
    hook: WebhookReceiver, tmp_path: Path, *, shape: str = "json", retries: int = 2
) -> str:
    return (
        NEZHA.format(feeds=tmp_path / "f").replace(
            "backoff = 0.01", f"backoff = 0.01\nretries = {retries}"
        )
        + f'webhook = "{hook.url}"\nwebhook_format = "{shape}"\n'
    )


def test_a_webhook_that_fails_once_receives_the_payload_exactly_once(
    archive: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    with WebhookReceiver([500]) as hook:
        write_alerts(config, webhook_alert(hook, tmp_path))
        code, out = run(config, archive)
        assert code == 0, out
        assert [r[0] for r in hook.requests] == [500, 200]
        assert len(hook.accepted) == 1
        keys = {r[1]["idempotency-key"] for r in hook.requests}
        assert len(keys) == 1  # the retry is the same delivery
        body = hook.accepted[0]
        assert body["alert"] == "nezha" and body["story_count"] == 3
        story = next(s for s in body["stories"] if s["source"] == "xinhua-zh")
        assert [o["source"] for o in story["outlets"]] == ["xinhua-zh", "people-zh"]
        assert body["delivery_id"] == keys.pop()
        hostile = next(s for s in body["stories"] if s["source"] == "evil")
        assert "<script>" in hostile["title"] and "\u202e" not in hostile["title"]  # data, inert
        assert run(config, archive)[0] == 0  # a rerun: nothing new, nothing sent
        assert len(hook.requests) == 2
    (send,) = rows(archive, "select * from alert_sends")
    assert send["status"] == "sent" and send["attempts"] == 2
    assert send["target"].startswith("webhook:http://127.0.0.1:") and "/hook" not in send["target"]


def test_a_send_is_recorded_even_when_the_archive_is_locked_just_after_it(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer holds the archive while the webhook answers, longer than the alerts'
    busy timeout: the send is still recorded as sent, so no later run sends it again."""
    import threading

    import crawler.outputs.alert_runs

    monkeypatch.setattr(crawler.outputs.alert_runs, "BUSY_TIMEOUT", 0.2)
    held: list[sqlite3.Connection] = []

    def lock_the_archive() -> None:
        conn = sqlite3.connect(archive, check_same_thread=False, isolation_level=None)
        conn.execute("begin immediate")
        held.append(conn)
        threading.Timer(1.5, lambda: (conn.execute("commit"), conn.close())).start()

    config = tmp_path / "config"
    with WebhookReceiver() as hook:
        hook.on_post = lock_the_archive
        write_alerts(config, webhook_alert(hook, tmp_path))
        code, out = run(config, archive)
        assert code == 0, out
        hook.on_post = None
        assert held and len(hook.accepted) == 1
        assert run(config, archive)[0] == 0  # later: nothing new, nothing sent again
        assert len(hook.requests) == 1
    (send,) = rows(archive, "select * from alert_sends")
    assert send["status"] == "sent"


def test_a_webhook_down_for_a_whole_run_gets_it_once_from_the_next(
    archive: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    with WebhookReceiver([503, 500, 502]) as hook:
        write_alerts(config, webhook_alert(hook, tmp_path))
        code, out = run(config, archive)
        assert code == 1 and "3 attempts" in out and hook.accepted == []
        assert run(config, archive)[0] == 0
        assert run(config, archive)[0] == 0
        assert len(hook.accepted) == 1 and len(hook.requests) == 4
        assert hook.accepted[0]["story_count"] == 3


def test_slack_shape_escapes_mentions_and_markup(archive: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    with WebhookReceiver() as hook:
        write_alerts(config, webhook_alert(hook, tmp_path, shape="slack"))
        assert run(config, archive)[0] == 0
    (body,) = hook.accepted
    assert body["text"].startswith("culturewatch alert nezha: 3 new stories")
    sections = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert len(sections) == 3
    hostile = next(s for s in sections if "fdp.exe" in s)
    assert "<!channel>" not in hostile and "&lt;!channel&gt;" in hostile
    assert "<script>" not in hostile and "\u202e" not in hostile
    assert "<https://evil.example/hostile|" in hostile  # the only link: the article's own


def test_one_failing_alert_never_stops_another(archive: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    dead = f"http://127.0.0.1:{free_port()}/nobody"
    with Mailbox() as box:
        text = smtp_table(box) + NEZHA.format(feeds=tmp_path / "f").replace(
            "backoff = 0.01", "backoff = 0.01\nretries = 0"
        )
        text += f'webhook = "{dead}"\n'
        text += '\n[[alerts]]\nname = "hanfu"\nquery = "hanfu"\nfrequency = "daily"\n'
        text += 'email = ["a@example.org"]\n'
        write_alerts(config, text)
        code, out = run(config, archive)
    assert code == 1 and "nezha -> webhook:" in out and "FAILED" in out
    assert "hanfu -> email:a@example.org: sent 1 story" in out
    assert len(box.messages) == 1


def test_dry_run_sends_and_writes_nothing(archive: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    with WebhookReceiver() as hook:
        write_alerts(config, webhook_alert(hook, tmp_path))
        code, out = run(config, archive, "--dry-run")
        assert code == 0 and "would send 3 stories, 4 articles" in out
        assert hook.requests == []
    assert rows(archive, "select count(*) as n from alert_sends")[0]["n"] == 0
    assert not (tmp_path / "f").exists()


def test_filters_languages_themes_and_a_new_copy_of_a_sent_story(
    archive: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    with WebhookReceiver() as hook:
        text = webhook_alert(hook, tmp_path) + 'languages = ["zh"]\nthemes = ["films_games"]\n'
        write_alerts(config, text)
        assert run(config, archive)[0] == 0
        (body,) = hook.accepted
        assert [s["source"] for s in body["stories"]] == ["xinhua-zh"]
        # a third outlet carries the story already sent: not sent again
        late = add_article(
            archive, "zh-3", "cctv", "zh", "哪吒海外", "哪吒上映。", 0.9, ["films_games"]
        )
        with Archive(archive) as a, a.transaction():
            first = rows(archive, "select story_id from articles where source = 'xinhua-zh'")
            move_to_story(a.db, late, first[0]["story_id"])
        assert run(config, archive)[0] == 0
        assert len(hook.accepted) == 1


def test_filters_source_groups(archive: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    with Archive(archive) as a, a.transaction():  # as the m009 triggers copy a source's group
        a.db.execute("update articles set source_group = 'state_media' where source = 'xinhua-zh'")
    with WebhookReceiver() as hook:
        write_alerts(config, webhook_alert(hook, tmp_path) + 'groups = ["state_media"]\n')
        assert run(config, archive)[0] == 0
        (body,) = hook.accepted
    assert {s["source"] for s in body["stories"]} == {"xinhua-zh"}


def test_an_interrupted_send_goes_again_under_its_own_id(archive: Path, tmp_path: Path) -> None:
    from storage.alert_state import claim

    config = tmp_path / "config"
    long_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="seconds")
    with Archive(archive) as a, a.transaction():
        (zh,) = rows(archive, "select id from articles where source = 'xinhua-zh'")
        send_id = claim(
            a.db,
            alert="nezha",
            target="email:a@example.org",
            article_ids=[zh["id"]],
            stories=1,
            now=long_ago,
        )
    with Mailbox() as box:
        write_alerts(config, mail_alert(box, tmp_path))
        assert run(config, archive)[0] == 0
    assert [m["Message-ID"].split("@")[0] for m in box.messages][0] == f"<alert-{send_id}"
    assert len(box.messages) == 2  # the interrupted one again, then the rest, once each
    first, second = (parts(m)[0] for m in box.messages)
    assert "哪吒之魔童闹海" in first and "哪吒之魔童闹海" not in second
    statuses = rows(archive, "select status from alert_sends")
    assert [s["status"] for s in statuses] == ["sent", "sent"]


def test_an_interrupted_send_is_taken_over_by_one_run_only(archive: Path) -> None:
    from storage.alert_state import claim, take_over

    now = datetime.now(UTC)
    long_ago = (now - timedelta(hours=2)).isoformat(timespec="seconds")
    before = (now - timedelta(minutes=30)).isoformat(timespec="seconds")
    with Archive(archive) as a, a.transaction():
        (zh,) = rows(archive, "select id from articles where source = 'xinhua-zh'")
        send_id = claim(
            a.db, alert="nezha", target="email:a@example.org", article_ids=[zh["id"]],
            stories=1, now=long_ago,
        )  # fmt: skip
    stamp = now.isoformat(timespec="seconds")
    with Archive(archive) as a:
        with a.transaction():
            first = take_over(a.db, send_id, before=before, now=stamp)
        with a.transaction():  # a second run at the same moment finds it taken
            second = take_over(a.db, send_id, before=before, now=stamp)
    assert (first, second) == (True, False)


def test_two_runs_at_once_send_each_story_once(archive: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from crawler.outputs.alert_runs import run_alerts
    from crawler.outputs.alerts_plan import AlertsPlan

    config = tmp_path / "config"
    with WebhookReceiver(delay=0.5) as hook:  # the first run is still sending when ...
        write_alerts(config, webhook_alert(hook, tmp_path))
        plan = AlertsPlan.from_config(config_dir_path=config, db=archive)
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(run_alerts, plan)
            second = pool.submit(run_alerts, plan)  # ... the second one looks
            outcomes = [o.status for o in first.result() + second.result() if o.target != "feed"]
    assert sorted(outcomes) == ["nothing", "sent"]
    assert len(hook.accepted) == 1 and hook.accepted[0]["story_count"] == 3


# --------------------------------------------------------------------------- configuration
def test_the_shipped_alerts_file_loads_and_documents_every_key() -> None:
    from crawler.config.alerts import (
        ALERT_FIELDS,
        DELIVERY_FIELDS,
        SCHEDULE_FIELDS,
        SMTP_FIELDS,
        load_alerts,
    )

    path = REPO / "config" / "alerts.toml"
    assert load_alerts(path).alerts == ()
    text = path.read_text(encoding="utf-8")
    for fields in (ALERT_FIELDS, DELIVERY_FIELDS, SCHEDULE_FIELDS, SMTP_FIELDS):
        for key in fields:
            assert f"# {key} = " in text, f"{key} is not documented in config/alerts.toml"
    # its examples, uncommented, are a valid file
    example = "\n".join(
        line[2:] if re.match(r"# (\[|[a-z_]+ = )", line) else line for line in text.splitlines()
    )
    from crawler.config import load_themes
    from crawler.outputs.alerts_plan import theme_concepts

    loaded = load_alerts_text(example, theme_concepts(load_themes(REPO / "config" / "themes.toml")))
    assert [a.name for a in loaded.alerts] == ["nezha", "hanfu-weekly"]


def load_alerts_text(text: str, concepts):
    import tempfile

    from crawler.config.alerts import load_alerts

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "alerts.toml"
        path.write_text(text, encoding="utf-8")
        return load_alerts(path, concepts)


ALERT = '[[alerts]]\nname = "a"\nquery = "hanfu"\nfrequency = "daily"\nwebhook = "https://x.example/h"\n'


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        (ALERT.replace('"daily"', '"hourly"'), ":1: 'frequency'"),
        (ALERT + 'email = ["a@example.org"]\n', "no [smtp]"),
        ('[smtp]\nhost = "h"\nfrom = "a@b.org"\nuser_env = "hunter2 pass"\npassword_env = "P"\n', "'smtp.user_env'"),
        ('[smtp]\nhost = "h"\nfrom = "a@b.org"\nsecurity = "ssl"\n', ":1: 'smtp.security'"),
        ('[smtp]\nhost = "h"\nfrom = "not an address"\n', "'smtp.from'"),
        (ALERT.replace("https://x.example/h", "ftp://x.example/h"), "'webhook'"),
        (ALERT + 'themes = ["films"]\n', "'themes'"),
        (ALERT + 'groups = ["tabloids"]\n', "'groups' has 'tabloids'"),
        (ALERT.replace('"hanfu"', '"哪吒 OR"'), "'query'"),
        (ALERT + "\n" + ALERT, ":7: duplicate name 'a'"),
        ('[schedule]\nweekly = "0 7 * *"\n', "'schedule.weekly'"),
        ("\n\n" + ALERT + "min_relevance = 2\n", ":3: 'min_relevance'"),
        ('[[alerts]]\nname = "b"\nquery = "x"\nfrequency = "daily"\nfeed = false\n', "delivers nowhere"),
    ],
)  # fmt: skip
def test_a_bad_alerts_file_is_one_line_and_exit_status_2(
    tmp_path: Path, text: str, where: str
) -> None:
    config = tmp_path / "config"
    write_alerts(config, text)
    write_sources(
        config / "sources.toml", [{"name": "a", "url": "https://a.example/f", "kind": "feed"}]
    )
    for args in (["alerts", "run"], ["alerts", "--list"], ["schedule", "--list"]):
        result = CliRunner().invoke(cli, [*args, "--config", str(config)])
        lines = result.output.strip().splitlines()
        assert result.exit_code == 2, (args, result.output)
        assert len(lines) == 1 and "alerts.toml" in lines[0] and where in lines[0], lines


def test_no_alerts_file_is_no_alerts(tmp_path: Path, archive: Path) -> None:
    config = tmp_path / "config"
    write_settings(config)
    code, out = run(config, archive)
    assert code == 0 and "no alerts in" in out


# --------------------------------------------------------------------------- alerts.toml numbers
def numeric_alert_keys() -> list[tuple[str, str, type | tuple[type, ...]]]:
    """Every numeric key of alerts.toml, read from its schema: (key as in messages, the
    file's text before the key, type)."""
    from crawler.config.alerts import ALERT_FIELDS, DELIVERY_FIELDS, SMTP_FIELDS

    smtp = '[smtp]\nhost = "h"\nfrom = "a@b.org"\nsecurity = "none"\n'
    tables = (("smtp.", smtp, SMTP_FIELDS), ("delivery.", "[delivery]\n", DELIVERY_FIELDS))
    tables += (("", ALERT, ALERT_FIELDS),)
    keys = []
    for prefix, before, fields in tables:
        for key, (typ, *_rest) in fields.items():
            types = typ if isinstance(typ, tuple) else (typ,)
            if bool not in types and {int, float} & set(types):
                keys.append((prefix + key, before, typ))
    return keys


def test_every_number_in_alerts_toml_has_finite_bounds() -> None:
    import math

    from crawler.config.alerts import ALERTS_BOUNDS

    keys = numeric_alert_keys()
    assert len(keys) >= 6
    assert set(ALERTS_BOUNDS) == {key for key, _before, _typ in keys}
    for key, (_low, high) in ALERTS_BOUNDS.items():
        assert isinstance(high, (int, float)) and math.isfinite(high), key


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "over"])
def test_a_non_finite_or_huge_number_in_alerts_toml_is_one_line(tmp_path: Path, value: str) -> None:
    import math

    from crawler.config import ConfigError
    from crawler.config.alerts import ALERTS_BOUNDS, load_alerts

    path = tmp_path / "alerts.toml"
    for key, before, typ in numeric_alert_keys():
        name = key.rpartition(".")[2]
        high = ALERTS_BOUNDS[key][1]
        path.write_text(before + f"{name} = {high}\n", encoding="utf-8")
        load_alerts(path)  # the bound itself is allowed
        text = value
        if value == "over":
            types = typ if isinstance(typ, tuple) else (typ,)
            over = math.nextafter(float(high), math.inf) if float in types else int(high) + 1
            text = repr(over)
        path.write_text(before + f"{name} = {text}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_alerts(path)
        message = str(info.value)
        assert message.startswith(f"{path}:1: '{key}' must be "), message
        assert message.endswith(f", not {text}") and "\n" not in message, message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[delivery]\ntimeout = nan\n", ":1: 'delivery.timeout' must be a finite number"),
        ("[delivery]\ntimeout = inf\n", ":1: 'delivery.timeout' must be a finite number"),
        ("[delivery]\nlookback_days = 1000000000\n", "'delivery.lookback_days' must be at most"),
        ('[smtp]\nhost = "h"\nfrom = "a@b.org"\ntimeout = inf\n', "'smtp.timeout' must be a"),
        ("\n" + ALERT + "min_relevance = nan\n", ":2: 'min_relevance' must be a finite number"),
    ],
)
def test_alerts_commands_stop_on_a_non_finite_or_huge_number(
    tmp_path: Path, text: str, where: str
) -> None:
    config = tmp_path / "config"
    write_alerts(config, text)
    for args in (["alerts", "run"], ["alerts", "--list"]):
        result = CliRunner().invoke(cli, [*args, "--config", str(config)])
        lines = result.output.strip().splitlines()
        assert result.exit_code == 2, (args, result.output)
        assert len(lines) == 1 and "alerts.toml" in lines[0] and where in lines[0], lines
