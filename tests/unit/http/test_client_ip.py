"""Which address a request counts as: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from lms_http.middleware import client_ip
from lms_http.settings import Settings


def scope(peer: str, forwarded: str | None = None) -> Any:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"type": "http", "client": (peer, 1234), "headers": headers}


PROXY = Settings(trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),))


def test_untrusted_peer_is_the_client_whatever_it_claims() -> None:
    assert client_ip(scope("203.0.113.5", "198.51.100.1"), Settings()) == "203.0.113.5"
    assert client_ip(scope("203.0.113.5", "198.51.100.1"), PROXY) == "203.0.113.5"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.1", "198.51.100.1"),
        ("1.2.3.4, 198.51.100.1", "198.51.100.1"),  # a spoofed left-most hop is ignored
        ("198.51.100.1, 10.0.0.7", "198.51.100.1"),  # our own proxies are skipped from the right
        ("garbage", "10.1.1.1"),
    ],
)
def test_trusted_proxy_forwards_the_nearest_untrusted_hop(forwarded: str, expected: str) -> None:
    assert client_ip(scope("10.1.1.1", forwarded), PROXY) == expected
