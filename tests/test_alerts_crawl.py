"""Alerts after real crawls of the fixture sites: ``culturewatch alerts run`` after
``culturewatch crawl``, and the scheduler firing an ``after_crawl`` alert after its crawl.

The fixture news site has one story on 哪吒 (in Chinese); a second outlet of our own
(a feed on another port) carries an English one on Ne Zha, and later a third.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support import FixtureServer, crawl_cli, write_settings, write_sources
from support.mailbox import Mailbox, WebhookReceiver
from support.outlet import publish
from test_schedule import (  # noqa: F401 - the fixture stops a scheduler a failed test left
    _no_scheduler_left_behind,
    make_config,
    rows,
    start_scheduler,
    stop,
    wait_for,
)

from crawler.cli import cli

STORIES = {
    "/film/ne-zha-sydney.html": (
        "Ne Zha 2 draws families to cinemas in Sydney",
        [
            "The animated Chinese film Ne Zha 2 opened in Sydney this week, and several "
            "cinemas added late screenings after the first weekend sold out.",
            "Distributors said the subtitled version did better than expected with audiences "
            "who had never seen the first film, and the dubbed one with families.",
            "Critics praised the battle scenes and the score, while some viewers said the "
            "many figures from Chinese mythology took a second viewing to follow.",
        ],
    ),
    "/food/winter-stew.html": (
        "A slow winter stew for a rainy weekend",
        [
            "This stew needs little more than onions, carrots, a good stock and time; it "
            "gets better on the second day, when the flavours have settled together.",
            "Brown the vegetables well before the stock goes in, keep the pot at a low "
            "simmer for two hours, and season only at the very end of the cooking.",
        ],
    ),
    "/film/nezha-record.html": (
        "Ne Zha 2 sets a record for an animated film overseas",
        [
            "Ne Zha 2 became the highest-earning animated film of the year outside its home "
            "market, according to figures released by its distributor on Monday.",
            "Analysts said word of mouth among overseas Chinese communities carried the "
            "film into mainstream cinemas in North America, Australia and Southeast Asia.",
            "Its success has renewed talk of Chinese studios planning more releases abroad, "
            "though most said one hit does not yet make a trend for the industry.",
        ],
    ),
}


def publish_stories(outlet: FixtureServer, paths: list[str]) -> None:
    """The outlet's pages of *paths* and an RSS feed listing them."""
    publish(outlet, {path: STORIES[path] for path in paths})


ALERTS = """
[smtp]
host = "127.0.0.1"
port = {port}
from = "culturewatch <alerts@example.org>"
security = "none"

[delivery]
backoff = 0.01

[[alerts]]
name = "nezha"
query = '哪吒 OR "Ne Zha"'
frequency = "after_crawl"
email = ["analyst@example.org"]
webhook = "{hook}"
"""


def alerts_run(config: Path, db: Path) -> str:
    result = CliRunner().invoke(cli, ["alerts", "run", "--config", str(config), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_an_alert_mails_the_new_matching_stories_after_each_crawl_and_nothing_more(
    news_server, tmp_path: Path
) -> None:
    _srv, site = news_server
    config, db = tmp_path / "config", tmp_path / "archive.db"
    with (
        FixtureServer(host="127.0.0.1") as outlet,
        Mailbox() as box,
        WebhookReceiver([500]) as hook,
    ):
        publish_stories(outlet, ["/film/ne-zha-sydney.html", "/food/winter-stew.html"])
        write_settings(
            config, allow_private_networks=True, digest={"out": str(tmp_path / "digests")}
        )
        sources = write_sources(
            config / "sources.toml",
            [
                {"name": "site-atom", "url": site.feeds["atom"], "kind": "feed"},
                {"name": "outlet", "url": outlet.url("/feed.xml"), "kind": "feed"},
            ],
        )
        (config / "alerts.toml").write_text(
            ALERTS.format(port=box.port, hook=hook.url), encoding="utf-8"
        )
        assert crawl_cli(config, sources, db, "--allow-private-networks").returncode == 0
        out = alerts_run(config, db)
        assert "email:analyst@example.org: sent 2 stories" in out, out
        (message,) = box.messages
        text = message.get_body(("plain",)).get_content()
        assert site.article("nezha").title in text  # 哪吒, from the Chinese page
        assert "Ne Zha 2 draws families to cinemas in Sydney" in text
        assert "winter stew" not in text and site.article("chunjie").title not in text
        assert len(hook.accepted) == 1 and hook.accepted[0]["story_count"] == 2  # once, after a 500

        assert "nothing new" in alerts_run(config, db)  # a second run: nothing new
        assert len(box.messages) == 1 and len(hook.accepted) == 1

        publish_stories(outlet, [*STORIES])  # and a third story
        assert crawl_cli(config, sources, db, "--allow-private-networks").returncode == 0
        alerts_run(config, db)
        assert len(box.messages) == 2 and len(hook.accepted) == 2
        text = box.messages[1].get_body(("plain",)).get_content()
        assert "sets a record" in text and "1 new story" in text
        assert "cinemas in Sydney" not in text and site.article("nezha").title not in text
    feed = (tmp_path / "digests" / "alerts" / "nezha.xml").read_text(encoding="utf-8")
    assert feed.count("<entry>") == 3


@pytest.mark.slow
def test_the_scheduler_fires_an_after_crawl_alert_after_its_crawl(
    news_server, tmp_path: Path
) -> None:
    _srv, site = news_server
    with Mailbox() as box, WebhookReceiver() as hook:
        config = make_config(tmp_path, [site.feeds["atom"]], digest="0 7 * * *")
        (config / "alerts.toml").write_text(
            ALERTS.format(port=box.port, hook=hook.url), encoding="utf-8"
        )
        db = tmp_path / "archive.db"
        proc = start_scheduler(config, db, "--run-now")
        wait_for(lambda: rows(db, "select 1 from jobs where job = 'alerts' and ended_at"), proc)
        code, log = stop(proc)
        assert code == 0, log
        assert "Traceback" not in log
        jobs = rows(db, "select job, status, detail from jobs order by id")
        crawl = next(i for i, j in enumerate(jobs) if j["job"] == "crawl" and j["status"] == "ok")
        alerts = next(i for i, j in enumerate(jobs) if j["job"] == "alerts")
        assert crawl < alerts and jobs[alerts]["status"] == "ok", jobs
        assert "after_crawl: 2 sent, 1 written" in jobs[alerts]["detail"]
        (message,) = box.messages
        assert site.article("nezha").title in message.get_body(("plain",)).get_content()
        assert len(hook.accepted) == 1


def test_schedule_list_shows_the_daily_and_weekly_alerts(tmp_path: Path) -> None:
    config = make_config(tmp_path, ["http://127.0.0.1:9/feed.xml"])
    (config / "alerts.toml").write_text(
        '[schedule]\ndaily = "30 6 * * *"\n\n'
        '[[alerts]]\nname = "d"\nquery = "hanfu"\nfrequency = "daily"\n\n'
        '[[alerts]]\nname = "n"\nquery = "哪吒"\nfrequency = "after_crawl"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["schedule", "--list", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == [
        "crawl",
        "digest",
        "alerts-daily",
        "alerts-weekly",
    ]
    assert lines[3].endswith("run the weekly alerts (none yet)")  # one saved later still runs
    assert "then 1 after_crawl alert" in lines[0]
    assert lines[2].split()[1:6] == ["30", "6", "*", "*", "*"] and "T06:30:00" in lines[2]
