"""The daily digest: what was archived on one day about the themes, in files a person reads.

``write_digest`` reads the archive (never writes it) and writes into a directory::

    YYYY-MM-DD.md    Markdown, beside YYYY-MM-DD.png (the 30-day theme volume chart)
    YYYY-MM-DD.html  one self-contained page (chart embedded), everything from articles escaped
    YYYY-MM-DD.json  the same content as data: ``date``, ``articles`` and more (below)
    feed.xml         an Atom feed of the 30 newest digests in the directory

The HTML is one self-contained page: the chart embedded, every title, text and URL from the
articles escaped, only ``http(s)`` URLs made links. The JSON: ``date``, ``articles`` (each
with ``url``, ``title``, ``source``, ``group``, ``published_at``, ``fetched_at``,
``language``, ``relevance``, ``themes``, ``extract``, ``evidence``, ``story_id``),
``stories`` (each with ``id``, ``title``, ``first_source``, ``first_seen``, ``first_url``,
``outlets``, ``sources``, ``spread_hours``, ``best_url``, ``also_carried_by`` and the URLs of
its ``articles``), ``theme_counts`` (articles and stories), ``groups`` (the day's articles per
source group), ``daily`` (the chart's numbers), and when they apply ``labelled_precision`` and
``sources_needing_attention``.

Which articles: the relevant ones (``relevant = 1``) first archived (``fetched_at``) on that
day in the given time zone, published at most ``max_age_days`` days before that day (an
article without a date counts as published when first seen). The copies of one story
(``articles.story_id``) make one entry: its best copy (highest relevance, then earliest) with
the other outlets that carried it and the spread (how many outlets over how many hours, which
first). The entries are grouped by their main theme (the first of ``themes``) and ranked by
relevance.

Each entry: the linked title, source (and its source group), publication time, language,
themes, the first two or three sentences (without a first line that repeats the headline,
and without bylines, source and date lines such as ``来源：新华网 2025-03-04``, ``记者 张三`` or
``By Jane Doe``), why it matched (per theme, the words found, such as ``ReelShort`` or
``短剧出海``, and how often in the title and body), and for a story carried by several
outlets the spread (``4 outlets over 14.0 hours, first carried by state-wire (published
2026-03-03 19:00 UTC)``: by publication time where known, else archive time, as the
``stories`` table: :mod:`storage.carriers`) and **also carried by**: the other outlets, each
linked to its copy. The outlets and the spread count every copy archived by the end of the
day, relevant or not, and a copy archived later never changes an old day's digest. When
sources fail, the header says how many, since when, and links the source-health query
(:mod:`storage.failing`). At the top: the number of articles
and of stories touching each theme against the average of the previous 7 days (articles),
the day's articles per source group, and a chart of theme volume over the last 30 days. A
day with nothing relevant gives a digest that says so. With labels, the labelled precision
of the last 30 days is shown under the counts: of the relevant articles first archived then
that an analyst labelled as a whole, how many were judged relevant, with its 95% interval;
and the HTML links each entry to its page in ``culturewatch browse``, to label it (setting
``digest.browse_url``; empty for no links). Its footer, "Sources needing attention" (absent
while no source is flagged), is the one part that says the state when the digest was
written.

Everything comes in as plain values (the time zone, ``max_age_days``, the theme labels);
the application reads them from its configuration (``crawler.outputs.digests``). The output depends
on the archive, the date and those values only (no clock, no PNG time stamps), so the same
archive and date give byte-identical files.

Modules, one job each: ``view`` (the view model every renderer takes), ``grouping`` (the
entries by story), ``text`` (extracts, escaping, plain lines, links and times for a reader),
``markdown_render``, ``html_render`` (with ``templates/digest.html``), ``json_render``,
``chart``, ``feed`` (and its Atom writer), ``templating`` (the one Jinja2 environment) and
``write`` (the registry of renderers). ``alert_render`` renders what an alert sends
(``templates/alert.html``) from the same view model. What they read comes from the archive's
root: which articles and the other copies of their stories (:mod:`storage.selection`), the
words that matched (:mod:`storage.evidence`), ISO times (:mod:`storage.formats`), and files
are written whole by :func:`storage.files.atomic_write`.
"""

from __future__ import annotations

from storage.outputs.view import Digest, Entry, Story, build_digest, default_labels
from storage.outputs.write import DIRECTORY_RENDERERS, RENDERERS, DigestError, write_digest

__all__ = [
    "DIRECTORY_RENDERERS",
    "RENDERERS",
    "Digest",
    "DigestError",
    "Entry",
    "Story",
    "build_digest",
    "default_labels",
    "write_digest",
]
