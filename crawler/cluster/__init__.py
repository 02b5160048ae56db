"""More than one machine: one crawl shared by workers over Redis (scrapy-redis).

``culturewatch crawl --cluster URL`` is the coordinator (:mod:`.coordinator`): it lists the
sources, pushes new article requests to the shared :mod:`.frontier`, and writes the
workers' results, read from a Redis Stream (:mod:`.stream`), with the one archive writer;
a page crosses Redis once, as the gzipped WARC records its worker built (about 52 KiB each way
per article of the extraction benchmark, its text included: ``tests/bench/cluster_scale.py``).
``culturewatch worker --cluster URL`` (:mod:`.worker`) fetches, extracts and scores them:
a host's delay, a Retry-After and a robots Crawl-delay hold for the whole cluster, counted
from when each request was written (:mod:`.gate`); robots.txt is fetched once per host per
crawl and shared (:mod:`.robots`). A Redis restarted mid-crawl (append-only file) is waited
for up to ``connect.RIDE_OUT`` seconds; gone longer, each process stops with one line.
Nothing here is imported by a crawl without ``--cluster``: redis and scrapy-redis are the
optional ``cluster`` extra.
"""
