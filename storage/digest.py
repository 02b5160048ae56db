"""The daily digest: what was archived on one day about the themes, in files a person reads.

``write_digest`` reads the archive (never writes it) and writes into a directory::

    YYYY-MM-DD.md    Markdown, beside YYYY-MM-DD.png (the 30-day theme volume chart)
    YYYY-MM-DD.html  one self-contained page (chart embedded), everything from articles escaped
    YYYY-MM-DD.json  the same content as data: ``date``, ``articles`` and more
    feed.xml         an Atom feed of the most recent digests in the directory

Which articles: the relevant ones (``relevant = 1``) first archived (``fetched_at``) on that
day in the configured time zone, published at most ``max_age_days`` days before that day (an
article without a date counts as published when first seen). They are grouped by their main
theme (the first of ``themes``) and ranked by relevance.

The output depends on the archive, the date and the settings only (no clock, no PNG time
stamps), so the same archive and date give byte-identical files.
"""

from __future__ import annotations

import base64
import errno
import html
import io
import json
import os
import re
import secrets
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.config import ConfigError, Settings
from pipelines.relevance import THEME_KEYS, load_themes

__all__ = [
    "Digest",
    "DigestError",
    "Entry",
    "build_digest",
    "digest_timezone",
    "render_chart",
    "render_feed",
    "render_html",
    "render_json",
    "render_markdown",
    "theme_labels",
    "write_digest",
]

CHART_DAYS = 30  # the chart covers the digest day and the 29 days before
AVERAGE_DAYS = 7  # today's counts are compared with the average of this many previous days
FEED_ENTRIES = 30  # digests listed in feed.xml
EXTRACT_MAX_CHARS = 420  # a third sentence is added only while the extract stays this short
EVIDENCE_TERMS = 6  # matched terms shown per theme

UNTHEMED = "unthemed"


class DigestError(Exception):
    """The digest could not be written (message: one line)."""


# --------------------------------------------------------------------------- settings
def digest_timezone(settings: Settings) -> ZoneInfo:
    """The ``schedule.timezone`` setting (validated when the settings were loaded)."""
    return ZoneInfo(settings["schedule.timezone"])


def theme_labels(config_dir: str | os.PathLike | None) -> dict[str, str]:
    """Theme key -> label, from ``themes.toml`` when it loads, else from the keys.

    The digest only needs the labels, so a themes file that does not load (it would stop
    a crawl) does not stop a digest: the keys stand in.
    """
    labels = {key: _label_of(key) for key in THEME_KEYS}
    if config_dir is None:
        return labels
    try:
        themes = load_themes(Path(config_dir) / "themes.toml")
    except ConfigError:
        return labels
    labels.update({theme.key: theme.label for theme in themes.themes})
    return labels


def _label_of(key: str) -> str:
    return "No theme recorded" if key == UNTHEMED else key.replace("_", " ").capitalize()


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class Entry:
    """One article of a digest."""

    url: str
    title: str
    source: str
    published_at: str | None
    fetched_at: str
    language: str | None
    relevance: float
    themes: tuple[str, ...]
    extract: str
    evidence: dict[str, list[dict[str, Any]]]  # theme -> [{"term", "title", "body"}]

    @property
    def theme(self) -> str:
        return self.themes[0] if self.themes else UNTHEMED


@dataclass(frozen=True)
class Digest:
    day: date
    timezone: str
    max_age_days: int
    labels: dict[str, str]
    entries: list[Entry]  # ranked by relevance
    daily: list[tuple[date, dict[str, int]]]  # the chart's days, oldest first
    updated: str  # newest fetched_at among the entries (ISO, UTC), else the day's start
    themes: tuple[str, ...] = field(default=())  # display order

    @property
    def counts(self) -> dict[str, int]:
        return self.daily[-1][1]

    @property
    def averages(self) -> dict[str, float]:
        previous = [counts for _day, counts in self.daily[-1 - AVERAGE_DAYS : -1]]
        return {
            theme: round(sum(c.get(theme, 0) for c in previous) / AVERAGE_DAYS, 2)
            for theme in self.themes
        }

    def sections(self) -> list[tuple[str, str, list[Entry]]]:
        """(theme, label, entries) for every main theme with entries, in theme order."""
        out = []
        for theme in self.themes:
            group = [e for e in self.entries if e.theme == theme]
            if group:
                out.append((theme, self.label(theme), group))
        return out

    def label(self, theme: str) -> str:
        return self.labels.get(theme) or _label_of(theme)

    @property
    def name(self) -> str:
        return self.day.isoformat()


# --------------------------------------------------------------------------- selection
def _instant(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive means UTC), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _published_day(value: Any, tz: ZoneInfo) -> date | None:
    """The day (in *tz*) an article was published; a bare date is taken as written."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    parsed = _instant(value)
    return parsed.astimezone(tz).date() if parsed else None


def _day_start_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def _json_list(value: Any) -> list[str]:
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    if not isinstance(parsed, list):
        return []
    return [str(v) for v in parsed if isinstance(v, str) and v]


def _select(
    db: sqlite3.Connection, first: date, last: date, tz: ZoneInfo, max_age_days: int, columns: str
) -> Iterable[tuple[date, dict[str, Any]]]:
    """Relevant articles first archived on a day in [first, last] (in *tz*) that belong to that
    day's digest, each with its day."""
    start, end = _day_start_utc(first, tz), _day_start_utc(last + timedelta(days=1), tz)
    # fetched_at is ISO 8601 (in UTC when the archive wrote it); the string bounds (the UTC day
    # before the start and the UTC day after the end, so another offset cannot slip through)
    # narrow the scan via the index, the exact test is done on the parsed value.
    lower = (start - timedelta(days=1)).date().isoformat()
    upper = (end + timedelta(days=1)).date().isoformat()
    cursor = db.execute(
        f"select {columns}, (select theme from article_themes t where t.article_id = a.id "
        "order by t.score desc, t.theme limit 1) as top_theme "
        "from articles a where a.relevant = 1 and a.fetched_at >= ? and a.fetched_at < ?",
        [lower, upper],
    )
    names = [d[0] for d in cursor.description]
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        fetched = _instant(row["fetched_at"])
        if fetched is None or not start <= fetched < end:
            continue
        day = fetched.astimezone(tz).date()
        published = _published_day(row["published_at"], tz)
        if published is not None and published < day - timedelta(days=max_age_days):
            continue
        themes = _json_list(row["themes"]) or ([row["top_theme"]] if row["top_theme"] else [])
        row["themes"] = tuple(dict.fromkeys(themes)) or (UNTHEMED,)
        yield day, row


def build_digest(
    db: sqlite3.Connection,
    day: date,
    *,
    tz: ZoneInfo,
    max_age_days: int = 3,
    labels: Mapping[str, str] | None = None,
) -> Digest:
    """The digest of *day* from an open archive connection (read only)."""
    labels = dict(labels or {key: _label_of(key) for key in THEME_KEYS})
    first = day - timedelta(days=CHART_DAYS - 1)
    daily: dict[date, dict[str, int]] = {first + timedelta(days=n): {} for n in range(CHART_DAYS)}
    rows: list[dict[str, Any]] = []
    for row_day, row in _select(
        db, first, day, tz, max_age_days, "a.id, a.fetched_at, a.published_at, a.themes"
    ):
        counts = daily[row_day]
        for theme in row["themes"]:
            counts[theme] = counts.get(theme, 0) + 1
    columns = (
        "a.id, a.url, a.title, a.text, a.source, a.published_at, a.fetched_at, a.language, "
        "a.relevance, a.themes, a.evidence"
    )
    rows = [row for _d, row in _select(db, day, day, tz, max_age_days, columns)]
    entries = sorted(
        (_entry(row) for row in rows),
        key=lambda e: (-e.relevance, e.title.casefold(), e.url),
    )
    seen = {t for counts in daily.values() for t in counts} | {e.theme for e in entries}
    themes = [t for t in labels if t != UNTHEMED]
    themes += sorted(seen - set(themes) - {UNTHEMED})
    if UNTHEMED in seen:
        themes.append(UNTHEMED)
    for counts in daily.values():
        for theme in themes:
            counts.setdefault(theme, 0)
    stamps = [_instant(e.fetched_at) for e in entries]
    newest = max((s for s in stamps if s), default=_day_start_utc(day, tz))
    return Digest(
        day=day,
        timezone=tz.key,
        max_age_days=max_age_days,
        labels=labels,
        entries=entries,
        daily=[(d, {t: daily[d][t] for t in themes}) for d in sorted(daily)],
        updated=_utc_iso(newest),
        themes=tuple(themes),
    )


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(row: Mapping[str, Any]) -> Entry:
    title = " ".join(str(row["title"] or "").split()) or row["url"]
    try:
        relevance = round(float(row["relevance"] or 0), 4)
    except (TypeError, ValueError):
        relevance = 0.0
    return Entry(
        url=row["url"],
        title=title,
        source=row["source"] or "",
        published_at=row["published_at"] or None,
        fetched_at=row["fetched_at"],
        language=row["language"] or None,
        relevance=relevance,
        themes=row["themes"],
        extract=extract(_without_title(row["text"] or "", row["title"] or "")),
        evidence=_evidence(row["evidence"], row["themes"]),
    )


# --------------------------------------------------------------------------- text helpers
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]*[A-Z0-9À-ÖØ-Þ\u0400-\u042f])|(?<=[。！？])"
)


def _without_title(text: str, title: str) -> str:
    """*text* without a first line that only repeats the title (pages often start so)."""
    first, _, rest = text.lstrip().partition("\n")
    if title and rest and " ".join(first.split()) == " ".join(title.split()):
        return rest
    return text


def extract(text: str, max_chars: int = EXTRACT_MAX_CHARS) -> str:
    """The first two or three sentences of *text* (three only while short), on one line."""
    flat = " ".join(text.split())
    if not flat:
        return ""
    sentences = [s.strip() for s in _SENTENCE_END.split(flat) if s.strip()]
    chosen: list[str] = []
    for sentence in sentences:
        joined = _join([*chosen, sentence])
        if len(chosen) >= 2 and len(joined) > max_chars:
            break
        chosen.append(sentence)
        if len(chosen) == 3:
            break
    out = _join(chosen)
    limit = max_chars * 2
    if len(out) > limit:  # no sentence ends in sight: cut at a word
        cut = out[:limit]
        out = (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut).rstrip(" ,;:") + "…"
    return out


def _join(sentences: Sequence[str]) -> str:
    out = ""
    for s in sentences:
        if out and not re.search(r"[。！？]$", out):
            out += " "
        out += s
    return out


def _evidence(value: Any, themes: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Matched terms per theme from the scorer's ``evidence`` JSON; {} when absent or unknown.

    The scorer writes ``{theme: [{"term", "title", "body", "weight", "context", "points"}]}``;
    a term whose ``points`` are 0 (a context word in an article not about China) did not count
    and is left out. The listed themes come first.
    """
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    order = [t for t in themes if t in parsed] + sorted(t for t in parsed if t not in themes)
    out: dict[str, list[dict[str, Any]]] = {}
    for theme in order:
        items = parsed[theme]
        if not isinstance(items, list):
            continue
        terms: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, str):
                terms.append({"term": item, "title": None, "body": None})
                continue
            if not isinstance(item, dict) or not item.get("term"):
                continue
            points = item.get("points")
            if isinstance(points, (int, float)) and points <= 0:
                continue
            terms.append(
                {
                    "term": str(item["term"]),
                    "title": _int_or_none(item.get("title")),
                    "body": _int_or_none(item.get("body")),
                }
            )
        if terms:
            out[str(theme)] = terms[:EVIDENCE_TERMS]
    return out


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _where(term: Mapping[str, Any]) -> str:
    parts = []
    if term.get("title"):
        parts.append(f"title {term['title']}")
    if term.get("body"):
        parts.append(f"body {term['body']}")
    return ", ".join(parts)


def _why(entry: Entry, digest: Digest) -> list[tuple[str, str]]:
    """(theme label, "term (title 1, body 2); ...") per theme with evidence."""
    lines = []
    for theme, terms in entry.evidence.items():
        text = "; ".join(
            f"{t['term']} ({_where(t)})" if _where(t) else str(t["term"]) for t in terms
        )
        lines.append((digest.label(theme), text))
    return lines


def _when(value: str | None, tz: ZoneInfo, fallback: str) -> str:
    if value and len(value.strip()) == 10:
        return value.strip()
    moment = _instant(value)
    if moment is None:
        return fallback
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {tz.key if tz.key == 'UTC' else local.strftime('%Z')}".strip()


def _published(entry: Entry, tz: ZoneInfo) -> str:
    seen = _when(entry.fetched_at, tz, entry.fetched_at)
    if not entry.published_at:
        return f"no date given (first seen {seen})"
    return _when(entry.published_at, tz, entry.published_at)


def _link(url: str) -> str | None:
    """*url* when it is safe to link (http or https), else None."""
    return url if re.match(r"(?i)^https?://[^\s]+$", url or "") else None


def _change(today: int, average: float) -> str:
    diff = today - average
    return "±0" if abs(diff) < 0.005 else f"{diff:+.1f}"


# --------------------------------------------------------------------------- Markdown
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|!~&])")


def _md(text: str) -> str:
    """Plain text made inert in Markdown (no links, HTML, emphasis or tables)."""
    flat = " ".join(str(text).split())
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    return re.sub(r"^([-+]|\d+\.)(\s)", r"\\\1\2", flat)


def render_markdown(digest: Digest) -> str:
    tz = ZoneInfo(digest.timezone)
    n = len(digest.entries)
    out = [
        f"# culturewatch digest, {digest.name}",
        "",
        (
            f"Relevant articles first archived on {digest.name} ({digest.timezone}), published "
            f"at most {digest.max_age_days} days before: **{n} article{'s' if n != 1 else ''}**."
        ),
        "",
        "## Themes",
        "",
        f"| theme | {digest.name} | average of the previous {AVERAGE_DAYS} days | change |",
        "|---|---:|---:|---:|",
    ]
    averages = digest.averages
    for theme in digest.themes:
        today, avg = digest.counts.get(theme, 0), averages.get(theme, 0.0)
        out.append(f"| {_md(digest.label(theme))} | {today} | {avg:.1f} | {_change(today, avg)} |")
    out += [
        "",
        f"![Relevant articles per theme, {CHART_DAYS} days to {digest.name}]({digest.name}.png)",
        "",
    ]
    if not digest.entries:
        out += ["No relevant articles were first archived on this day.", ""]
    number = 0
    for _theme, label, entries in digest.sections():
        out += [f"## {_md(label)} ({len(entries)})", ""]
        for entry in entries:
            number += 1
            url = _link(entry.url)
            title = f"[{_md(entry.title)}](<{url}>)" if url else _md(entry.title)
            out += [
                f"### {number}. {title}",
                "",
                f"- Source: {_md(entry.source) or 'unknown'}",
                f"- Published: {_md(_published(entry, tz))}",
                f"- Language: {_md(entry.language or 'unknown')}",
                f"- Themes: {_md(', '.join(digest.label(t) for t in entry.themes))}",
                f"- Relevance: {entry.relevance:.2f}",
            ]
            why = _why(entry, digest)
            if why:
                out.append("- Why it matched:")
                out += [f"  - {_md(label)}: {_md(text)}" for label, text in why]
            else:
                out.append("- Why it matched: no evidence recorded")
            if not url:
                out.append(f"- URL: `{entry.url.replace('`', '%60')}`")
            out += [""]
            if entry.extract:
                out += [f"> {_md(entry.extract)}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- HTML
_HTML_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>culturewatch digest, {{ d.name }}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 54rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.1rem; margin-bottom: .3rem; }
table { border-collapse: collapse; } td, th { padding: .2rem .7rem; border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; }
.meta { color: #555; font-size: .9rem; margin: 0; }
.why { font-size: .9rem; margin: .3rem 0; padding-left: 1.2rem; }
blockquote { margin: .5rem 0 1.2rem; padding-left: .8rem; border-left: 3px solid #ccc; color: #333; }
.empty { font-style: italic; }
</style>
</head>
<body>
<h1>culturewatch digest, {{ d.name }}</h1>
<p>Relevant articles first archived on {{ d.name }} ({{ d.timezone }}), published at most
{{ d.max_age_days }} days before: <strong>{{ d.entries|length }} article{{ "" if d.entries|length == 1 else "s" }}</strong>.</p>
<h2>Themes</h2>
<table>
<thead><tr><th>theme</th><th>{{ d.name }}</th><th>average of the previous {{ average_days }} days</th><th>change</th></tr></thead>
<tbody>
{%- for row in theme_rows %}
<tr><td>{{ row.label }}</td><td class="n">{{ row.today }}</td><td class="n">{{ row.average }}</td><td class="n">{{ row.change }}</td></tr>
{%- endfor %}
</tbody>
</table>
<p><img alt="Relevant articles per theme, {{ chart_days }} days to {{ d.name }}" src="data:image/png;base64,{{ chart }}"></p>
{%- if not d.entries %}
<p class="empty">No relevant articles were first archived on this day.</p>
{%- endif %}
{%- for section in sections %}
<h2>{{ section.label }} ({{ section.entries|length }})</h2>
{%- for e in section.entries %}
<article>
<h3>{{ e.number }}. {% if e.href %}<a href="{{ e.href }}">{{ e.title }}</a>{% else %}{{ e.title }}{% endif %}</h3>
<p class="meta">{{ e.source or "unknown source" }} · {{ e.published }} · language {{ e.language or "unknown" }} · relevance {{ e.relevance }}</p>
<p class="meta">Themes: {{ e.themes }}</p>
{%- if e.why %}
<ul class="why">
{%- for label, text in e.why %}
<li>{{ label }}: {{ text }}</li>
{%- endfor %}
</ul>
{%- else %}
<p class="meta">Why it matched: no evidence recorded</p>
{%- endif %}
{%- if not e.href %}
<p class="meta">URL: {{ e.url }}</p>
{%- endif %}
{%- if e.extract %}
<blockquote>{{ e.extract }}</blockquote>
{%- endif %}
</article>
{%- endfor %}
{%- endfor %}
</body>
</html>
"""


def render_html(digest: Digest, chart_png: bytes) -> str:
    """One self-contained page; every value from the archive is HTML-escaped."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    tz = ZoneInfo(digest.timezone)
    averages = digest.averages
    rows = [
        {
            "label": digest.label(t),
            "today": digest.counts.get(t, 0),
            "average": f"{averages.get(t, 0.0):.1f}",
            "change": _change(digest.counts.get(t, 0), averages.get(t, 0.0)),
        }
        for t in digest.themes
    ]
    number = 0
    sections = []
    for _theme, label, entries in digest.sections():
        items = []
        for entry in entries:
            number += 1
            items.append(
                {
                    "number": number,
                    "href": _link(entry.url),
                    "url": entry.url,
                    "title": entry.title,
                    "source": entry.source,
                    "published": _published(entry, tz),
                    "language": entry.language,
                    "relevance": f"{entry.relevance:.2f}",
                    "themes": ", ".join(digest.label(t) for t in entry.themes),
                    "why": _why(entry, digest),
                    "extract": entry.extract,
                }
            )
        sections.append({"label": label, "entries": items})
    page = env.from_string(_HTML_TEMPLATE).render(
        d=digest,
        theme_rows=rows,
        sections=sections,
        chart=base64.b64encode(chart_png).decode("ascii"),
        chart_days=CHART_DAYS,
        average_days=AVERAGE_DAYS,
    )
    return page.rstrip("\n") + "\n"


# --------------------------------------------------------------------------- JSON
def render_json(digest: Digest) -> str:
    tz = ZoneInfo(digest.timezone)
    averages = digest.averages
    data = {
        "date": digest.name,
        "timezone": digest.timezone,
        "max_age_days": digest.max_age_days,
        "updated": digest.updated,
        "count": len(digest.entries),
        "theme_counts": [
            {
                "theme": t,
                "label": digest.label(t),
                "count": digest.counts.get(t, 0),
                f"average_previous_{AVERAGE_DAYS}_days": averages.get(t, 0.0),
            }
            for t in digest.themes
        ],
        "daily": [{"date": d.isoformat(), "counts": counts} for d, counts in digest.daily],
        "chart": f"{digest.name}.png",
        "articles": [
            {
                "url": e.url,
                "title": e.title,
                "source": e.source,
                "published_at": e.published_at,
                "fetched_at": e.fetched_at,
                "language": e.language,
                "relevance": e.relevance,
                "themes": list(e.themes),
                "theme": e.theme,
                "extract": e.extract,
                "evidence": e.evidence,
                "published": _published(e, tz),
            }
            for e in digest.entries
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- chart
def render_chart(digest: Digest) -> bytes:
    """The theme volume of the chart's days as a PNG (no time stamp or software tag)."""
    import matplotlib
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    days = [d for d, _counts in digest.daily]
    with (
        matplotlib.style.context("default"),
        matplotlib.rc_context(
            {
                "font.family": "DejaVu Sans",
                "font.size": 9,
                "axes.spines.top": False,
                "axes.spines.right": False,
            }
        ),
    ):
        fig = Figure(figsize=(10, 3.6), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        xs = list(range(len(days)))
        colours = matplotlib.colormaps["tab10"].colors
        bottom = [0] * len(xs)
        for index, theme in enumerate(digest.themes):
            ys = [counts.get(theme, 0) for _d, counts in digest.daily]
            ax.bar(
                xs,
                ys,
                bottom=bottom,
                width=0.8,
                label=digest.label(theme),
                color=colours[index % len(colours)],
            )
            bottom = [b + y for b, y in zip(bottom, ys, strict=True)]
        ticks = [i for i in xs if (len(xs) - 1 - i) % 5 == 0]
        ax.set_xticks(ticks, [days[i].strftime("%d %b") for i in ticks])
        ax.set_xlim(-0.6, len(xs) - 0.4)
        ax.set_ylim(0, max(1, max(bottom)) * 1.05)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("relevant articles per theme")
        ax.set_title(
            f"Theme volume, {days[0]:%d %b} to {days[-1]:%d %b %Y} ({digest.timezone})",
            loc="left",
        )
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


# --------------------------------------------------------------------------- feed
ATOM = "http://www.w3.org/2005/Atom"
_DIGEST_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json$")


def render_feed(out_dir: Path, limit: int = FEED_ENTRIES) -> str:
    """An Atom feed of the newest *limit* digests whose JSON is in *out_dir*."""
    import xml.etree.ElementTree as ET

    digests = []
    for path in sorted(out_dir.iterdir(), reverse=True):
        match = _DIGEST_NAME.match(path.name)
        if not match:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            date.fromisoformat(match.group(1))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("articles"), list):
            digests.append((match.group(1), data))
        if len(digests) == limit:
            break
    feed = ET.Element("feed", {"xmlns": ATOM})
    ET.SubElement(feed, "title").text = "culturewatch daily digests"
    ET.SubElement(
        feed, "subtitle"
    ).text = "Coverage of China's cultural exports and soft power, one digest a day"
    ET.SubElement(feed, "id").text = "urn:culturewatch:digests"
    ET.SubElement(feed, "link", {"rel": "self", "href": "feed.xml"})
    updated = max((str(d.get("updated") or f"{n}T00:00:00Z") for n, d in digests), default=None)
    ET.SubElement(feed, "updated").text = updated or "1970-01-01T00:00:00Z"
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = "culturewatch"
    ET.SubElement(feed, "generator").text = "culturewatch"
    for name, data in digests:
        articles = [a for a in data["articles"] if isinstance(a, dict)]
        entry = ET.SubElement(feed, "entry")
        count = len(articles)
        ET.SubElement(
            entry, "title"
        ).text = f"Digest {name}: {count} relevant article{'s' if count != 1 else ''}"
        ET.SubElement(entry, "id").text = f"urn:culturewatch:digest:{name}"
        ET.SubElement(
            entry, "link", {"rel": "alternate", "type": "text/html", "href": f"{name}.html"}
        )
        ET.SubElement(entry, "updated").text = str(data.get("updated") or f"{name}T00:00:00Z")
        ET.SubElement(entry, "summary", {"type": "html"}).text = _feed_summary(data, articles)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _feed_summary(data: Mapping[str, Any], articles: list[dict[str, Any]]) -> str:
    """The HTML of one feed entry (escaped here, and escaped again as XML text)."""

    def esc(value: Any) -> str:
        return html.escape(str(value or ""), quote=True)

    parts = []
    themes = [t for t in data.get("theme_counts", []) if isinstance(t, dict) and t.get("count")]
    if themes:
        parts.append(
            "<p>"
            + ", ".join(
                f"{esc(t.get('label') or t.get('theme'))}: {esc(t['count'])}" for t in themes
            )
            + "</p>"
        )
    if not articles:
        parts.append("<p>No relevant articles were first archived on this day.</p>")
    else:
        items = []
        for a in articles[:10]:
            href = _link(str(a.get("url") or ""))
            title = esc(a.get("title") or a.get("url"))
            link = f'<a href="{esc(href)}">{title}</a>' if href else title
            items.append(f"<li>{link} ({esc(a.get('source'))})</li>")
        more = f"<p>and {len(articles) - 10} more</p>" if len(articles) > 10 else ""
        parts.append("<ol>" + "".join(items) + "</ol>" + more)
    return "".join(parts)


# --------------------------------------------------------------------------- files
def _write(path: Path, content: str | bytes) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one.

    The temporary file has a name of its own (two digests writing the same directory at once
    never share it) and is removed when anything fails. It is opened with mode 0o666 less the
    umask, as a plain new file would be (mkstemp's 0o600 would hide digests from a web server).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    for _attempt in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_digest(
    db_path: str | os.PathLike,
    day: date,
    out_dir: str | os.PathLike,
    *,
    tz: ZoneInfo,
    max_age_days: int = 3,
    labels: Mapping[str, str] | None = None,
) -> tuple[Digest, list[Path]]:
    """Write the digest files of *day* from the archive at *db_path*; returns them."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise DigestError(f"archive not found: {db_path} (run 'culturewatch crawl' first)")
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DigestError(f"cannot open the archive {db_path}: {exc}") from None
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        digest = build_digest(conn, day, tz=tz, max_age_days=max_age_days, labels=labels)
    except sqlite3.Error as exc:
        raise DigestError(f"cannot read the archive {db_path}: {exc}") from None
    finally:
        conn.close()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        chart = render_chart(digest)
        files = {
            f"{digest.name}.png": chart,
            f"{digest.name}.md": render_markdown(digest),
            f"{digest.name}.html": render_html(digest, chart),
            f"{digest.name}.json": render_json(digest),
        }
        for name, content in files.items():
            _write(out / name, content)
        _write(out / "feed.xml", render_feed(out))
    except OSError as exc:
        raise DigestError(f"cannot write the digest to {out}: {exc.strerror or exc}") from None
    return digest, [out / name for name in files] + [out / "feed.xml"]


def digest_from_config(
    *,
    config_dir: str | os.PathLike | None = None,
    db: str | os.PathLike | None = None,
    day: date | None = None,
    out: str | os.PathLike | None = None,
) -> tuple[Digest, list[Path]]:
    """What ``culturewatch digest`` does: settings, then :func:`write_digest`."""
    from crawler.config import config_dir as config_dir_of
    from crawler.config import default_db_path, load_settings

    directory = config_dir_of(config_dir)
    settings = load_settings(directory)
    tz = digest_timezone(settings)
    max_age = settings["digest.max_age_days"]
    if max_age < 0:
        raise ConfigError(f"{settings.path}: 'digest.max_age_days' must be 0 or more")
    return write_digest(
        Path(db) if db else default_db_path(settings),
        day or datetime.now(tz).date(),
        Path(out) if out else Path(settings["digest.out"]),
        tz=tz,
        max_age_days=max_age,
        labels=theme_labels(directory),
    )
