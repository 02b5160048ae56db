"""What ``culturewatch browse`` serves: the archive in Datasette, read as a reader would.

Datasette (https://datasette.io) serves the archive on 127.0.0.1 (port 8001, or ``--port``);
``--host 0.0.0.0`` exposes it to the network, which is the user's explicit choice. The
archive stays open for writing: crawls go on while it is browsed. Titles, descriptions,
facets, canned queries, the dashboard and Datasette settings are data, in
``config/metadata.yml``; ``browse`` adds the theme labels and alias groups of
``themes.toml`` as the ``culturewatch`` plugin's configuration (so a bad themes file stops it
with one line, exit status 2). The front page, the article page and the cells are Datasette
template overrides (``templates/``, with ``static/``) and plugins (the modules here).

The front page
--------------
The home page (``http://127.0.0.1:8001/``) answers "what stood out": today and this week at a
glance (relevant articles of those archived, by UTC day of first archiving), the week's
relevant articles per source group, the stories carried by the most outlets this week, and
per theme the strongest articles of the week (one per story) as linked titles with source,
source group, date, language, relevance and theme chips. A title opens the article's page;
↗ opens the original. From there: a search box (the concept search), the dashboard, the
newest relevant articles, every table and query. Only the archive is listed (no empty
``_memory`` database).

An **article's page** (``/culturewatch/articles/<id>``) shows the text with the words that
matched the themes marked (``<mark>``) and why it scored as it did: per theme its score and
each concept found, the words as they matched, how often in the title and body, the weight
and the points it added (a context term that did not count, in an article not about China,
says so). Everything from the article is escaped: a page's markup never reaches the browser.
The page ends with the labelling buttons (:mod:`storage.web.labelling`).

The **dashboard** (``/-/dashboards/attention``, datasette-dashboards) charts attention over
time, as weekly shares so that a busier week does not look like more attention: per theme
(relevant articles on it per 100 articles archived that week), per language and per source
group (of every 100 articles in that language or group, how many are relevant, to one theme
if one is picked), with filters for dates, theme and source group, and the sources with the
most relevant articles. Its charts are SQL in ``config/metadata.yml`` (``plugins:
datasette-dashboards:``), drawn with Vega-Lite served by the plugin itself (no CDN).

Tables and cells
----------------
- **articles**, the most relevant first (sort by ``published_at`` for the newest; the front
  page links that view), with facets on source, source group, language, theme, relevance
  and publication day (days in date order, newest first); titles link to the article's page
  and the original, a URL shows its host, the text is a short excerpt, themes are chips and
  the evidence a short "why"; the column descriptions fold under "Column descriptions". Its
  search box is the **plain** search: the words exactly as typed, English words stemmed and
  Chinese words of any length (哪吒, 汉服, 马面裙).
- **stories**: one row per story (title and first copy, ``first_source``, ``source_count``
  outlets over ``spread_hours``, ``sources`` in the order they carried it, ``languages``),
  with facets on the first outlet, the number of outlets, language and day; an article's
  ``story_id`` links to its story, a story's ``article_count`` to its copies.
- the canned queries of ``config/metadata.yml`` (each described there); a query's SQL is
  hidden behind a link. A ``theme`` parameter is a list of the theme keys (empty: every
  theme), and a request with an unknown key is refused with HTTP 400 and the valid keys, in
  words (in JSON too), never an empty result. ``relevant_feed.atom`` (optionally
  ``?theme=KEY``) is an Atom feed of the newest relevant articles, for a feed reader.
- descriptions of every table, column and query; ``raw_html`` and the search indexes are
  hidden. Snippets are shown as text (markup in an article is escaped); only the matches
  are highlighted.

Chinese search
--------------
The archive keeps ``articles_search``, an FTS5 index in which every Han character is a
token, plus Han character bigrams, fed on every write (:mod:`storage.search`); a Chinese
term is found where the text contains it as typed (the phrase of its characters, and of its
bigrams so that it stays within one run of Chinese), or where its words stand apart
(哪吒电影 also finds 哪吒 … 电影: jieba cuts a typed term, in the searching process only; the
crawl never loads it), and a snippet marks the term whole. An archive of an earlier release
is indexed again when it is first opened (migration ``m014_search_han_characters``).
``python tests/bench/fts_chinese.py`` compares it with a bigram and a trigram index;
``python tests/bench/canned_queries.py`` times every canned query on 100,000 articles (all
under 200 ms).

Limits
------
Every request has a bounded cost (issue 27), whoever sends it:

- a search (the concept search's ``q``, the table's ``_search``) of at most 500 characters
  and 500 words and phrases once names are expanded to their spellings, else 400 saying
  why (:mod:`storage.web.search_size`); FTS5's ``snippet()`` only on a text of at most
  4,000 tokens, an excerpt found in one pass beyond (:mod:`storage.search_excerpts`);
- every read of the archive interrupted at ``sql_time_limit_ms``, even inside one long
  step of SQLite; a string or blob of at most 16 MiB (``zeroblob(150000000)`` is refused),
  a query's rows of at most 64 MiB of text and blobs (:mod:`storage.web.sql_limits`);
- arbitrary SQL (``?sql=``, the SQL box, ``_where=``) for the person at the machine and
  signed-in analysts; anonymous visitors from elsewhere only with ``anonymous_sql: true``
  (:mod:`storage.web.arbitrary_sql`);
- per client address: a request body of at most 1 MiB (else 413, unread), 10 sign-in
  attempts a minute (5 at once; 30 a minute from everyone), 10 seconds of server time a
  minute and 2 requests at once (else 429 with ``Retry-After``; the person at the machine
  is held to the first two only), at most 200 connections in all
  (:mod:`storage.web.request_limits`, the ``limits`` of ``plugins: culturewatch:``);
- cookies are HttpOnly and the referrer policy ``same-origin``
  (:mod:`storage.web.response_headers`), and a label posted from another origin (another
  port of 127.0.0.1) is refused (:mod:`storage.web.labelling`);
- an error page costs no more than a page: no traceback with locals in the log
  (:mod:`storage.web.errors`).

Stories, attention, alerts and mutes (issue 29)
-----------------------------------------------
- A **story's page** (``/culturewatch/stories/<id>``, :mod:`storage.web.story_page`): its
  amplification on top (outlets, copies, languages, spread, first carrier), then a timeline
  of every copy: outlet, source group, language, time (publication time, else archive time,
  said so), a link to its article's page. The stories table lists the most carried first.
- **One row per story**: ``/culturewatch/articles?_per_story=1`` (:mod:`storage.web.per_story`)
  and the canned query ``search_stories``; a toggle on both pages.
- **Attention over time for any search** (``/-/culturewatch/attention?q=``,
  :mod:`storage.web.attention`): daily counts and shares of all archived, by language and
  source group, CSV; linked under every search's results.
- **Saved alerts and mutes** (``/-/culturewatch/mutes``, :mod:`storage.web.saved_alerts`):
  a search saved as an alert, a source or term muted or unmuted, guarded as labels are.
- Times read ``6 Dec 2026, 12:18 UTC``, scores ``0.99``, themes by their names
  (:mod:`storage.web.readable`).

Screenshots
-----------
``tests/test_browser.py`` and ``tests/test_front_browser.py`` take the README's screenshots
(1400x1000 for the front page, search, article and dashboard; ``tests/test_day_browser.py``
the story, attention and mutes pages) in headless Chromium; they
write to a temporary directory unless ``CULTUREWATCH_UPDATE_SCREENSHOT=1`` is set, which
refreshes ``tests/screenshots/``.
"""
