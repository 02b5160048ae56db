"""What counts as this machine: the one loopback rule of ``culturewatch browse``.

:func:`is_loopback` decides both where it matters: the host the server listens on
(:mod:`storage.web.serve`: beyond loopback there is no local actor, and a warning) and the
host a request names (:mod:`storage.web.labelling`: the local actor). ``localhost`` is
loopback in both, as the system resolves it; any other name is not (a DNS name re-pointed
at 127.0.0.1 does not make a page local). A request's client address, always an address,
is checked with :func:`is_loopback_address`.
"""

from __future__ import annotations

import ipaddress

__all__ = ["LOOPBACK_NAME", "is_loopback", "is_loopback_address"]

LOOPBACK_NAME = "localhost"


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
