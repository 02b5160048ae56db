"""Listings: reading feeds and sitemaps, and finding a site's listing (discovery).

``feeds`` (RSS, Atom, JSON Feed), ``sitemaps`` (indexes, urlsets, Google News sitemaps,
read incrementally) and ``discovery`` (what a fetched page or robots.txt says of a site's
listings; the requests are :mod:`crawler.kinds.probe`'s).

Sites (kind ``site``)
---------------------
A ``site`` source's ``url`` is an outlet's home or section page; the crawl finds its listing:

1. the feeds the page advertises, ``<link rel="alternate">`` with a feed type (else links on
   the page that look like feeds; comment feeds left out): trafilatura's feed discovery;
2. the sitemaps its robots.txt names on ``Sitemap:`` lines, news sitemaps first
   (trafilatura);
3. common feed paths (``/feed``, ``/rss``, ``/rss.xml``, ``/feed.xml``, ``/atom.xml``,
   ``/index.xml``), then common sitemap paths (``/news-sitemap.xml``, ``/sitemap_news.xml``,
   ``/sitemap.xml``, ``/sitemap_index.xml``);
4. failing all of these, **the page's own article links**: links on the same site whose path
   looks like an article's (a date or number, a slug, ``.html``), without navigation, tag,
   category, login or file links (courlan's filters).

The first candidate that the crawl's own parsers read as a feed or sitemap with items wins
(at most 12 candidate requests). trafilatura and courlan fetch with an HTTP client of their
own, so only their parsing is used: every request is the crawl's, through Scrapy, with its
politeness, robots.txt (a disallowed candidate is skipped), private-network refusal and size
limit. What was found is **remembered** in the archive (table ``source_listings``); later
crawls read it directly, with conditional GETs, and articles are fetched as for any kind
(only new ones, newest first, within ``max_items``). When the remembered listing **stops
working** (an HTTP error, no longer a feed or sitemap, no items), the same crawl discovers
again without it and remembers what it finds instead; when nothing replaces it the source
fails, and ``source_listings.last_error`` says why. A site remembered with page links only is
looked at again for an advertised feed at every crawl (the page is fetched anyway).
"""
