"""culturewatch, the application: the command line, the configuration, the crawl.

The crawl itself is :mod:`crawler.runner` (one crawl per process) with its session, the
Scrapy settings (:mod:`crawler.crawl_settings`), the middlewares, the held retries
(:mod:`crawler.delays`), the progress it reports and the lock it takes.

What ``culturewatch crawl`` prints
--------------------------------
One crawl of every enabled source, then a summary on stdout (the only thing there): sources
ok / not modified / failed, requests, fetched, new, skipped as known, relevant, failed
pages, time. Failing sources are named in the summary and recorded; the exit status is
non-zero only when the crawl could not run or had to stop (2: configuration; 1: archive or
crawl error, such as an archive that cannot be written; 75: another crawl, a rescore or a
stories rebuild holds the archive), or reached no source at all (69, ``EX_UNAVAILABLE``:
offline, DNS down; one line with the most common error instead of the summary, each
source's error recorded for ``culturewatch sources`` and the ``source_health`` query; the
front page, the digest and the alerts then say every source failed). While it runs, the crawl shows its progress on stderr:
on a terminal one live line (sources done, pages fetched of queued, new, pages per second,
elapsed), erased before the summary; when stderr is not a terminal (cron, a log, the
scheduler) the same as a plain ``progress: ...`` line every 10 seconds (the scheduler logs
each as ``crawl progress: ...``); nothing with ``-q`` (or ``-v``, which shows Scrapy's log).

How a crawl behaves
-------------------
- **Only new articles.** Links are canonicalised (tracking parameters such as ``utm_*`` and
  fragments dropped, host lower-cased) and a URL already in the archive is never fetched
  again. After the fetch the page's ``rel=canonical`` is honoured when it points elsewhere
  on the same site. Feeds and sitemaps are fetched with conditional GET (ETag,
  Last-Modified): a 304 ends that source's work. Validators are kept only when a source was
  fully processed, so nothing is skipped because a crawl stopped half-way.
- **Politeness.** robots.txt obeyed, an identifying user agent, per-domain delay and
  concurrency, AutoThrottle, timeouts, retries on 429 and 5xx with exponential backoff that
  honours ``Retry-After`` (the retried URL waits, see below), a maximum response size. A
  host's robots.txt is remembered across crawls for ``politeness.robots_txt_max_age``
  seconds (24 h; table ``robots_txt``; a 4xx is remembered as "everything allowed", a 5xx
  or a network error not at all), so the recrawl of an unchanged feed is one conditional
  request.
- **Extraction in worker processes.** Pages are extracted by ``crawl.extract_workers``
  processes (0, the default: one per core), forked from one warm process that has loaded
  trafilatura, its stop-word lists (justext's words of every language, held once rather
  than twice) and the other libraries once (they share that memory, and a replacement is
  ready at once; Linux). Each is given two pages at a time (one waits in its socket, so a
  worker never waits between pages) by the crawl's reactor, which meanwhile goes on
  downloading; a page waiting for a worker holds back new downloads (Scrapy's own limit on
  responses in process), so memory is set by the workers. The crawl's process holds a
  page's bytes only: the worker decodes them with the encoding Scrapy found. A worker that
  dies on a page, or takes more than ``crawl.extract_timeout`` seconds (60) on it, is
  replaced and the page recorded as ``failed`` in ``pages`` (fetched again later under the
  give-up policy below); if the process they are forked from dies, it is started again. A
  worker also computes the story signature of each article it extracts, so that the
  crawl's own process does not. The archive is written by a thread of its own, a batch of
  items per transaction (:mod:`pipelines.workers`, :mod:`pipelines.writer`).
- **Private networks.** Loopback, private, link-local, shared (100.64/10) and multicast
  destinations are refused, also after a redirect and at the moment of connecting (the DNS
  resolver refuses them too, against DNS rebinding), unless ``--allow-private-networks`` or
  ``allow_private_networks = true``.
- **Nothing lost.** Every fetched article URL is recorded in ``pages`` with its outcome
  (archived, duplicate, not_html, empty, gone, unresolved, too_large, given_up, and the
  retryable failed, refused, deferred); each item is written whole in one transaction (a
  batch of items shares it, and is written or rolled back as one); a broken listing (also a
  truncated feed with no complete item) fails only its own source, which is recorded in
  ``sources``, and the crawl goes on. A crawl killed outright leaves its run ``running``;
  the next crawl marks it ``crashed`` and fills in its counts and end time from what it
  wrote.
- **A failed write is retried, then the crawl stops.** When the archive cannot be written
  (the disk is full, another program holds SQLite's write lock), the batch is retried with
  backoff for ``crawl.write_retry_seconds`` (60 s); if it still fails, the crawl stops
  fetching, records its run as ``failed`` with the reason, prints one line on stderr and
  exits 1. A source with an unwritten item keeps no ETag/Last-Modified, so the next crawl
  lists the item again: after the disk is freed or the lock released, that crawl archives
  every article exactly once.
- **A wait belongs to a URL, not to its host.** A retry (429, 5xx, a network error) waits
  for its own backoff or ``Retry-After`` while the host's other URLs go on at normal
  politeness. A ``Retry-After`` longer than ``politeness.retry_backoff_max`` is not waited
  for: the page is ``deferred`` in ``pages``, with ``retry_at`` set to when the server said
  to come back. SIGINT/SIGTERM ends a crawl within about 7 seconds, whatever is in flight.
- **Give-up policy.** A page that failed (or was refused or deferred) is fetched again by a
  later crawl after ``crawl.page_retry_spacing`` seconds (1 h), doubling after each
  failure, at most ``crawl.page_attempts`` times (4); then it is ``given_up``. A page over
  ``max_response_size``, or a compressed bomb, is ``too_large`` and never downloaded again.
  The ``source_health`` query counts each source's pages waiting for a retry and given up.
- **Hostile listings.** A feed or sitemap URL is fetched once per crawl (a sitemap index
  listing itself or a child many times is read once); a redirect back into its own chain
  is a failure (``redirect loop``), not a silent drop; a sitemap is parsed incrementally
  and only the newest ``max_items`` of its entries are kept, so a million-URL sitemap takes
  about the memory of its body (``python tests/bench/sitemap_memory.py``).
- **No network.** A host name that does not resolve (or whose lookup times out) is not
  retried within a crawl, so with no network at all a crawl of the default configuration
  ends in seconds (about 40 s with a DNS server that never answers) with one ``failed
  source`` line per source, all recorded in ``sources``.

Performance
-----------
``python tests/bench/crawl_vs_trafilatura.py`` serves the 121 pages of the extraction
benchmark (``../shared``) on 4 loopback hosts (port 80 of 127.X.0.1-4, so it needs root or
the right to bind port 80) in 5 distinct copies each (605 pages, one RSS feed per host),
then runs ``culturewatch crawl`` and trafilatura's own CLI (``trafilatura -i FEEDS --feed
--parallel 2 --with-metadata --json``) interleaved, three times each, politeness off on both
sides, and prints the wall time, CPU time and peak memory of both (sampled every 20 ms: the
sum of the resident sets of the process tree, and the same in proportional set size, which
counts a page the crawl's processes share once) and their ratios (``--hosts``,
``--copies``, ``--repeats``; ``--growth 1,20`` runs 121 and 2,420 pages once each and
prints the time per article and the start-up cost; ``--smoke`` is what
``tests/test_bench_smoke.py`` runs). ``python tests/bench/rescore_speed.py`` times
``rescore`` on 20,000 archived articles, in one process and in one per core. A page that
declares no language gets CLD2's guess (pycld2, a few MiB), and py3langid's (a model of
~80 MiB) only when CLD2 is unsure. On this project's 2-core machine (2026-12-04, medians of
3) the crawl took 0.92x the peer's wall time, 1.57x its CPU time, and 1.86x its proportional
set size (the sum of resident sets, which counts the workers' shared pages once per worker,
2.81x; the largest single process 0.77x the peer's); all 605 archived. The closing notes of
issue 15 have the figures before and after each change.
"""
