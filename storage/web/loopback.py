"""What counts as this machine: the one loopback rule of ``culturewatch browse``.

:func:`is_loopback` decides both where it matters: the host the server listens on
(:mod:`storage.web.serve`: beyond loopback there is no local actor, and a warning) and the
host a request names (:mod:`storage.web.labelling`: the local actor). ``localhost`` is
loopback in both, as the system resolves it; any other name is not (a DNS name re-pointed
at 127.0.0.1 does not make a page local). A request's client address, always an address,
is checked with :func:`is_loopback_address`.

:func:`is_local_request` is the request of the person at the machine: from a loopback
address, to a loopback host name, relayed by no proxy (a request that carries a proxy's
headers comes from loopback for anyone). The labelling plugin's local actor, who may run
arbitrary SQL (:mod:`storage.web.arbitrary_sql`) and the requests the per-client limits
leave alone (:mod:`storage.web.request_limits`) are such requests, while ``browse``
listens on loopback only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "LOOPBACK_NAME",
    "PROXY_HEADERS",
    "host_name",
    "is_local",
    "is_local_request",
    "is_loopback",
    "is_loopback_address",
    "scope_headers",
]

LOOPBACK_NAME = "localhost"
# headers a reverse proxy adds: a request through one comes from loopback for anyone
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


def is_loopback_address(address: str) -> bool:
    """*address* is an IP address of this machine (127.0.0.0/8, ::1); a name is not."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    """*host*, a name or an address (an IPv6 one bracketed as in a URL or not), is this
    machine: ``localhost`` or a loopback address."""
    if host == LOOPBACK_NAME:
        return True
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return is_loopback_address(host)


def host_name(host: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:8001`` -> ``[::1]``)."""
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_local(client: str, headers: Mapping[str, str]) -> bool:
    """A request from the address *client* with *headers* (lower-case names) is the person
    at the machine's: *client* is a loopback address, its ``Host`` a loopback name, and it
    carries none of :data:`PROXY_HEADERS`."""
    if not is_loopback_address(client):
        return False
    if not is_loopback(host_name(str(headers.get("host", "")))):
        return False
    return not any(headers.get(name) for name in PROXY_HEADERS)


def scope_headers(raw: Iterable[Any]) -> dict[str, str]:
    """An ASGI scope's ``headers`` (pairs of bytes) as a dict with lower-case names."""
    return {bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1") for k, v in raw}


def is_local_request(scope: Mapping[str, Any]) -> bool:
    """:func:`is_local` for an ASGI request *scope*."""
    client = scope.get("client") or ("", 0)
    return is_local(str(client[0]), scope_headers(scope.get("headers") or ()))
