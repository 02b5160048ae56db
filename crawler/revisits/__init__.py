"""Revisits: relevant articles fetched again to catch edits and removals.

:mod:`crawler.revisits.spider` fetches the due articles (conditional GET, through the crawl's
Scrapy stack: robots.txt, the private-network guard, politeness, retries);
:mod:`crawler.revisits.run` picks the due ones, runs the spider, extracts what came back and
records each answer (:mod:`storage.revisits`, :mod:`storage.versions`).
"""
