"""The daily digest: what was archived on one day about the themes, in files a person reads.

``write_digest`` reads the archive (never writes it) and writes into a directory::

    YYYY-MM-DD.md    Markdown, beside YYYY-MM-DD.png (the 30-day theme volume chart)
    YYYY-MM-DD.html  one self-contained page (chart embedded), everything from articles escaped
    YYYY-MM-DD.json  the same content as data: ``date``, ``articles`` and more
    feed.xml         an Atom feed of the most recent digests in the directory

Which articles: the relevant ones (``relevant = 1``) first archived (``fetched_at``) on that
day in the given time zone, published at most ``max_age_days`` days before that day (an
article without a date counts as published when first seen). The copies of one story
(``articles.story_id``) make one entry: its best copy (highest relevance, then earliest) with
the other outlets that carried it and the spread (how many outlets over how many hours, which
first). The entries are grouped by their main theme (the first of ``themes``) and ranked by
relevance.

Everything comes in as plain values (the time zone, ``max_age_days``, the theme labels);
the application reads them from its configuration (``crawler.outputs.digests``). The output depends
on the archive, the date and those values only (no clock, no PNG time stamps), so the same
archive and date give byte-identical files.

Modules, one job each: ``selection`` (which articles, and the other copies of their
stories), ``view`` (the view model every renderer takes), ``grouping`` (the entries by
story), ``why`` (the words that matched), ``text`` and ``dates`` (helpers), ``markdown_render``, ``html_render`` (with
``templates/digest.html``), ``json_render``, ``chart``, ``feed`` (and its Atom writer), and
``write`` (the registry of renderers and the atomic writes). ``alert_render`` renders what an
alert sends (``templates/alert.html``) from the same view model.
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
