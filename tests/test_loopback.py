"""One loopback rule: the host ``culturewatch browse`` listens on and the host a request
names are judged alike (storage.web.loopback), ``localhost`` included."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from storage.web import labelling
from storage.web.loopback import is_loopback, is_loopback_address
from storage.web.serve import labelling_config

HOSTS = {
    "localhost": True,
    "127.0.0.1": True,
    "127.0.0.2": True,
    "::1": True,
    "[::1]": True,
    "0.0.0.0": False,
    "::": False,
    "192.0.2.7": False,
    "2001:db8::1": False,
    "example.org": False,
    "localhost.example.org": False,  # a DNS name re-pointed at 127.0.0.1 is not this machine
    "": False,
}


def served_locally(host: str) -> bool:
    """storage.web.serve: browse on *host* keeps the local actor (local_writes not forced off)."""
    return "local_writes" not in labelling_config(host, {})


def request_is_local(host: str, client: str = "127.0.0.1") -> bool:
    """storage.web.labelling: a request from *client* to a server reached as *host* is the
    local actor's (the Host header a browser sends for it, with the port)."""
    bare = host[1:-1] if host.startswith("[") else host
    header = f"[{bare}]:8001" if ":" in bare else f"{bare}:8001"
    config = {"local_writes": True, "local_user": "me"}
    datasette = SimpleNamespace(plugin_config=lambda name: config)
    request = SimpleNamespace(scope={"client": (client, 50000)}, headers={"host": header})
    actor: Any = labelling.actor_from_request(datasette=datasette, request=request)
    return actor is not None and actor.get(labelling.LOCAL_KEY) is True


@pytest.mark.parametrize("host", list(HOSTS))
def test_serve_and_labelling_agree_on_loopback(host: str) -> None:
    assert is_loopback(host) is HOSTS[host]
    assert served_locally(host) is HOSTS[host]
    assert request_is_local(host) is HOSTS[host]


def test_a_client_address_is_an_address() -> None:
    assert is_loopback_address("127.0.0.1") and is_loopback_address("::1")
    assert not is_loopback_address("localhost")  # a name is never a client's address
    assert not request_is_local("localhost", client="192.0.2.7")
    assert request_is_local("localhost", client="::1")
