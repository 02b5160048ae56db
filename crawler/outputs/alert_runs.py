"""Running the alerts of ``alerts.toml``: what is new for each target, sent once.

For each alert: the articles first archived in the last ``delivery.lookback_days`` that
match its query (theme aliases expanded, :mod:`storage.concepts`) and filters; then for each
target (each e-mail address, the webhook) the stories none of whose copies it was sent yet,
claimed and sent (:mod:`storage.alert_state` keeps the record, :mod:`crawler.outputs.deliveries` sends),
and the alert's Atom feed rewritten (the pull option: ``FEEDS/NAME.xml``, FEEDS being
``delivery.feeds``, else ``alerts/`` in the ``digest.out`` directory). What a run works from
(the alerts, settings, deadline) is an :class:`crawler.outputs.alerts_plan.AlertsPlan`.

One alert's or one target's failure is logged and recorded, never raised: the others go on,
and so does the scheduler's crawl. ``dry_run`` says what would be sent and writes nothing.

Re-sends keep their id. A send that may have reached its target although it failed (no
answer after the whole message went out: a timeout, a dropped connection), or that a dead
process left ``sending``, is sent again by the next run first, under the same id and with
the same articles (the receiver sees the same Message-ID or Idempotency-Key and can drop
the duplicate); while it does not go through, nothing new is claimed for that target (the
new stories wait for it, so a dead target costs one failed delivery per run, not one more
each run). A send the target refused frees its articles for the next run's new send.

Time: each attempt has its deadline (:mod:`crawler.outputs.deliveries`); the scheduler
also gives the whole run one (*until*) and a *stop* event (SIGTERM): no delivery starts
after either, and one under way is abandoned (a failed delivery, as above: sent again under
its id when it may have arrived, else its stories go with the next run's new one).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from crawler.config.alerts import Alert
from crawler.outputs.alert_outcomes import Outcome
from crawler.outputs.alerts_plan import AlertsPlan
from crawler.outputs.deliveries import DeliveryError, build_message, post_json, send_mail
from storage.alert_state import (
    claim,
    mark_failed,
    mark_sent,
    matching_articles,
    new_for,
    pending_sends,
    records_by_id,
    take_over,
)
from storage.archive import Archive
from storage.connection import retrying
from storage.failing import failing_sources
from storage.files import atomic_write
from storage.formats import to_utc_iso, utcnow
from storage.outputs.alert_render import (
    AlertView,
    alert_view,
    render_alert_feed,
    render_alert_html,
    render_alert_json,
    render_alert_slack,
    render_alert_text,
    subject,
)
from storage.saved_alerts import is_muted, load_mutes
from storage.selection import ArticleRecord, story_copies

__all__ = ["Outcome", "run_alerts"]

log = logging.getLogger("culturewatch.alerts")
# SQLite busy timeout of the alerts' archive connection, seconds
BUSY_TIMEOUT = 30.0
# seconds the outcome of a send is retried beyond that (see _record)
RECORD_RETRY = 120.0

INTERRUPTED_AFTER = timedelta(minutes=30)  # a send still "sending" this long ago: its process died


def run_alerts(
    plan: AlertsPlan,
    *,
    names: Sequence[str] = (),
    frequency: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    until: float | None = None,
) -> list[Outcome]:
    """Run the chosen alerts (see :meth:`AlertsPlan.chosen`); one outcome per target.

    *stop* (an event) and *until* (a monotonic time) end the run early: no delivery starts
    once it is set or past, one under way is abandoned, and the targets left are
    ``not_run`` (their stories go with the next run)."""
    alerts = plan.chosen(names, frequency)
    if stop is not None or until is not None:
        plan = replace(plan, stop=stop, until=until)
    if not alerts:
        return []
    # aware from here on (a naive *now* is local time, as datetime.astimezone reads it)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    outcomes: list[Outcome] = []
    with Archive(plan.db, busy_timeout=BUSY_TIMEOUT) as archive:
        for alert in alerts:
            try:
                outcomes += _run_alert(archive, plan, alert, now=now, dry_run=dry_run)
            except Exception as exc:  # noqa: BLE001 - one alert never stops the others
                log.exception("alert %s failed", alert.name)
                outcomes.append(Outcome(alert.name, "*", "failed", detail=_one_line(exc)))
    for o in outcomes:  # the caller reports failures (the CLI's lines, the scheduler's log)
        log.info("alert %s -> %s: %s", o.alert, o.target, o.described())
    return outcomes


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:500]


def _run_alert(
    archive: Archive, plan: AlertsPlan, alert: Alert, *, now: datetime, dry_run: bool
) -> list[Outcome]:
    since = now - timedelta(days=plan.config.lookback_days)
    records = matching_articles(
        archive.db,
        alert.expression,
        since=to_utc_iso(since),
        min_relevance=alert.min_relevance,
        themes=alert.themes,
        languages=alert.languages,
        groups=alert.groups,
        changes=alert.changes,
    )
    mutes = load_mutes(archive.db.conn)  # a muted source or term is never sent
    records = [r for r in records if not is_muted(mutes, r.source, r.title, r.text)]
    outcomes: list[Outcome] = []
    for target in alert.targets:
        if halted := plan.halted():
            outcomes.append(Outcome(alert.name, target, "not_run", detail=halted))
            continue
        try:
            outcomes += _deliver(archive, plan, alert, target, records, now=now, dry_run=dry_run)
        except Exception as exc:  # noqa: BLE001 - one target never stops the others
            log.exception("alert %s to %s failed", alert.name, target)
            outcomes.append(Outcome(alert.name, target, "failed", detail=_one_line(exc)))
    if alert.feed and not dry_run:
        path = plan.feeds / f"{alert.name}.xml"
        view = _view(archive, plan, alert, records, now=now)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, render_alert_feed(view, self_href=path.name))
        outcomes.append(
            Outcome(alert.name, "feed", "written", len(view.stories), view.articles, str(path))
        )
    return outcomes


def _view(
    archive: Archive,
    plan: AlertsPlan,
    alert: Alert,
    records: Iterable[ArticleRecord],
    *,
    now: datetime,
    send_id: str = "",
) -> AlertView:
    records = list(records)
    copies = story_copies(archive.db.conn, records, now.astimezone(plan.tz).date(), tz=plan.tz)
    return alert_view(
        alert.name,
        alert.query,
        records,
        copies,
        tz=plan.tz,
        labels=plan.labels,
        now=now,
        delivery_id=send_id,
        failing=failing_sources(archive.db.conn),
        health_page=plan.health_page,
    )


def _stories(records: Iterable[ArticleRecord]) -> int:
    return len({r.story_id if r.story_id is not None else -r.id for r in records})


def _deliver(
    archive: Archive,
    plan: AlertsPlan,
    alert: Alert,
    target: str,
    records: Sequence[ArticleRecord],
    *,
    now: datetime,
    dry_run: bool,
) -> list[Outcome]:
    db = archive.db
    stamp = to_utc_iso(now)
    outcomes = []
    before = to_utc_iso(now - INTERRUPTED_AFTER)
    for send_id, status, ids in pending_sends(db, alert.name, target, before=before):
        again = records_by_id(db, ids)
        if not again and not dry_run:  # its articles were deleted since: nothing to send
            with archive.transaction():
                mark_failed(db, send_id, attempts=0, error="its articles are gone", now=stamp)
            continue
        why = "interrupted" if status == "sending" else "it failed"
        if dry_run:
            outcomes.append(
                Outcome(
                    alert.name,
                    target,
                    "would_send",
                    _stories(again),
                    len(again),
                    f"again under its id, {why}",
                    send_id,
                )
            )
            continue
        if halted := plan.halted():
            return [*outcomes, Outcome(alert.name, target, "not_run", detail=halted)]
        with archive.transaction():  # one run takes it over; another running now skips it
            taken = take_over(db, send_id, before=before, now=stamp)
        if not taken:
            continue
        outcome = _send(archive, plan, alert, target, again, send_id, now=now, again=True)
        if outcome.status != "sent":  # the new stories wait for it (see the module's doc)
            detail = f"{outcome.detail}; anything new waits for it"
            return [*outcomes, replace(outcome, detail=detail)]
        outcomes.append(outcome)
    if dry_run:
        fresh = new_for(db, alert.name, target, records)
        status = "would_send" if fresh else "nothing"
        return [*outcomes, Outcome(alert.name, target, status, _stories(fresh), len(fresh))]
    if halted := plan.halted():
        return [*outcomes, Outcome(alert.name, target, "not_run", detail=halted)]
    with archive.transaction():  # found new and claimed at once: two runs never claim twice
        fresh = new_for(db, alert.name, target, records)
        if not fresh:
            return [*outcomes, Outcome(alert.name, target, "nothing")]
        send_id = claim(
            db,
            alert=alert.name,
            target=target,
            article_ids=[r.id for r in fresh],
            stories=_stories(fresh),
            now=stamp,
        )
    outcomes.append(_send(archive, plan, alert, target, fresh, send_id, now=now))
    return outcomes


def _send(
    archive: Archive,
    plan: AlertsPlan,
    alert: Alert,
    target: str,
    records: Sequence[ArticleRecord],
    send_id: str,
    *,
    now: datetime,
    again: bool = False,
) -> Outcome:
    """Send the claimed *records* as *send_id* (*again*: a pending send, made before), and
    record how it went. A send that may have reached the target (or one made before, which
    may have) keeps its articles and id for the next run; any other failure frees them."""
    try:
        view = _view(archive, plan, alert, records, now=now, send_id=send_id)
        attempts = _transmit(plan, alert, target, view)
    except Exception as exc:  # noqa: BLE001 - recorded: its articles go with the next run
        attempts = exc.attempts if isinstance(exc, DeliveryError) else 1
        error = str(exc) if isinstance(exc, DeliveryError) else _one_line(exc)
        keep = again or (isinstance(exc, DeliveryError) and exc.maybe_delivered)
        if keep:
            error += "; sent again under the same id by the next run"
        if not isinstance(exc, DeliveryError):
            log.exception("alert %s to %s failed", alert.name, target)
        _record(
            archive,
            lambda: mark_failed(
                archive.db, send_id, attempts=attempts, error=error, now=utcnow(), keep=keep
            ),
        )
        return Outcome(
            alert.name, target, "failed", _stories(records), len(records), error, send_id
        )
    _record(
        archive,
        lambda: mark_sent(archive.db, send_id, attempts=attempts, now=utcnow()),
    )
    return Outcome(alert.name, target, "sent", len(view.stories), view.articles, "", send_id)


def _record(archive: Archive, write: Callable[[], None]) -> None:
    """Record how a send went, retrying a locked (or full) archive for ``RECORD_RETRY``
    seconds: a message that went out and stayed unrecorded would go again once its
    lease is over."""

    def in_transaction() -> None:
        with archive.transaction():
            write()

    retrying(in_transaction, RECORD_RETRY)


def _transmit(plan: AlertsPlan, alert: Alert, target: str, view: AlertView) -> int:
    """One message or webhook call; returns the attempts made (raises DeliveryError)."""
    kind, _, address = target.partition(":")
    config = plan.config
    if kind == "email":
        if config.smtp is None:  # the loader refuses it; a plan built by hand might not
            raise DeliveryError("no [smtp] server is configured")
        message = build_message(
            sender=config.smtp.sender,
            to=address,
            subject=subject(view),
            text=render_alert_text(view),
            html=render_alert_html(view),
            send_id=view.delivery_id,
            alert=alert.name,
        )
        send_mail(config.smtp, message, env=plan.env, stop=plan.stop, until=plan.until)
        return 1
    payload = (
        render_alert_slack(view) if alert.webhook_format == "slack" else render_alert_json(view)
    )
    if alert.webhook is None:
        raise DeliveryError(f"alert {alert.name} has no webhook any more")
    return post_json(
        alert.webhook,
        payload,
        delivery_id=view.delivery_id,
        user_agent=plan.user_agent,
        timeout=config.timeout,
        retries=config.retries,
        backoff=config.backoff,
        stop=plan.stop,
        until=plan.until,
    )
