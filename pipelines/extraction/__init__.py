"""Extraction: an article's text and metadata from a fetched page.

Modules: ``extract`` (trafilatura around the rules below; the workers import it),
``article`` (what it returns, importable without trafilatura), ``textclean`` (trims the
headline trafilatura repeats atop the text), and the metadata rules: ``metadata``
(headline, authors), ``dates`` (publication date), ``jsonld`` (what they share).

Metadata
--------
Title, publication date and authors come from the page's own evidence (general rules only,
nothing per publisher; trafilatura's guesses are the fallback):

- **Title**: the JSON-LD ``headline``, unless it is a cut of the ``<h1>`` (it ends in an
  ellipsis) or the ``<h1>`` and ``og:title`` agree on a longer headline containing it;
  without JSON-LD, the ``<h1>`` when ``og:title`` or ``<title>`` begin with it, else
  ``og:title``, else ``<title>``. A leading or trailing segment (``… - Site``, ``Site | …``,
  ``…｜Site``, ``… | Section | Site | 28.04.2023``) is removed only when it names the site
  (``og:site_name``, the JSON-LD publisher or WebSite, the host from the URL,
  ``rel=canonical`` or ``og:url``), a date or a byline, or when what remains is the
  ``<h1>``; a dash or colon inside a headline stays, so a title is never cut mid-phrase.
- **Publication date**, strongest evidence first, recorded in ``date_source``: JSON-LD
  ``datePublished`` (``jsonld``), ``article:published_time`` and its kin (``meta``), a
  ``<time datetime>`` marked as the publication or inside the ``<article>``, or a day
  printed after a date label (``<strong>Datum</strong> 28.04.2023``, "Published",
  "Veröffentlicht"; never "updated") (``time``), the feed's or news sitemap's date
  (``feed``), then htmldate's guess (``htmldate``). Modified dates are never read; a date
  more than a day in the future or before 1995 is refused; offsets are honoured and the
  time stored in UTC (a time without offset takes the offset of weaker evidence for the
  same day, else it is read as UTC). The feed's date is also kept in ``feed_published_at``.
- **Authors**, a list: JSON-LD ``author`` (people; an organisation only when no person is
  named; ``@id`` references followed), else the byline trafilatura finds, else ``meta
  name=author``; when these name only the site or a CMS account (a JSON-LD author whose
  page is ``/author/admin/``) and the page's byline element (a name printed after an author
  label, ``<strong>Autor</strong> Jane Doe``, an ``itemprop=author``, ``rel=author``, a
  ``byline``/``author`` class, or a link to an author's page) names a person, the byline's;
  failing that, the names on a line of their own among the body's first three ("Jane Doe",
  "A/B"; two to four capitalised words, never a list item). The site named beside a person
  is dropped. Bylines are split (``By A and B``, ``A, B; C``, ``Von A und B``), and ``By``,
  roles (``Reporter``, ``Staff Writer``, ``기자``), e-mail addresses and agency suffixes
  (``| Reuters``) removed; an agency alone stays.
- **Body**: trafilatura's extraction; when the HTML renders no article (a Next.js page that
  streams it in ``self.__next_f.push`` scripts), the longest markup row of that payload.

Quality gates (``tests/quality/``, figures checked against ``baselines.json``)
----------------------------------------------------------------------------
- Extraction: a loopback mirror of 121 real article pages (an RSS feed on one host, a Google
  News sitemap on another) crawled with ``culturewatch crawl``; ``python
  tests/quality/eval_extraction.py --check``: 121/121 archived, F1 0.964 (P 0.950, R 0.979)
  on the benchmark's token 4-gram metric; a second crawl fetches no article and adds no row.
- Metadata: a loopback mirror of 131 real publisher pages of 2023-2025
  (``../shared/corpus/fundus-metadata``, each at its original path, an RSS feed of bare
  links) crawled with ``culturewatch crawl``, against what hand-written per-publisher
  parsers extract; the peer is standalone trafilatura on the same pages. ``python
  tests/quality/eval_metadata.py --check`` (``--json``: every figure and each page's
  misses): title token F1 0.952 (trafilatura 0.915), publication day 0.992 (0.962; the UTC
  day, a bare date against the publisher's local day), true authors found 0.945 (0.836),
  body 4-gram F1 0.955 (0.947), 131/131 archived (130); ``--check`` also fails below the
  peer.
"""
