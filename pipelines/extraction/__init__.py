"""Extraction: an article's text and metadata from a fetched page.

Modules: ``extract`` (trafilatura around the rules below; the workers import it),
``article`` (what it returns, importable without trafilatura), ``textclean`` (trims what
trafilatura keeps atop the text), and the metadata rules: ``metadata`` (the page's metadata,
their modules together), ``titles`` and ``sitenames`` (headline), ``dates`` (publication
date), ``bylines`` and ``authors`` (authors), ``jsonld`` (what they share) and
``vocabulary`` (the words they look for, as data).

Metadata
--------
Title, publication date and authors come from the page's own evidence (general rules only,
nothing per publisher; trafilatura's guesses are the fallback). The words the rules look
for are data (``vocabulary``): translation tables, one concept ("by", a reporter's role,
"author", "published", "updated", the months) in every language of the sources (English,
Chinese in both scripts and 16 more), and observed strings (agencies, CMS accounts,
``<meta>`` names, class names, URL paths), which the quality gate holds out publisher by
publisher.

- **Title**: the JSON-LD ``headline``, unless it is a cut of the ``<h1>`` (it ends in an
  ellipsis) or the ``<h1>`` and ``og:title`` agree on a longer headline containing it;
  without JSON-LD, the ``<h1>`` when ``og:title`` or ``<title>`` begin with it, else
  ``og:title``, else ``<title>``. A leading or trailing segment (``… - Site``, ``Site | …``,
  ``…｜Site``) is removed when it names the site (``og:site_name``, the JSON-LD publisher
  or WebSite, the host from the URL, ``rel=canonical`` or ``og:url``), a date or a byline; a
  dash or colon inside a headline stays, so a title is never cut mid-phrase. A kicker
  ("Olympic Games: …") stays: the publishers' own headlines keep it.
- **Publication date**, strongest evidence first, recorded in ``date_source``: JSON-LD
  ``datePublished`` (``jsonld``), ``article:published_time`` and its kin (``meta``), a
  ``<time datetime>`` marked as the publication or inside the ``<article>``, or a date the
  page prints after a date label (``<strong>Datum</strong> 28.04.2023``, "Published Jun 5,
  2026") or in the article's element of a date class ("28. April 2024, 14:26 Uhr",
  "2025年4月28日"; never an update, a link or a teaser) (``time``), the day in the URL
  (``/2025/04/01/``) (``url``), the feed's or news sitemap's date (``feed``), then
  htmldate's guess (``htmldate``). Modified dates are never read; a date more than a day in
  the future or before 1995 is refused; offsets (and zones printed after a time, "CET") are
  honoured and the time stored in UTC. A time without offset is the publisher's: it takes
  the offset of weaker evidence of the same day, else of the page's other dates (a modified
  date's too); without any, a machine-readable time is read as UTC and a printed one keeps
  its day. The feed's date is also kept in ``feed_published_at``.
- **Authors**, a list, from the evidence in order of trust: JSON-LD ``author`` objects,
  arrays, strings and ``@id`` references (people; an organisation only when no person is
  named), ``<meta>`` authors (``name=author``, ``article:author``, ``dc.creator``...; never
  a URL), ``rel=author``, microdata (``itemprop=author``), byline elements by class, the
  article's short texts opening with a byline's word ("Von Seb Dumitru", "记者 李静怡"; not
  a teaser's, in a link), trafilatura's byline, a name after an author label
  (``<strong>Autor</strong> Jane Doe``), links to an author's page. An element is read a
  child at a time. The people of the most trusted evidence naming one are the authors (an
  agency credited beside them as a separate author stays); an agency or an editorial team
  ("dpa", "MND Staff", "编辑部") credited instead is the author of a wire story; the site
  (its name or domain) or a CMS account (``/author/admin/``) is passed over for weaker
  evidence naming a person, else for the names on a line of their own among the body's
  first lines ("Jane Doe", "A/B"), and is the author only when no one else is named. Names
  are split (``By A and B``, ``A, B; C``, ``Von A und B``, ``A、B``, ``记者 王小明 李华``) and
  cleaned of what precedes them (By, Von, Par, Por, Di, Door, Av, 文/, 作者：) and of roles
  before or after (记者, 記者, 编辑, 特约记者, 기자, Staff Writer, Redakteurin...), of e-mail
  addresses, links, photo credits ("Foto: …"), a place a Chinese byline reports from
  ("／台北報導") and an agency beside a person (``| Reuters``); an agency alone stays.
- **Body**: trafilatura's extraction (a page headed in Han, kana or Hangul counts as its
  main text from 100 characters, not 250, so that a short Chinese article is not taken from
  trafilatura's flat fallback, headline and byline glued to the first paragraph); when the
  HTML renders no article (a Next.js page that streams it in ``self.__next_f.push``
  scripts), the longest markup row of that payload. Atop the text, the headline, a line
  naming the authors and a dateline are removed, and a headline or byline glued to the
  first paragraph is cut off it.

Quality gates (``tests/quality/``, figures checked against ``baselines.json``)
----------------------------------------------------------------------------
- Extraction: a loopback mirror of 121 real article pages (an RSS feed on one host, a Google
  News sitemap on another) crawled with ``culturewatch crawl``; ``python
  tests/quality/eval_extraction.py --check``: 121/121 archived, F1 0.964 (P 0.950, R 0.979)
  on the benchmark's token 4-gram metric; a second crawl fetches no article and adds no row.
- Metadata: a loopback mirror of 131 real publisher pages of 2023-2025 (91 publishers,
  ``../shared/corpus/fundus-metadata``, each at its original path, an RSS feed of bare
  links) crawled with ``culturewatch crawl``, against what hand-written per-publisher
  parsers extract; the peer is standalone trafilatura on the same pages. ``python
  tests/quality/eval_metadata.py --check`` (``--json``: every figure and each page's
  misses; ``--by-publisher``: each publisher's): title token F1 0.952 (trafilatura 0.915),
  publication day 0.992 (0.962; the UTC day, a bare date against the publisher's local
  day), true authors found 0.945 (0.836), body 4-gram F1 0.956 (0.947), 131/131 archived
  (130). Cross-validated by publisher (each publisher's pages with the rules chosen on the
  other publishers: without the observed strings only it needs, thresholds chosen on the
  others): title 0.952, day 0.992, authors 0.937, body 0.956; holding out the translation
  tables' words too (``--strict``): day 0.9847, authors 0.885. ``--check`` fails below the
  stored figures, crawled or cross-validated, and below the peer.
"""
