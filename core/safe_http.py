"""Outgoing HTTP to addresses a user gave us, without letting it reach into our own network.

A URL is vetted by resolving its host and checking every address; the connection then goes to
one of exactly those addresses (the pinned connections below), so a DNS answer that changes
between the check and the connection (rebinding) cannot redirect the request. Loopback is
allowed only when the caller says so (its own setting: tests, local development). Redirects are
never followed; every exchange has a connect timeout, a hard deadline and a size cap.

Webhooks (webhooks/ssrf.py, webhooks/transport.py) and the domain proof's well-known file
(organizations/well_known.py) both go through here.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

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


def refusal_reason(address: str, *, allow_loopback: bool) -> str | None:
    """Why we won't connect to this address, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        ip = inner
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
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


def vet_url(url: str, *, require_https: bool, allow_loopback: bool, caller: str) -> Target:
    """Parse and resolve `url`; raise UnsafeURL unless every address it resolves to is allowed.

    `caller` names who is refused in the message ("webhooks cannot call it").
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Use an http:// or https:// URL.")
    if require_https and parts.scheme != "https":
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
        reason = refusal_reason(address, allow_loopback=allow_loopback)
        if reason:
            raise UnsafeURL(f"{parts.hostname} resolves to {address}, {reason}; {caller} cannot call it.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses)


class _PinnedMixin:
    """Open the socket to one of the vetted addresses instead of resolving the host again."""

    target: Target
    aborted = False

    def _open_pinned_socket(self) -> socket.socket:
        last_error: OSError | None = None
        for address in self.target.addresses:
            if self.aborted:
                break
            try:
                return socket.create_connection((address, self.target.port), self.timeout)
            except OSError as exc:
                last_error = exc
        raise last_error or OSError("connection aborted")

    def abort(self) -> None:
        """Called by the deadline timer from another thread: unblock any pending socket call."""
        self.aborted = True
        sock = getattr(self, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class PinnedHTTPConnection(_PinnedMixin, http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self) -> None:
        self.sock = self._open_pinned_socket()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class PinnedHTTPSConnection(_PinnedMixin, http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self.target = target

    def connect(self) -> None:
        sock = self._open_pinned_socket()
        self.sock = self._context.wrap_socket(sock, server_hostname=self.target.host)


def pinned_connection(target: Target, *, timeout: float) -> PinnedHTTPConnection:
    connection_class = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    return connection_class(target, timeout=timeout)


@dataclass
class Fetched:
    status_code: int
    body: bytes


def get(
    url: str,
    *,
    require_https: bool,
    allow_loopback: bool,
    caller: str,
    max_bytes: int,
    connect_timeout: float,
    deadline: float,
) -> Fetched:
    """GET `url` through the guard: at most `max_bytes` of body, no redirects followed.

    Raises UnsafeURL when refused, OSError (TimeoutError after `deadline`) for network trouble.
    """
    target = vet_url(url, require_https=require_https, allow_loopback=allow_loopback, caller=caller)
    connection = pinned_connection(target, timeout=connect_timeout)
    timer = threading.Timer(deadline, connection.abort)
    timer.start()
    try:
        connection.connect()
        connection.sock.settimeout(deadline)
        connection.request("GET", target.path, headers={"User-Agent": "CertVerify", "Accept": "text/plain"})
        response = connection.getresponse()
        return Fetched(response.status, response.read(max_bytes))
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        if connection.aborted:
            raise TimeoutError(f"Timed out after {deadline:g} s.") from exc
        raise OSError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    finally:
        timer.cancel()
        connection.close()
