"""``culturewatch cluster status``: what the cluster's Redis says, in a few lines."""

from __future__ import annotations

import json
import time
from typing import Any

from crawler.cluster.frontier import Frontier, Keys

__all__ = ["cluster_status"]


def cluster_status(server: Any, keys: Keys | None = None) -> list[str]:
    keys = keys or Keys()
    frontier = Frontier(server, keys)
    raw = server.get(keys.run)
    run = json.loads(raw) if raw else None
    lines = [
        f"crawl: {run['id'][:12]} (culturewatch {run['version']})" if run else "crawl: none running"
    ]
    workers = sorted(server.scan_iter(match=keys.worker("*"), count=1000))
    lines.append(f"workers alive: {len(workers)}")
    now = time.time()
    for key in workers:
        info = {k.decode(): v.decode() for k, v in server.hgetall(key).items()}
        name = key.decode().removeprefix(keys.worker(""))
        seen = now - float(info.get("seen", now))
        lines.append(
            f"  {name}: culturewatch {info.get('version', '?')}, {info.get('pages', 0)} pages, "
            f"{info.get('held', 0)} in hand, seen {seen:.1f}s ago"
        )
    depth = frontier.depth()
    held, expired = frontier.in_flight()
    lines.append(f"queued: {sum(depth.values())} pages on {len(depth)} hosts")
    for host, count in sorted(depth.items(), key=lambda hc: -hc[1])[:20]:
        lines.append(f"  {host}: {count}")
    lines.append(f"in flight: {held} (leases expired: {expired})")
    pending = server.xlen(keys.results) if server.exists(keys.results) else 0
    lines.append(f"results waiting for the archive: {pending}")
    return lines
