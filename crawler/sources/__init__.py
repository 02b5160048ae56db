"""The sources commands: ``culturewatch sources``, ``sources check`` and ``sources add``.

``state`` (each source's state in the archive, and the live check), ``report`` (what the
commands print), ``add`` (the entry ``sources add`` appends). The sources file itself is
explained in its header (``config/sources.toml``); the kinds are :mod:`crawler.kinds`.

The shipped sources
-------------------
``config/sources.toml`` ships with about sixty public sources chosen for the themes, each with
a ``note`` on why it is there: English and Chinese outlets' China, culture and world sections
(state media in both languages, Hong Kong, Taiwanese and international outlets), film and
game trade press, UNESCO's World Heritage news, think-tank and magazine coverage of soft
power, news sitemaps of outlets without a suitable feed, and one search per theme and
language on GDELT and Google News. They were written down from the outlets' own pages and
could not be fetched from the machine they were written on, so each says ``verified =
false``: run ``culturewatch sources check`` once with a network connection, then set
``verified = true`` on the ones that answer (or ``enabled = false`` on those that do not).

Each source may have a ``group``, the kind of outlet it is, which the front page, the facets
of ``articles`` and ``sources``, the dashboard and the digest count by (the groups are listed
in the header of ``sources.toml``; any other value stops a crawl with one line naming the
file and line). Every default source has one. The archive keeps it in
``sources.source_group`` and, so that the articles table can facet on it, in
``articles.source_group`` (kept in step by triggers: changing a source's group in
sources.toml moves its articles at the next crawl; :mod:`storage.groups`).

``sources check``
-----------------
Runs the crawl's own Scrapy stack and parsers, with its manners (user agent, robots.txt,
private-network refusal, one request at a time per host, 5 s apart for GDELT), with a short
timeout (``--timeout``, 10 s). A host that cannot be reached at all fails its other sources
at once, so offline it prints one FAIL line per source within seconds. A ``site`` source is
checked by the discovery its first crawl would make (:mod:`crawler.listings`), and its line
names what it found. When a ``feed`` or ``sitemap`` fails, the check runs that discovery at
its site's home page and adds what it now finds to the FAIL line (``...: HTTP 404; discovery
at https://example.com/ now finds feed https://example.com/rss/culture.xml (rss20, 20
items)``), so a moved feed is one edit away. For a ``google_news`` search it says how many of
its links are of the current format.

``sources add URL [--name N] [--language L] [--group G]``
----------------------------------------------------------
Fetches URL once, through the same Scrapy stack as ``sources check`` (a discovery from URL,
as for a ``site`` source), and shows what it found: the format, the item count and the latest
titles. A feed or a sitemap given directly is added as a ``feed`` or ``sitemap`` source at its
final URL; a home or section page as a ``site`` source at the page (whatever discovery found
there: a feed, a sitemap, or its article links). The entry is **appended** to the sources
file (``--sources``, else ``sources.toml`` in the configuration directory; created when
missing) after a comment saying what was found and when, with ``verified = true`` and a
``note``; the file's own comments and layout are left as they are, and the whole file is
loaded again before it is replaced. The name defaults to the URL's host and first path
segment. A URL (compared canonically, also the listing discovery found) or a name already in
the file is refused with one line and exit status 2; a URL that gives no feed, sitemap or
article links adds nothing (exit status 1). ``--group`` writes the source's ``group``.

Sources that need attention
---------------------------
A source that failed ``flags.failed_crawls`` crawls in a row (default 3), or brought no new
article for ``flags.quiet_days`` days (default 7; counted from its first crawl while it has
none) is **flagged**: in the ``attention`` column and the totals line of ``culturewatch
sources``, in a section "Sources needing attention" at the foot of the digest (Markdown and
HTML, and ``sources_needing_attention`` in its JSON; absent while no source is flagged), and
in the canned query ``sources_needing_attention``, which reads ``sources.flag`` as each crawl
stored it (:mod:`storage.health`). A disabled source is never flagged.

Discovery sources
-----------------
Two kinds search many outlets at once. Their ``url`` is the service's endpoint (a test points
it at a local server); the query comes from ``themes.toml`` (``theme = "films_games"``: the
strongest stand-alone terms of that theme, in the source's language and script) unless a
``query`` is given, so that themes and searches do not drift apart
(:mod:`crawler.kinds.queries`).

- ``gdelt`` (:mod:`crawler.kinds.gdelt`): the GDELT DOC 2.0 API,
  ``mode=ArtList&format=json``, newest first. GDELT asks for one request every 5 seconds and
  returns at most 250 articles per request: all ``gdelt`` sources share one download slot
  with a fixed 5 s delay (AutoThrottle kept off it), and the time window (``timespan``,
  default ``1d``) is sliced: when a page comes back full and with new articles, the next
  request asks for the part of the window older than that page's oldest article, up to 8
  pages per source and crawl. GDELT searches the English machine translation of every
  language it monitors, so its queries are English; ``language = "zh"`` restricts them to
  Chinese-language outlets (``sourcelang:``).
- ``google_news`` (:mod:`crawler.kinds.google_news`, :mod:`crawler.kinds.google_links`):
  Google News RSS search (``https://news.google.com/rss/search?q=..&hl=..&gl=..&ceid=..``,
  at most 100 items); ``language`` picks the edition (``en``: US, ``zh``: China,
  ``zh-Hant``: Taiwan, ``zh-HK``: Hong Kong) and ``timespan`` becomes ``when:``. Its item
  links point at ``news.google.com/rss/articles/<id>``, not at the publisher. They are
  resolved to the publisher's URL: ids of the older format carry it and are decoded offline,
  so the only-new filter works on the publisher's URL before anything is fetched. Ids of the
  **current format** (``CBMi...``, whose protobuf holds an opaque ``AU_yqL...`` token) are
  resolved with the steps the maintained googlenewsdecoder package
  (https://github.com/SSujitX/google-news-url-decoder) follows, made by the crawl itself
  through Scrapy (the package fetches with a client of its own at a fixed host, outside the
  crawl's robots.txt, politeness and private-network rules): the article page
  ``/rss/articles/<id>?hl=..&gl=..&ceid=..`` in the search's edition, whose ``c-wiz`` element
  carries a signature and a timestamp (``data-n-a-sg``, ``data-n-a-ts``); then a POST of id,
  timestamp and signature to Google's ``/_/DotsSplashUi/data/batchexecute`` (``Fbv4je``,
  ``garturlreq``), whose ``garturlres`` answer holds the publisher's URL. These requests go
  to the host of the RSS link (so a test points the whole chain at a local server), one at a
  time in a download slot of their own, ``google_news.resolve_delay`` seconds apart (default
  1). Otherwise the Google page is followed when it answers with a redirect, a meta refresh,
  or a link to the publisher named in the item's ``<source url=...>``. An item that cannot
  be resolved is recorded in ``pages`` as ``unresolved``, with the step that failed in
  ``error`` (no signature on the page, no URL in the answer), and is not tried again; a
  request to Google that fails (429, 5xx) is ``failed`` and tried again by a later crawl.
  Either way the item's **title, publisher and date from the RSS stay in ``pages``**
  (``title``, ``publisher``, ``published_at``), so the story is still seen: the canned query
  ``unresolved_google_news`` lists them. If news.google.com's robots.txt disallows a path of
  these steps, the crawl obeys it and the item is recorded ``refused``.

Both kinds search their sources one after another, keep the only-new filter, politeness and
private-network rules of the others, and when the service cannot be reached at all the
waiting sources fail at once with the same reason.
"""
