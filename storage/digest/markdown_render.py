"""The digest as Markdown (``YYYY-MM-DD.md``, beside the chart ``YYYY-MM-DD.png``).

Everything from the archive is escaped (:func:`storage.digest.text.md_escape`); only
http(s) URLs become links.
"""

from __future__ import annotations

from storage.digest.text import md_escape as _md
from storage.digest.view import AVERAGE_DAYS, CHART_DAYS, Digest, Entry

__all__ = ["render_markdown"]


def render_markdown(digest: Digest) -> str:
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
    for row in digest.theme_counts:
        out.append(f"| {_md(row.label)} | {row.count} | {row.average:.1f} | {row.change} |")
    out += [
        "",
        f"![Relevant articles per theme, {CHART_DAYS} days to {digest.name}]({digest.name}.png)",
        "",
    ]
    if not digest.entries:
        out += ["No relevant articles were first archived on this day.", ""]
    for section in digest.sections:
        out += [f"## {_md(section.label)} ({len(section.entries)})", ""]
        for entry in section.entries:
            out += _entry(entry)
    return "\n".join(out).rstrip("\n") + "\n"


def _entry(entry: Entry) -> list[str]:
    title = f"[{_md(entry.title)}](<{entry.href}>)" if entry.href else _md(entry.title)
    out = [
        f"### {entry.number}. {title}",
        "",
        f"- Source: {_md(entry.source) or 'unknown'}",
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
    out += [""]
    if entry.extract:
        out += [f"> {_md(entry.extract)}", ""]
    return out
