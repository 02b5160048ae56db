"""``culturewatch demo``: a sample archive built from the project's own synthetic news site,
served on loopback and crawled by the real crawl, so no network is needed.

- ``site``: the site built from its data, the outlets' pages and listings with robots.txt
  (the demo's outlets and articles are ``articles.json``);
- ``pages``: its HTML, an article page in its outlet's furniture and the home pages;
- ``feeds``: its feed and sitemap documents (RSS, Atom, JSON Feed, sitemaps);
- ``server``: the loopback HTTP server thread that serves them;
- ``build``: the demo crawl into its own archive.

The tests serve the same site, built from their own data (one outlet with every listing
format, robots rules and traps: ``tests/support/data/news-site.json``), with the same server.

What a user sees: the site is six fictional outlets, about thirty short articles in English
and simplified and traditional Chinese, written for the demo, dated over the last few days;
it is crawled as ``culturewatch crawl`` would a real source (feeds and a news sitemap, text
extraction, scoring against the six themes, stories). One wire story is carried by four of
the outlets, so ``culturewatch stories --db data/demo.db`` has something amplified to show.
The demo prints what it archived (articles, relevant ones per language and theme, the most
amplified story), then serves the archive as ``culturewatch browse`` does (``--port``,
``--host``; Ctrl-C stops it), while the demo site keeps answering, so the articles' original
links work; ``--no-browse`` only builds it.

The demo archive is its own file, ``data/demo.db`` (``--db PATH`` for another;
``$CULTUREWATCH_DB`` names the real archive and is not used), never the real
``data/culturewatch.db``: demo articles are not to be mixed with monitored ones, so an archive
holding any source other than the demo's (``demo-*``) is refused with one line. The demo's
sources and settings are written to a temporary directory, never into ``./config``; the
themes and the Datasette metadata are the ones shipped with culturewatch. Run again, it adds
nothing: the site is served on the port of the previous build when that port is free (every
article is then known and skipped), else its pages are fetched again and kept out as
duplicates of the texts already archived. The dates are those of the first build; delete
``data/demo.db`` for a fresh one.
"""
