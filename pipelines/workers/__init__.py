"""Extraction in worker processes, fed by the crawl's reactor.

``pool`` (the crawl's side: :class:`~pipelines.workers.pool.ExtractorPool`), ``links`` (its
Twisted ends of the pipes and sockets), ``fork_server`` (the warm process the workers are
forked from) and ``loop`` (a worker's loop). How this shows in a crawl (two pages per
worker, ``crawl.extract_workers``, ``crawl.extract_timeout``) is told in :mod:`crawler`.
"""
