"""``culturewatch demo``: a sample archive built from the project's own synthetic news site,
served on loopback and crawled by the real crawl, so no network is needed.

- ``site``: the outlets' pages, feeds and sitemap (the articles are ``articles.json``);
- ``server``: the loopback HTTP server thread that serves them;
- ``build``: the demo crawl into its own archive.
"""
