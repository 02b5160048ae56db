"""Deliveries have a total deadline and read a bounded answer; re-sends keep their ids.

Servers on loopback that drip their answer (a webhook's status line, an SMTP server's
``250-`` lines on EHLO) end ``culturewatch alerts run`` within the attempt's deadline
(``delivery.timeout``, ``smtp.timeout``), where a per-read timeout never fired; a webhook's
huge answer is not read whole (measured in a subprocess); a message or a webhook call that
may have arrived (a timeout, a connection dropped before SMTP's final 250) is sent again by
the next run under the first attempt's Message-ID or Idempotency-Key.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support.mailbox import Dripping, Mailbox, WebhookReceiver
from test_alerts import (
    NEZHA,
    add_article,
    make_archive,
    parts,
    rows,
    run,
    smtp_table,
    write_alerts,
)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive.db")


def hook_alert(url: str, tmp_path: Path, *, timeout: float, retries: int = 0) -> str:
    delivery = f"backoff = 0.01\nretries = {retries}\ntimeout = {timeout}"
    return (
        NEZHA.format(feeds=tmp_path / "f").replace("backoff = 0.01", delivery)
        + f'webhook = "{url}"\n'
    )


def mail_alert(box: Mailbox | Dripping, tmp_path: Path, *, timeout: float) -> str:
    return (
        smtp_table(box)  # only its port is read: a Dripping server will do
        + f"timeout = {timeout}\n"
        + NEZHA.format(feeds=tmp_path / "f")
        + 'email = ["a@example.org"]\n'
    )


def timed_run(config: Path, db: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    code, out = run(config, db)
    return code, out, time.monotonic() - started


# --------------------------------------------------------------------------- deadlines
def test_a_dripping_webhook_ends_the_run_within_its_deadline(archive: Path, tmp_path: Path) -> None:
    """The webhook drips its status line, a byte every 0.5 s (a 1 s per-read timeout never
    fires, and the answer would take 19 s): each of the 2 attempts ends at its 1 s deadline
    (as the server saw them: the run itself may be slowed by a busy machine)."""
    config = tmp_path / "config"
    with Dripping("http", interval=0.5, limit=40) as hook:
        write_alerts(config, hook_alert(hook.url, tmp_path, timeout=1, retries=1))
        code, out, seconds = timed_run(config, archive)
    assert seconds < 15, f"the run took {seconds:.1f}s: {out}"
    assert len(hook.durations) == 2 and max(hook.durations) < 1 + 1, hook.durations
    assert code == 1 and "no complete answer within 1 s" in out, out
    assert "(2 attempts)" in out
    assert len(hook.requests) == 2
    assert len({headers["idempotency-key"] for headers, _body in hook.requests}) == 1
    (send,) = rows(archive, "select * from alert_sends")
    # the request went out and no answer came back: it may have arrived, so it keeps its id
    assert send["status"] == "failed" and "same id" in send["error"]
    assert rows(archive, "select count(*) as n from alert_items")[0]["n"] == 4


def test_a_dripping_smtp_server_ends_the_run_within_its_deadline(
    archive: Path, tmp_path: Path
) -> None:
    """The server answers EHLO with a ``250-`` line every 0.2 s, never the last one (it gives
    up after 30 s): the session ends at its 1 s deadline."""
    config = tmp_path / "config"
    with Dripping("smtp", interval=0.2, limit=30) as server:
        write_alerts(config, mail_alert(server, tmp_path, timeout=1))
        code, out, seconds = timed_run(config, archive)
    assert seconds < 15, f"the run took {seconds:.1f}s: {out}"
    assert len(server.durations) == 1 and server.durations[0] < 1 + 1, server.durations
    assert code == 1 and "no complete answer within 1 s" in out, out
    (send,) = rows(archive, "select * from alert_sends")
    assert send["status"] == "failed"
    # stuck at EHLO, the message never went out: its stories are free for the next send
    assert rows(archive, "select count(*) as n from alert_items")[0]["n"] == 0


_MEASURE = """
import json, resource, sys
from crawler.outputs.deliveries import post_json

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
attempts = post_json(sys.argv[1], {"stories": []}, delivery_id="d1", user_agent="t", timeout=30)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"attempts": attempts, "grew_kib": after - before}))
"""

HUGE = 256 * 1024 * 1024  # bytes of the answer
MEMORY_BOUND = 16 * 1024  # KiB the process may grow by while posting (it reads <= 256 KiB)


def test_a_huge_webhook_answer_is_not_read_whole(tmp_path: Path) -> None:
    """A 256 MiB answer: the delivery reads at most 64 KiB of its body (256 KiB in all), so
    the process grows by less than 16 MiB (it grew by the whole answer when it was read
    into memory)."""
    import json

    script = tmp_path / "measure.py"
    script.write_text(textwrap.dedent(_MEASURE), encoding="utf-8")
    with Dripping("huge", size=HUGE, limit=30) as hook:
        result = subprocess.run(
            [sys.executable, str(script), hook.url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["attempts"] == 1  # a 200 is accepted whatever follows it
    assert measured["grew_kib"] < MEMORY_BOUND, measured


# --------------------------------------------------------------------------- ids of re-sends
@pytest.mark.parametrize("how", ["dropped", "timeout"])
def test_a_resent_email_carries_the_first_attempts_message_id(
    archive: Path, tmp_path: Path, how: str
) -> None:
    """The server keeps the message, then drops the connection before its final 250 (or
    answers after the client's 1 s deadline): the next run sends it again under the same
    Message-ID, and what is new since in a message of its own."""
    config = tmp_path / "config"
    kwargs = {"drop_first": 1} if how == "dropped" else {"slow_first": 1, "slow": 3}
    with Mailbox(**kwargs) as box:
        write_alerts(config, mail_alert(box, tmp_path, timeout=1))
        code, failed = run(config, archive)
        assert code == 1 and len(box.messages) == 1, failed  # it arrived all the same
        add_article(archive, "en2", "bbc", "en", "Nezha keeps climbing", "Ne Zha 2 again.", 0.7, [])
        code, out = run(config, archive)
        assert code == 0, out
        assert run(config, archive)[0] == 0  # and then nothing more
    first, again, *_new = box.messages
    assert again["Message-ID"] == first["Message-ID"]  # the receiver can drop it
    assert "before the server's final answer" in failed
    first, again, new = box.messages
    assert parts(again)[0].count("\n- ") == parts(first)[0].count("\n- ")
    assert new["Message-ID"] != first["Message-ID"] and "Nezha keeps climbing" in parts(new)[0]
    assert "Nezha keeps climbing" not in parts(again)[0]
    sends = rows(archive, "select id, status, attempts, stories from alert_sends order by rowid")
    assert [(s["status"], s["attempts"], s["stories"]) for s in sends] == [
        ("sent", 2, 3),
        ("sent", 1, 1),
    ]
    assert first["Message-ID"] == f"<alert-{sends[0]['id']}@example.org>"


def test_a_resent_webhook_call_carries_the_first_attempts_idempotency_key(
    archive: Path, tmp_path: Path
) -> None:
    """The receiver takes 2 s to answer the first call, the sender gives up after 0.5 s
    (no retry): the next run calls it again with the same Idempotency-Key and body id."""
    config = tmp_path / "config"
    with WebhookReceiver(delays=[2]) as hook:
        write_alerts(config, hook_alert(hook.url, tmp_path, timeout=0.5))
        code, failed = run(config, archive)
        assert code == 1, failed
        code, out = run(config, archive)
        assert code == 0, out
        deadline = time.monotonic() + 10
        while len(hook.accepted) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the first call is answered (and counted) 2 s after it came
    assert len(hook.accepted) == 2
    keys = {r[1]["idempotency-key"] for r in hook.requests}
    ids = {r[1]["x-culturewatch-delivery"] for r in hook.requests}
    assert len(keys) == 1 and ids == keys
    assert "no complete answer within 0.5 s" in failed
    assert {body["delivery_id"] for body in hook.accepted} == keys
    (send,) = rows(archive, "select * from alert_sends")
    assert send["status"] == "sent" and send["attempts"] == 2 and send["id"] in keys


def test_a_target_that_keeps_timing_out_costs_one_delivery_per_run(
    archive: Path, tmp_path: Path
) -> None:
    """While a send that may have arrived does not go through, what is new waits for it:
    each run tries that one send again (same id), and claims nothing more."""
    config = tmp_path / "config"
    with Dripping("http", interval=0.3, limit=30) as hook:
        write_alerts(config, hook_alert(hook.url, tmp_path, timeout=0.5))
        assert run(config, archive)[0] == 1
        add_article(archive, "en2", "bbc", "en", "Nezha keeps climbing", "Ne Zha 2 again.", 0.7, [])
        code, out = run(config, archive)
        assert code == 1 and "anything new waits for it" in out, out
        code, out = run(config, archive, "--dry-run")
        assert "again under its id, it failed" in out, out
    assert len(hook.requests) == 2 and max(hook.durations) < 0.5 + 1, hook.durations
    assert len({headers["idempotency-key"] for headers, _body in hook.requests}) == 1
    (send,) = rows(archive, "select * from alert_sends")
    assert send["status"] == "failed" and send["attempts"] == 2 and send["stories"] == 3
