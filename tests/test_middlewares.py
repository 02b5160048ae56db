"""Downloader middlewares, built the Scrapy way and fed real Request/Response objects."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.middlewares import (
    PrivateNetworkGuard,
    PrivateNetworkRefused,
    is_private_address,
    retry_delay,
)


@pytest.mark.parametrize(
    ("ip", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.10", True),
        ("172.16.5.4", True),
        ("169.254.169.254", True),
        ("224.0.0.1", True),
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1", True),
        ("::ffff:127.0.0.1", True),
        ("fd00::1", True),
        ("100.100.100.200", True),  # shared address space: a cloud metadata service
        ("2002:7f00:1::", True),  # 6to4 wrapping 127.0.0.1
        ("2002:5db8:d822::1", False),  # 6to4 wrapping a public address
        ("93.184.216.34", False),
        ("2606:4700::1111", False),
        ("8.8.8.8", False),
    ],
)
def test_is_private_address(ip, private):
    assert is_private_address(ip) is private


def guard(**settings):
    return PrivateNetworkGuard.from_crawler(get_crawler(settings_dict=settings))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/feed.xml",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_guard_refuses_private_destinations(url):
    # address literals are judged without the reactor; names that resolve to a private
    # address are covered by the crawl tests (tests/test_crawl.py)
    with pytest.raises(PrivateNetworkRefused, match="private network address"):
        asyncio.run(guard().process_request(Request(url)))


def test_guard_lets_public_address_literals_through():
    assert asyncio.run(guard().process_request(Request("http://93.184.216.34/"))) is None


def test_guard_is_off_when_private_networks_are_allowed():
    with pytest.raises(NotConfigured):
        guard(CULTUREWATCH_ALLOW_PRIVATE_NETWORKS=True)


def response(headers=None):
    return Response("https://news.example/", status=429, headers=headers or {})


def test_retry_delay_backs_off_and_honours_retry_after():
    assert [retry_delay(None, n, 2.0, 60) for n in (1, 2, 3, 10)] == [2.0, 4.0, 8.0, 60]
    assert retry_delay(response({"Retry-After": "7"}), 1, 2.0, 60) == 7.0
    assert retry_delay(response({"Retry-After": "9999"}), 1, 2.0, 60) == 60
    assert retry_delay(response({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), 1, 2.0, 60) == 0
    assert retry_delay(response({"Retry-After": "soon"}), 2, 1.0, 60) == 2.0


def test_resolved_addresses_are_judged_where_the_connection_is_made():
    from twisted.internet.error import DNSLookupError

    from crawler.middlewares import refuse_private

    assert refuse_private("93.184.216.34", "news.example") == "93.184.216.34"
    with pytest.raises(DNSLookupError, match="news.example resolves to 10.0.0.5"):
        refuse_private("10.0.0.5", "news.example")
