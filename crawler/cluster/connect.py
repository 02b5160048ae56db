"""Connecting to the cluster's Redis, and refusing one the crawl cannot trust."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["ClusterError", "connect", "culturewatch_version"]


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
    return server


def _without_password(url: str) -> str:
    """*url* as shown in messages: a password replaced by ***."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{host}"
