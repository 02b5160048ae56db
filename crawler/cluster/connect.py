"""Connecting to the cluster's Redis, and refusing one the crawl cannot trust."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["RIDE_OUT", "ClusterError", "connect", "culturewatch_version", "give_up"]

# seconds a lost Redis (restarted, loading its append-only file) is waited for, each call
# retried, before the command gives up with one line
RIDE_OUT = 30


_CLIENTS: list[Any] = []  # this process's clients (a handful: one per component)


class ClusterError(Exception):
    """The cluster cannot be used: one line saying why."""


def culturewatch_version() -> str:
    try:
        return version("culturewatch")
    except PackageNotFoundError:  # a source tree without an install
        return "unknown"


def connect(url: str) -> Any:
    """A client of the Redis at *url* (``redis://``, ``rediss://`` or ``unix://``), checked:
    it answers, the password is right, and it never evicts keys (raises ClusterError)."""
    try:
        import redis
    except ImportError:
        raise ClusterError(
            "--cluster needs redis and scrapy-redis: pip install 'culturewatch[cluster]'"
        ) from None
    shown = _without_password(url)
    try:
        server = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        server.ping()
    except ValueError as exc:
        raise ClusterError(f"--cluster {shown}: not a Redis URL ({exc})") from None
    except redis.AuthenticationError:
        raise ClusterError(f"--cluster {shown}: Redis refused the password") from None
    except redis.ResponseError as exc:
        if "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
            raise ClusterError(f"--cluster {shown}: Redis refused the password") from None
        raise ClusterError(f"--cluster {shown}: {exc}") from None
    except redis.RedisError as exc:
        raise ClusterError(f"--cluster {shown}: Redis cannot be reached ({exc})") from None
    try:
        policy = server.config_get("maxmemory-policy").get("maxmemory-policy", "noeviction")
    except redis.RedisError:  # CONFIG renamed or forbidden: the server's business
        policy = "noeviction"
    if policy != "noeviction":
        raise ClusterError(
            f"--cluster {shown}: Redis evicts keys (maxmemory-policy {policy}); queued requests "
            "would vanish: set maxmemory-policy noeviction"
        )
    # checked: from now on a Redis that goes away (a restart) is waited for, not fatal
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    lost = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)
    server.set_retry(Retry(ExponentialBackoff(cap=1.0, base=0.05), RIDE_OUT, lost))
    _CLIENTS.append(server)
    return server


def give_up() -> None:
    """Redis is gone for good (a command waited ``RIDE_OUT`` seconds for it in vain): from
    now on every client of this process fails at once, so that the process stops now
    rather than after another ride-out for each command its stopping sends."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    for server in _CLIENTS:
        server.set_retry(Retry(NoBackoff(), 0))


def _without_password(url: str) -> str:
    """*url* as shown in messages: a password replaced by ***."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{host}"
