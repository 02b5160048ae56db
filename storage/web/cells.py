"""Cells: how a value reads in a table, on a row's page and in a query's results.

The one ``render_cell`` hook of culturewatch. Each case, a (table, column) pair (table
``None``: a query's results, canned or not), has one rule in :data:`RULES`; a rule returns
``None`` to leave the cell to Datasette. The rules hold in the ``culturewatch`` database
only, except the search's and the stories' (``any_database``), which hold in any.

- Titles link to the article's page, and to the original (``↗``); in a query's results a
  title beside a ``story_id`` links to the story instead (``amplified_stories``).
- ``story_id`` links to the story's row; a story's ``article_count`` to its copies (the
  articles with that ``story_id``).
- A query's ``snippet`` column (the canned ``search`` query marks matches with
  :data:`storage.search.MARK_START`/``MARK_END``) is rendered with
  :func:`storage.search_excerpts.highlight_html`: the article's text is HTML-escaped and only the
  matches are wrapped in ``<mark>``, so markup in a crawled page never reaches the browser.
- A URL shows its host, an article's text is an excerpt, themes are chips (with their
  human names), evidence a short "why", a source group its label. A text retention dropped
  (:mod:`storage.retention`: an article's, a version's, a version's body diff) says so.
- A story's ``languages`` and ``sources`` (JSON lists) read as lists in words; in a query's
  results an ``outlets`` count beside a ``story`` links to the story's timeline.
- Times read ``6 Dec 2026, 12:18 UTC`` and scores ``0.99`` (:mod:`storage.web.readable`),
  the stored value in the cell's title: the articles', stories' and labels' times, and those
  of sources, revisits, versions, alerts and runs (and of the canned queries showing them).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from storage.groups import group_label
from storage.search_excerpts import highlight_html
from storage.web.front_page import json_list
from storage.web.hooks import hookimpl
from storage.web.names import DATABASE_NAME
from storage.web.pages import theme_labels
from storage.web.readable import readable_score, readable_time

__all__ = ["EXCERPT", "RULES", "Cell", "Render", "Rule", "render_cell"]

EXCERPT = 180  # characters of text shown in a table cell


@dataclass(frozen=True)
class Cell:
    """One cell as Datasette hands it to ``render_cell``."""

    row: Any
    value: Any
    table: str | None
    database: str
    datasette: Any

    def get(self, key: str) -> Any:
        """The row's *key* column, or None when the row has none."""
        try:
            return self.row[key]
        except (IndexError, KeyError, TypeError):
            return None


Render = Callable[[Cell], Markup | None]


@dataclass(frozen=True)
class Rule:
    render: Render
    any_database: bool = False  # else: in the culturewatch database only


RULES: dict[tuple[str | None, str], Rule] = {}  # (table, column) -> its rule


def _rule(
    column: str, *tables: str | None, any_database: bool = False
) -> Callable[[Render], Render]:
    """Make the decorated function the rule of *column* in each of *tables*."""

    def register(render: Render) -> Render:
        for table in tables:
            if (table, column) in RULES:
                raise ValueError(f"two rules for the cell ({table!r}, {column!r})")
            RULES[table, column] = Rule(render, any_database)
        return render

    return register


@hookimpl()
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    rule = RULES.get((table, column))
    if rule is None or not (rule.any_database or database == DATABASE_NAME):
        return None
    return rule.render(Cell(row, value, table, database, datasette))


# --------------------------------------------------------------------------- helpers
def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _safe_href(url: Any) -> str | None:
    if isinstance(url, str) and urllib.parse.urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def _story_link(cell: Cell, story: Any, text: str) -> Markup:
    return _link(cell.datasette.urls.row(cell.database, "stories", str(story)), text)


def _article_title(cell: Cell) -> Markup | None:
    """The title linked to the article's page, and to the original when it has a web URL."""
    article_id = cell.get("id")
    if not isinstance(article_id, int):
        return None
    page = cell.datasette.urls.row(cell.database, "articles", str(article_id))
    link = Markup('<a class="cw-title" href="{}">{}</a>').format(page, cell.value)
    href = _safe_href(cell.get("url"))
    if href:
        link += Markup(' <a class="cw-out" href="{}" title="the original">↗</a>').format(href)
    return link


# --------------------------------------------------------------------------- titles
@_rule("title", "articles")
def _title_in_articles(cell: Cell) -> Markup | None:
    return _article_title(cell) if isinstance(cell.value, str) else None


@_rule("title", None, any_database=True)
def _title_in_results(cell: Cell) -> Markup | None:
    """Beside a ``story_id``: the story's link (any database); else, in the archive, the
    article's (when the results have its ``id`` and ``url``)."""
    if not isinstance(cell.value, str):
        return None
    story = cell.get("story_id")
    if story is not None:
        return _story_link(cell, story, cell.value) if _is_id(story) else None
    if cell.database != DATABASE_NAME or cell.get("url") is None:
        return None
    return _article_title(cell)


# --------------------------------------------------------------------------- search and stories
@_rule("snippet", None, any_database=True)
def _snippet(cell: Cell) -> Markup | None:
    return Markup(highlight_html(cell.value)) if isinstance(cell.value, str) else None


@_rule("story_id", None, "articles", any_database=True)
def _story(cell: Cell) -> Markup | None:
    return _story_link(cell, cell.value, str(cell.value)) if _is_id(cell.value) else None


@_rule("article_count", "stories", any_database=True)
def _copies(cell: Cell) -> Markup | None:
    story = cell.get("id")
    if not _is_id(story):
        return None
    href = cell.datasette.urls.table(cell.database, "articles") + f"?story_id={int(story)}"
    return _link(href, str(cell.value))


# --------------------------------------------------------------------------- articles
@_rule("themes", None, "articles")
def _themes(cell: Cell) -> Markup | None:
    if not (isinstance(cell.value, str) and cell.value.startswith("[")):
        return None
    return _chips(json_list(cell.value), theme_labels(cell.datasette))


def _chips(themes: tuple[str, ...], labels: Mapping[str, str]) -> Markup:
    return Markup("").join(
        Markup('<span class="cw-chip cw-theme-{}" title="{}">{}</span>').format(
            key, key, labels.get(key, key)
        )
        for key in themes
    )


@_rule("source_group", None, "articles")
def _source_group(cell: Cell) -> Markup | None:
    if not isinstance(cell.value, str):
        return None
    return Markup('<span class="cw-group" title="{}">{}</span>').format(
        cell.value, group_label(cell.value)
    )


@_rule("url", None, "articles")
def _url(cell: Cell) -> Markup | None:
    href = _safe_href(cell.value)
    if href is None:
        return None
    host = urllib.parse.urlsplit(href).netloc
    return Markup('<a class="cw-url" href="{}" title="{}">{} ↗</a>').format(href, href, host)


_PRUNED = Markup('<span class="cw-pruned">dropped by retention</span>')


@_rule("text", "articles")
def _excerpt(cell: Cell) -> Markup | None:
    if cell.value is None:
        return _PRUNED  # an article without text is one retention pruned
    if not isinstance(cell.value, str):
        return None
    text = " ".join(cell.value.split())
    cut = text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")
    return Markup('<span class="cw-excerpt">{}</span>').format(cut)


@_rule("text", "article_versions")
def _pruned_version_text(cell: Cell) -> Markup | None:
    """A version's text retention dropped: a version with a title had its text (a removal
    has neither)."""
    return _PRUNED if cell.value is None and cell.get("title") is not None else None


@_rule("diff", "article_versions")
def _pruned_version_diff(cell: Cell) -> Markup | None:
    """A version's body diff retention dropped: a body change always had one."""
    return _PRUNED if cell.value is None and "body" in json_list(cell.get("changes")) else None


@_rule("evidence", "articles")
def _why(cell: Cell) -> Markup | None:
    """The theme and up to four words that counted, per theme."""
    try:
        parsed = json.loads(cell.value) if isinstance(cell.value, str) else None
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    parts = []
    for theme, items in parsed.items():
        words = [
            str(i.get("matched", [i.get("term")])[0] if i.get("matched") else i.get("term"))
            for i in items or []
            if isinstance(i, dict) and i.get("term") and (i.get("points") or 0) > 0
        ]
        if words:
            parts.append(f"{theme}: {', '.join(words[:4])}")
    return Markup('<span class="cw-why">{}</span>').format("; ".join(parts) or "no evidence")


# --------------------------------------------------------------------------- stories, times, scores
@_rule("languages", None, "stories")
@_rule("sources", None, "stories")
def _word_list(cell: Cell) -> Markup | None:
    if not (isinstance(cell.value, str) and cell.value.startswith("[")):
        return None
    return Markup('<span class="cw-list">{}</span>').format(", ".join(json_list(cell.value)))


@_rule("outlets", None)
def _outlets(cell: Cell) -> Markup | None:
    story = cell.get("story")
    if not (_is_id(story) and _is_id(cell.value)):
        return None
    return _story_link(cell, story, f"{cell.value} outlet{'' if cell.value == 1 else 's'}")


_TIMES = ("published_at", "fetched_at", "first_seen", "last_seen", "labelled_at")


def _time(cell: Cell) -> Markup | None:
    if not isinstance(cell.value, str) or not cell.value:
        return None
    shown = readable_time(cell.value)
    return Markup('<span class="cw-time" title="{}">{}</span>').format(cell.value, shown)


def _score(cell: Cell) -> Markup | None:
    if isinstance(cell.value, bool) or not isinstance(cell.value, float):
        return None
    return Markup('<span class="cw-score" title="{}">{}</span>').format(
        cell.value, readable_score(cell.value)
    )


for _column in _TIMES:
    _rule(_column, None, "articles", "stories", "labels", "current_labels")(_time)
# the times of the tables and canned queries of sources, revisits, alerts and mutes
_MORE_TIMES: dict[str | None, tuple[str, ...]] = {
    None: ("last_success_at", "last_attempt_at", "removed_at", "changed_at", "first_archived",
           "created_at", "sent_at", "last_revisit_at", "next_due_at", "started_at", "ended_at"),
    "sources": ("last_success_at", "last_attempt_at", "first_attempt_at", "flagged_at"),
    "article_versions": ("fetched_at", "published_at"),
    "article_revisits": ("next_due_at", "last_revisit_at", "removal_seen_at", "removed_at"),
    "alert_sends": ("created_at", "sent_at"),
    "saved_alerts": ("created_at",),
    "mutes": ("created_at",),
    "runs": ("started_at", "ended_at"),
}  # fmt: skip
for _table, _columns in _MORE_TIMES.items():
    for _column in _columns:
        _rule(_column, _table)(_time)
_rule("relevance", None, "articles")(_score)
_rule("theme_score", None)(_score)
_rule("score", None, "article_themes")(_score)
