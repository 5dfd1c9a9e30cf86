"""Refuse webhook URLs that point into our own network.

A URL is vetted by resolving its host and checking every address; the sender then connects to
one of exactly those addresses (see transport.py), so a DNS answer that changes between the check
and the connection (rebinding) cannot redirect the request. Loopback is allowed only when
WEBHOOKS_ALLOW_LOOPBACK is set (tests, local development).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(Exception):
    """The URL is malformed or its host resolves to an address we refuse to call."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path + query, as sent in the request line
    addresses: tuple[str, ...]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal_reason(address: str) -> str | None:
    """Why we won't connect to this address, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        ip = inner
    if ip.is_loopback:
        return None if settings.WEBHOOKS_ALLOW_LOOPBACK else "a loopback address"
    if ip in METADATA_ADDRESSES:
        return "the cloud metadata service"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"The host {host} does not resolve.") from exc
    addresses = dict.fromkeys(info[4][0].split("%", 1)[0] for info in infos)
    if not addresses:
        raise UnsafeURL(f"The host {host} does not resolve.")
    return tuple(addresses)


def vet_url(url: str) -> Target:
    """Parse and resolve `url`; raise UnsafeURL unless every address it resolves to is allowed."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Use an http:// or https:// URL.")
    if settings.WEBHOOKS_REQUIRE_HTTPS and parts.scheme != "https":
        raise UnsafeURL("Use an https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("Credentials in the URL are not supported.")
    if not parts.hostname:
        raise UnsafeURL("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL("The URL has an invalid port.") from exc
    addresses = resolve(parts.hostname, port)
    for address in addresses:
        reason = refusal_reason(address)
        if reason:
            raise UnsafeURL(f"{parts.hostname} resolves to {address}, {reason}; webhooks cannot call it.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses)
