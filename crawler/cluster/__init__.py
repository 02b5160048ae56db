"""More than one machine: one crawl shared by workers over Redis (scrapy-redis).

``culturewatch crawl --cluster URL`` is the coordinator (:mod:`.coordinator`): it lists the
sources, pushes new article requests to the shared :mod:`.frontier`, and writes the
workers' results, read from a Redis Stream (:mod:`.stream`), with the one archive writer.
``culturewatch worker --cluster URL`` (:mod:`.worker`) fetches, extracts and scores them.
Nothing here is imported by a crawl without ``--cluster``: redis and scrapy-redis are the
optional ``cluster`` extra.
"""
