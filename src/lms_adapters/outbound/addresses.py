"""Which addresses may receive a request from the service: public ones only.

One rule for the check on create and update (``PublicAddressCheck``) and for the one at connect
time (``HttpSender``): ``ipaddress``'s ``is_global``, with multicast and the ranges below refused
explicitly (the standard library's lists change between patch releases), and the IPv4 address
inside an IPv4-mapped, NAT64 or 6to4 IPv6 address judged as itself.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import TypeAlias

__all__ = ["IpAddress", "Unresolvable", "is_public", "literal_address", "refusal", "resolve"]

IpAddress: TypeAlias = IPv4Address | IPv6Address

_NOT_PUBLIC: tuple[IPv4Network | IPv6Network, ...] = tuple(
    ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relays
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/8",  # unspecified, loopback, IPv4-compatible
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, Teredo
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
)
_NAT64 = IPv6Network("64:ff9b::/96")


class Unresolvable(Exception):
    """The host name has no address."""


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def is_public(address: IpAddress) -> bool:
    """Whether the address is on the public internet (not loopback, private, link-local,
    multicast, reserved, unspecified, carrier-grade NAT, site-local, documentation, ...)."""
    if isinstance(address, IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    if any(address.version == network.version and address in network for network in _NOT_PUBLIC):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def literal_address(host: str) -> IpAddress | None:
    """The address when ``host`` is an IP literal (IPv6 with or without brackets), else ``None``."""
    try:
        return ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


async def resolve(host: str, port: int | None = None) -> list[IpAddress]:
    """Every address ``host`` resolves to, in the resolver's order, without repeats."""
    if (address := literal_address(host)) is not None:
        return [address]
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise Unresolvable(f"{host} does not resolve") from e
    addresses: list[IpAddress] = []
    for *_, sockaddr in found:
        address = ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Unresolvable(f"{host} does not resolve")
    return addresses


def refusal(host: str, addresses: Sequence[IpAddress]) -> str | None:
    """Why a request to ``host`` at ``addresses`` is refused: the first that is not public."""
    for address in addresses:
        if not is_public(address):
            if literal_address(host) == address:
                return f"Refused: {address} is not a public address"
            return f"Refused: {host} resolves to {address}, which is not a public address"
    return None
