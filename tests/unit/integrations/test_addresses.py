"""The address rule: whole non-public networks refused, known public addresses accepted."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_adapters.outbound.addresses import IpAddress, is_public, literal_address, refusal

NOT_PUBLIC = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "100.64.0.0/10",
    "0.0.0.0/8",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::1/128",
    "::/128",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
    "::ffff:10.0.0.0/104",
    "::ffff:127.0.0.0/104",
    "64:ff9b::a9fe:0/112",  # NAT64 of 169.254/16
    "2002:0a00::/24",  # 6to4 of 10/8
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8"]


@st.composite
def _in(draw: st.DrawFn, network: str) -> IpAddress:
    net = ip_network(network)
    return net[draw(st.integers(min_value=0, max_value=net.num_addresses - 1))]


@settings(max_examples=50, deadline=None)
@pytest.mark.parametrize("network", NOT_PUBLIC)
@given(data=st.data())
def test_every_address_of_a_non_public_network_is_refused(network: str, data: st.DataObject) -> None:
    address = data.draw(_in(network))
    assert not is_public(address)
    assert refusal("receiver.example", [address]) == (
        f"Refused: receiver.example resolves to {address}, which is not a public address"
    )


@pytest.mark.parametrize("text", PUBLIC)
def test_known_public_addresses_are_accepted(text: str) -> None:
    assert is_public(ip_address(text))
    assert refusal(text, [ip_address(text)]) is None


@settings(max_examples=300, deadline=None)
@given(st.ip_addresses(v=4))
def test_an_ipv4_address_and_its_mapped_ipv6_form_are_judged_alike(address: IPv4Address) -> None:
    assert is_public(IPv6Address(f"::ffff:{address}")) == is_public(address)


def test_one_non_public_address_among_public_ones_refuses_the_host() -> None:
    addresses = [ip_address("8.8.8.8"), ip_address("10.0.0.5")]
    assert refusal("mixed.example", addresses) == (
        "Refused: mixed.example resolves to 10.0.0.5, which is not a public address"
    )


def test_a_literal_is_named_as_itself() -> None:
    assert refusal("127.0.0.1", [ip_address("127.0.0.1")]) == "Refused: 127.0.0.1 is not a public address"
    assert literal_address("[::1]") == ip_address("::1")
    assert literal_address("example.com") is None
