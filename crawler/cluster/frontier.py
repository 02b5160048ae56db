"""The shared frontier in Redis: requests queued per host, handed out only when due.

:class:`Frontier` is the small interface the rest of the cluster code uses (shaped like
URLFrontier's: get due / acknowledge / set delay / block until), so another engine could
replace it. Each call is one Lua script, so what it reads and writes is atomic, and every
time it uses is Redis's own clock (``TIME``): the delay between two requests to one host
holds across machines whatever their clocks say.

A host is handed out at most once per its delay: ``hosts`` is a sorted set of the hosts
with queued requests, scored by the time (ms) their next request may leave; ``next`` keeps
that time for a host whose queue ran empty, so a request pushed later still waits for it.
A request handed out is *leased* (``inflight``, scored by the lease's end): a worker renews
the leases it holds; a lease that ends (its worker died) is put back at the front of its
host's queue by :meth:`Frontier.reclaim`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Due", "Frontier", "Keys"]

# ms a claimed host waits for its request to be written (then it is free: the claimer died)
SENDING_MS = 5000


@dataclass(frozen=True)
class Keys:
    """The Redis keys of the cluster (one crawl at a time per Redis database)."""

    prefix: str = "culturewatch:"

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.prefix}{name}"

    def queue(self, host: str) -> str:
        return f"{self.prefix}q:{host}"

    def robots(self, site: str) -> str:
        """A site's robots.txt, shared by the crawl (see :mod:`crawler.cluster.robots`)."""
        return f"{self.prefix}robots:{site}"

    def worker(self, name: str) -> str:
        """A worker's liveness hash (it expires when the worker stops beating)."""
        return f"{self.prefix}worker:{name}"

    def run_keys(self) -> list[str]:
        """The keys of one crawl (deleted at its end; host queues are found by pattern)."""
        names = "run hosts next sent sending delay throttle req reqhost inflight attempts".split()
        return [getattr(self, n) for n in names] + [self.dupefilter, self.default_delay]


_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: hosts next req reqhost inflight; ARGV: id host data queue_key
_PUSH = """
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('RPUSH', ARGV[4], ARGV[1])
local due = redis.call('HGET', KEYS[2], ARGV[2]) or 0
redis.call('ZADD', KEYS[1], 'NX', due, ARGV[2])
return 1
"""

# KEYS: hosts next delay req inflight default_delay throttle; ARGV: queue_prefix lease_ms
# -> {id, data} | {false, wait_ms} | {} (nothing queued)
_GET_DUE = (
    _NOW
    + """
local default = tonumber(redis.call('GET', KEYS[6]) or 0)
for _ = 1, 50 do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
  if #due == 0 then
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    if #first == 0 then return {} end
    return {false, tonumber(first[2]) - now}
  end
  local host = due[1]
  local id = redis.call('LPOP', ARGV[1] .. host)
  if not id then
    redis.call('ZREM', KEYS[1], host)
  else
    local delay = math.max(tonumber(redis.call('HGET', KEYS[3], host) or default),
                           tonumber(redis.call('HGET', KEYS[7], host) or 0))
    redis.call('ZADD', KEYS[1], now + delay, host)
    redis.call('HSET', KEYS[2], host, now + delay)
    redis.call('ZADD', KEYS[5], now + tonumber(ARGV[2]), id)
    return {id, redis.call('HGET', KEYS[4], id)}
  end
end
return {false, 10}
"""
)

# KEYS: hosts next sent delay default_delay; ARGV: host hold_ms -> the host's next time
# (nothing handed out before it, and at the wire nothing sent: a request handed out already
# waits too, as if the last one had left a delay before that time)
_HOLD = (
    _NOW
    + """
local until_ = now + tonumber(ARGV[2])
local known = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or 0)
if until_ > known then
  redis.call('HSET', KEYS[2], ARGV[1], until_)
  redis.call('ZADD', KEYS[1], 'XX', 'GT', until_, ARGV[1])
end
local default = tonumber(redis.call('GET', KEYS[5]) or 0)
local gate = until_ - tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or default)
if gate > tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or -1e15) then
  redis.call('HSET', KEYS[3], ARGV[1], gate)
end
return until_
"""
)

# KEYS: sent delay sending default_delay throttle; ARGV: host sending_ms -> 0 (the host is ours:
# send now, then say so with _SENT) or the ms until it may be. While one request to a host
# is on its way (claimed, not yet written), no other is: the delay counts from the moment
# the last one was *written*, so one held up between its claim and the wire (a busy reactor,
# a starved process) never squeezes the next. A claim never confirmed (its worker died)
# lets the host go after sending_ms.
_CLAIM = (
    _NOW
    + """
local default = tonumber(redis.call('GET', KEYS[4]) or 0)
local delay = math.max(tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or default),
                       tonumber(redis.call('HGET', KEYS[5], ARGV[1]) or 0))
local taken = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or -1e15)
if now < taken + tonumber(ARGV[2]) then
  return math.max(delay, 10)
end
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or -1e15)
if now >= last + delay then
  redis.call('HSET', KEYS[3], ARGV[1], now)
  return 0
end
return last + delay - now
"""
)

# KEYS: sent sending; ARGV: host -> the request claimed for host is written: the next one
# waits its delay from now
_SENT = (
    _NOW
    + """
redis.call('HSET', KEYS[1], ARGV[1], now)
redis.call('HDEL', KEYS[2], ARGV[1])
return now
"""
)

# KEYS: inflight; ARGV: lease_ms id... -> how many renewed
_RENEW = (
    _NOW
    + """
local n = 0
for i = 2, #ARGV do
  n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i])
end
return n
"""
)

# KEYS: inflight req reqhost hosts next attempts; ARGV: queue_prefix max_attempts
# -> ids given up (their data returned too: id, data, id, data ...)
_RECLAIM = (
    _NOW
    + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 500)
local given_up = {}
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[1], id)
  local host = redis.call('HGET', KEYS[3], id)
  local tries = redis.call('HINCRBY', KEYS[6], id, 1)
  if host and tries < tonumber(ARGV[2]) then
    redis.call('LPUSH', ARGV[1] .. host, id)
    local due = redis.call('HGET', KEYS[5], host) or 0
    redis.call('ZADD', KEYS[4], 'NX', due, host)
  else
    table.insert(given_up, id)
    table.insert(given_up, redis.call('HGET', KEYS[2], id) or '')
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
  end
end
return given_up
"""
)


@dataclass(frozen=True)
class Due:
    """What :meth:`Frontier.get_due` found: a request (its id and data), or how long until
    one may be due (``wait``, seconds; None: nothing is queued at all)."""

    id: str | None = None
    data: bytes | None = None
    wait: float | None = None


class Frontier:
    """Requests per host in Redis, handed out when the host's delay has passed."""

    def __init__(self, server: Any, keys: Keys | None = None, *, lease: float = 30.0):
        self.server = server
        self.keys = keys or Keys()
        self.lease_ms = int(lease * 1000)
        self._push = server.register_script(_PUSH)
        self._get = server.register_script(_GET_DUE)
        self._hold = server.register_script(_HOLD)
        self._renew = server.register_script(_RENEW)
        self._claim = server.register_script(_CLAIM)
        self._sent = server.register_script(_SENT)
        self._reclaim = server.register_script(_RECLAIM)

    # -- adding
    def push(self, request_id: str, host: str, data: bytes, *, pipe: Any = None) -> None:
        """Queue a request (a reclaimed or retried one: its lease is over)."""
        k = self.keys
        self._push(
            keys=[k.hosts, k.next, k.req, k.reqhost, k.inflight],
            args=[request_id, host, data, k.queue(host)],
            client=pipe or self.server,
        )

    def set_delay(self, host: str, seconds: float) -> None:
        """The delay between two requests to *host*, for the whole cluster."""
        self.server.hset(self.keys.delay, host, int(seconds * 1000))

    def set_throttle(self, host: str, seconds: float) -> None:
        """AutoThrottle's delay for *host*: it counts when longer than the host's delay."""
        self.server.hset(self.keys.throttle, host, int(seconds * 1000))

    def set_default_delay(self, seconds: float) -> None:
        self.server.set(self.keys.default_delay, int(seconds * 1000))

    def hold(self, host: str, seconds: float) -> None:
        """Hand out nothing of *host* for *seconds* (a Retry-After, a backoff)."""
        k = self.keys
        self._hold(
            keys=[k.hosts, k.next, k.sent, k.delay, k.default_delay],
            args=[host, int(seconds * 1000)],
        )

    # -- taking
    def get_due(self) -> Due:
        """A due request, leased to the caller, or how long until the next may be due."""
        k = self.keys
        found = self._get(
            keys=[k.hosts, k.next, k.delay, k.req, k.inflight, k.default_delay, k.throttle],
            args=[k.queue(""), self.lease_ms],
        )
        if not found:
            return Due()
        if found[0] is None:
            return Due(wait=max(int(found[1]), 0) / 1000)
        request_id = found[0].decode() if isinstance(found[0], bytes) else str(found[0])
        return Due(id=request_id, data=found[1])

    def block_until(self) -> float | None:
        """Seconds until the next host is due (0: now; None: nothing queued)."""
        first = self.server.zrange(self.keys.hosts, 0, 0, withscores=True)
        if not first:
            return None
        now_s, now_us = self.server.time()
        return max(first[0][1] - (now_s * 1000 + now_us // 1000), 0) / 1000

    def claim(self, host: str) -> float:
        """0: send a request to *host* now, then call :meth:`sent` once it is written (no
        one else may send to *host* in between, and its delay counts from then); else the
        seconds to wait before asking again."""
        k = self.keys
        wait = self._claim(
            keys=[k.sent, k.delay, k.sending, k.default_delay, k.throttle], args=[host, SENDING_MS]
        )
        return int(wait) / 1000

    def sent(self, host: str) -> None:
        """The request claimed for *host* is written: the host's delay counts from now."""
        self._sent(keys=[self.keys.sent, self.keys.sending], args=[host])

    def renew(self, ids: list[str]) -> int:
        """Extend the leases of *ids* (held by a live worker)."""
        if not ids:
            return 0
        return int(self._renew(keys=[self.keys.inflight], args=[self.lease_ms, *ids]))

    def expire(self, ids: list[str]) -> None:
        """End the leases of *ids* now: given back, the coordinator queues them again."""
        if ids:
            self.server.zadd(self.keys.inflight, dict.fromkeys(ids, 0), xx=True)

    def acknowledge(self, request_id: str, *, pipe: Any = None) -> None:
        """The request is done with (its result sent): its lease and data go."""
        client = pipe or self.server
        client.zrem(self.keys.inflight, request_id)
        client.hdel(self.keys.req, request_id)
        client.hdel(self.keys.reqhost, request_id)
        client.hdel(self.keys.attempts, request_id)

    def reclaim(self, max_attempts: int = 3) -> list[tuple[str, bytes]]:
        """Put the requests of expired leases back in their queues; those leased
        *max_attempts* times already are given up and returned (id, data)."""
        k = self.keys
        out = self._reclaim(
            keys=[k.inflight, k.req, k.reqhost, k.hosts, k.next, k.attempts],
            args=[k.queue(""), max_attempts],
        )
        return [(out[i].decode(), out[i + 1]) for i in range(0, len(out), 2)]

    # -- watching
    def depth(self) -> dict[str, int]:
        """Queued requests per host."""
        hosts = [h.decode() for h in self.server.zrange(self.keys.hosts, 0, -1)]
        pipe = self.server.pipeline()
        for host in hosts:
            pipe.llen(self.keys.queue(host))
        return dict(zip(hosts, pipe.execute(), strict=True))

    def in_flight(self) -> tuple[int, int]:
        """Leases held, and of them those already expired."""
        now_s, now_us = self.server.time()
        now = now_s * 1000 + now_us // 1000
        held = self.server.zcard(self.keys.inflight)
        expired = self.server.zcount(self.keys.inflight, "-inf", now)
        return int(held), int(expired)

    def clear(self) -> None:
        """Delete every key of the crawl (its queues too), but its result stream."""
        keys = self.keys.run_keys()
        for pattern in (self.keys.queue("*"), self.keys.robots("*")):
            keys += list(self.server.scan_iter(match=pattern, count=1000))
        if keys:
            self.server.delete(*keys)
