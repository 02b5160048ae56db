"""How the benchmarks of tests/bench/ time a call: the median of K runs, in milliseconds.

:func:`median_ms` times a plain call (an SQL query on a connection); :func:`client_median_ms`
a page served through Datasette's own request handling (``datasette.client``), after one
request to warm it up, each answer checked.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["client_median_ms", "median_ms"]


def median_ms(func: Callable[[], object], runs: int) -> float:
    """The median of *runs* timings of ``func()``, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def client_median_ms(
    ds: Any, url: str, runs: int, ok: Callable[[Any], bool] = lambda r: r.status_code == 200
) -> float:
    """The median of *runs* timings of ``GET url`` on the Datasette *ds*, in milliseconds,
    after one untimed request; an answer that is not *ok* stops the benchmark."""

    async def timed() -> float:
        await ds.client.get(url)  # warm up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = await ds.client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert ok(response), response.text
        return statistics.median(times)

    return asyncio.run(timed())
