"""What an alert sends: its new stories as plain text and HTML (an e-mail), a generic JSON
body and a Slack message (a webhook), and its Atom feed.

An alert's articles are grouped into stories by the digest's own view model
(:func:`storage.outputs.view.digest_view`: one entry per story, its best copy first, the
outlets that also carried it), so a story is listed once however many outlets carried it.
Article text is hostile: the HTML is the Jinja2 template ``templates/alert.html`` with
autoescape on (:mod:`storage.outputs.templating`); plain text loses its control and format
characters (:func:`storage.outputs.text.plain`: no bidi overrides, no line breaks inside a
title); the Slack text escapes ``&``, ``<`` and ``>`` (no mentions, no links of its own); the
feed is escaped by ElementTree; only http(s) URLs become links.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.failing import Failing
from storage.outputs.feed import FeedEntry, atom_feed
from storage.outputs.grouping import Story
from storage.outputs.templating import environment
from storage.outputs.text import plain
from storage.outputs.view import digest_view
from storage.selection import ArticleRecord, Copy

__all__ = [
    "AlertView",
    "alert_view",
    "render_alert_feed",
    "render_alert_html",
    "render_alert_json",
    "render_alert_slack",
    "render_alert_text",
    "subject",
]

SLACK_STORIES = 20  # a Slack message holds at most 50 blocks; the rest is counted
FEED_STORIES = 50


@dataclass(frozen=True)
class AlertView:
    """The stories one send (or the feed) of an alert carries."""

    name: str
    query: str
    stories: tuple[Story, ...]
    generated: str  # ISO 8601, UTC
    delivery_id: str = ""
    failing: Failing | None = None  # the sources failing when it was sent
    health_page: str | None = None  # URL of the source-health query in Datasette

    @property
    def failing_line(self) -> str:
        """The word on failing sources ("" when none failed)."""
        if not self.failing or not self.failing.count:
            return ""
        return self.failing.sentence()

    @property
    def articles(self) -> int:
        return sum(len(s.entries) for s in self.stories)


def alert_view(
    name: str,
    query: str,
    records: Iterable[ArticleRecord],
    copies: Iterable[Copy] = (),
    *,
    tz: ZoneInfo,
    labels: Mapping[str, str],
    now: datetime,
    delivery_id: str = "",
    failing: Failing | None = None,
    health_page: str | None = None,
) -> AlertView:
    """The stories of *records* (ranked as the digest ranks them), with the other outlets
    of each story among *copies*; *failing*: the sources failing now (said on top, linked
    to *health_page*)."""
    digest = digest_view(
        now.astimezone(tz).date(),
        tz=tz,
        max_age_days=0,
        labels=labels,
        volume={},
        records=records,
        copies=copies,
    )
    return AlertView(
        name=name,
        query=query,
        stories=tuple(digest.stories),
        generated=now.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds"),
        delivery_id=delivery_id,
        failing=failing,
        health_page=health_page,
    )


def _stories(n: int) -> str:
    return f"{n} new stor{'y' if n == 1 else 'ies'}"


def subject(view: AlertView) -> str:
    """The e-mail subject: the alert's name (checked by the config) and counts, nothing from
    an article."""
    return f"culturewatch alert {view.name}: {_stories(len(view.stories))}"


def render_alert_text(view: AlertView) -> str:
    out = [subject(view), f"Search: {plain(view.query)}", ""]
    if view.failing_line:
        health = f" Source health: {view.health_page}" if view.health_page else ""
        out += [f"{plain(view.failing_line)}{health}", ""]
    for number, story in enumerate(view.stories, 1):
        e = story.best
        out.append(f"{number}. {plain(e.title)}")
        out.append(f"   {plain(e.url)}")
        out.append(
            f"   {plain(e.source) or 'unknown source'} · {plain(e.published)} · "
            f"language {plain(e.language or 'unknown')} · relevance {e.relevance:.2f}"
        )
        if story.spread:
            out.append(f"   Spread: {plain(story.spread)}")
        if story.also:
            also = ", ".join(f"{plain(c.source or 'unknown')} ({plain(c.url)})" for c in story.also)
            out.append(f"   Also carried by: {also}")
        if e.extract:
            out.append(f"   {plain(e.extract)}")
        out.append("")
    out += ["-- ", f"Sent by culturewatch: alert {view.name}, delivery {view.delivery_id}."]
    return "\n".join(out) + "\n"


def render_alert_html(view: AlertView) -> str:
    page = environment().get_template("alert.html").render(v=view, subject=subject(view))
    return page.rstrip("\n") + "\n"


def _story_data(story: Story) -> dict[str, Any]:
    e = story.best
    return {
        "id": story.id,
        "title": plain(e.title),
        "url": e.url,
        "source": plain(e.source),
        "published_at": e.published_at,
        "fetched_at": e.fetched_at,
        "language": e.language,
        "relevance": e.relevance,
        "themes": list(story.themes),
        "extract": plain(e.extract),
        "outlets": [
            {"source": plain(c.source), "url": c.url, "first_seen": c.seen, "basis": c.basis}
            for c in story.carriers
        ],
        "first_source": plain(story.first.source),
        "first_seen": story.first.seen,
        "first_basis": story.first.basis,
        "spread_hours": story.spread_hours,
        "articles": [entry.url for entry in story.entries],
    }


def render_alert_json(view: AlertView) -> dict[str, Any]:
    """The generic webhook body (JSON escapes what it carries; text loses control and
    format characters, as in the other renderings)."""
    body: dict[str, Any] = {
        "alert": view.name,
        "query": view.query,
        "delivery_id": view.delivery_id,
        "generated_at": view.generated,
        "story_count": len(view.stories),
        "article_count": view.articles,
        "stories": [_story_data(s) for s in view.stories],
    }
    if view.failing_line and view.failing:
        body["failing_sources"] = {
            "count": view.failing.count,
            "of": view.failing.enabled,
            "every": view.failing.every,
            "since": view.failing.since,
            "names": list(view.failing.names),
            "source_health": view.health_page,
        }
    return body


def _slack(text: object) -> str:
    """Text inert in Slack's mrkdwn: no links, mentions (<!channel>) or entities of its own."""
    return plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(text: str, href: str | None) -> str:
    if not href:
        return _slack(text)
    url = href.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{url}|{_slack(text).replace('|', '¦')}>"


def render_alert_slack(view: AlertView) -> dict[str, Any]:
    """A message Slack's incoming webhooks take: ``text`` (the notification) and blocks."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject(view)[:150]}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Search: {_slack(view.query)}"}],
        },
    ]
    if view.failing_line:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _slack(view.failing_line)}]}
        )
    for story in view.stories[:SLACK_STORIES]:
        e = story.best
        lines = [
            f"*{_slack_link(e.title, e.href)}*",
            f"{_slack(e.source or 'unknown source')} · {_slack(e.published)} · relevance {e.relevance:.2f}",
        ]
        if story.spread:
            lines.append(f"Spread: {_slack(story.spread)}")
        if story.also:
            lines.append(
                "Also carried by: "
                + ", ".join(_slack_link(c.source or "unknown", c.href) for c in story.also)
            )
        if e.extract:
            lines.append("> " + _slack(e.extract)[:600])
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}}
        )
    rest = len(view.stories) - SLACK_STORIES
    if rest > 0:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"and {rest} more"}]}
        )
    titles = "; ".join(_slack(s.best.title) for s in view.stories[:3])
    return {
        "text": f"{_slack(subject(view))}: {titles}"[:3000],
        "blocks": blocks,
        "unfurl_links": False,
    }


def _summary(story: Story) -> str:
    e = story.best

    def esc(value: object) -> str:
        return html.escape(plain(value), quote=True)

    parts = [
        f"<p>{esc(e.source or 'unknown source')} · {esc(e.published)} · relevance {e.relevance:.2f}</p>"
    ]
    if story.also:
        links = [
            f'<a href="{esc(c.href)}">{esc(c.source or "unknown")}</a>' if c.href else esc(c.source)
            for c in story.also
        ]
        parts.append(f"<p>Also carried by: {', '.join(links)}</p>")
    if e.extract:
        parts.append(f"<blockquote>{esc(e.extract)}</blockquote>")
    return "".join(parts)


def render_alert_feed(view: AlertView, *, self_href: str) -> str:
    """The alert's Atom feed: one entry per story, newest first."""
    stories: Sequence[Story] = sorted(
        view.stories, key=lambda s: (s.best.fetched_at, s.best.id), reverse=True
    )[:FEED_STORIES]
    entries = [
        FeedEntry(
            title=plain(s.best.title),
            id=f"urn:culturewatch:alert:{view.name}:story:{s.id if s.id is not None else s.best.id}",
            href=s.best.href,
            updated=s.best.fetched_at,
            summary_html=_summary(s),
        )
        for s in stories
    ]
    return atom_feed(
        title=f"culturewatch alert {view.name}",
        subtitle=f"New stories matching: {plain(view.query)}",
        feed_id=f"urn:culturewatch:alert:{view.name}",
        self_href=self_href,
        updated=max((e.updated for e in entries), default=view.generated),
        entries=entries,
    )
