"""The digest as Markdown (``YYYY-MM-DD.md``, beside the chart ``YYYY-MM-DD.png``).

Everything from the archive is escaped (:func:`storage.outputs.text.md_escape`); only
http(s) URLs become links.
"""

from __future__ import annotations

from storage.outputs.text import md_escape as _md
from storage.outputs.view import AVERAGE_DAYS, CHART_DAYS, LABELLED_DAYS, Carrier, Digest, Story

__all__ = ["render_markdown"]


def render_markdown(digest: Digest) -> str:
    n, m = len(digest.entries), len(digest.stories)
    out = [
        f"# culturewatch digest, {digest.name}",
        "",
        (
            f"Relevant articles first archived on {digest.name} ({digest.timezone}), published "
            f"at most {digest.max_age_days} days before: **{n} article{'s' if n != 1 else ''} "
            f"in {m} stor{'ies' if m != 1 else 'y'}**. Each story is listed once, its best copy "
            "first, with the outlets that also carried it."
        ),
        "",
        *_failing(digest),
        *_labelled(digest),
        "## Themes",
        "",
        f"| theme | articles {digest.name} | stories | articles, average of the previous "
        f"{AVERAGE_DAYS} days | change |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in digest.theme_counts:
        out.append(
            f"| {_md(row.label)} | {row.count} | {row.stories} | {row.average:.1f} | {row.change} |"
        )
    if digest.group_counts:
        out += ["", "Articles by source group: " + _groups(digest)]
    out += [
        "",
        f"![Relevant articles per theme, {CHART_DAYS} days to {digest.name}]({digest.name}.png)",
        "",
    ]
    if not digest.entries:
        out += ["No relevant articles were first archived on this day.", ""]
    for section in digest.sections:
        out += [f"## {_md(section.label)} ({len(section.stories)})", ""]
        for story in section.stories:
            out += _story(story)
    out += _changes(digest)
    if digest.attention:
        out += ["## Sources needing attention", ""]
        out += [f"- {_md(flag.name)}: {_md(flag.reason)}" for flag in digest.attention]
        out += [""]
    return "\n".join(out).rstrip("\n") + "\n"


def _failing(digest: Digest) -> list[str]:
    """The header's word on failing sources (nothing when none failed)."""
    failing = digest.failing
    if not failing or not failing.count:
        return []
    health = f" {_link('Source health', digest.health_page)}." if digest.health_page else ""
    return [f"**{_md(failing.sentence())}**{health}", ""]


def _labelled(digest: Digest) -> list[str]:
    found = digest.labelled
    if found is None:
        return []
    few = ", few labels" if found.labelled < 30 else ""
    return [
        f"Labelled precision of the last {LABELLED_DAYS} days: **{found.precision:.2f}** "
        f"({found.correct} of the {found.labelled} relevant articles an analyst labelled were "
        f"judged relevant; 95% interval {found.low:.2f} to {found.high:.2f}{few}).",
        "",
    ]


def _groups(digest: Digest) -> str:
    return ", ".join(f"{_md(g.label)} {g.count}" for g in digest.group_counts) + "."


def _link(text: str, href: str | None) -> str:
    """A Markdown link; ``<`` and ``>`` (which would end the destination) percent-encoded."""
    if not href:
        return _md(text)
    return f"[{_md(text)}](<{href.replace('<', '%3C').replace('>', '%3E')}>)"


def _carrier(carrier: Carrier) -> str:
    name = carrier.source or "unknown"
    if carrier.href:
        return _link(name, carrier.href)
    return f"{_md(name)} (`{carrier.url.replace('`', '%60')}`)"


def _story(story: Story) -> list[str]:
    entry = story.best
    out = [
        f"### {story.number}. {_link(entry.title, entry.href)}",
        "",
        f"- Source: {_md(entry.source) or 'unknown'}"
        + (f" ({_md(entry.group_label)})" if entry.group_label else ""),
        f"- Published: {_md(entry.published)}",
        f"- Language: {_md(entry.language or 'unknown')}",
        f"- Themes: {_md(', '.join(entry.theme_labels))}",
        f"- Relevance: {entry.relevance:.2f}",
    ]
    if entry.why:
        out.append("- Why it matched:")
        out += [f"  - {_md(label)}: {_md(text)}" for label, text in entry.why]
    else:
        out.append("- Why it matched: no evidence recorded")
    if not entry.href:
        out.append(f"- URL: `{entry.url.replace('`', '%60')}`")
    if story.spread:
        out.append(f"- Spread: {_md(story.spread)}")
    if story.also:
        out.append(f"- Also carried by: {', '.join(_carrier(c) for c in story.also)}")
    out += [""]
    if entry.extract:
        out += [f"> {_md(entry.extract)}", ""]
    return out


def _changes(digest: Digest) -> list[str]:
    """ "Changed or removed since yesterday", only when a revisit saw something that day."""
    if not digest.changes:
        return []
    out = ["## Changed or removed since yesterday", ""]
    for change in digest.changes:
        kinds = ", ".join(change.kinds)
        page = f" ([history](<{change.page}>))" if change.page else ""
        out.append(
            f"- {_link(change.title, change.href)} ({_md(change.source or 'unknown')}, "
            f"{_md(change.seen)}): **{_md(kinds)}**, {_md(change.summary)}{page}"
        )
    return [*out, ""]
