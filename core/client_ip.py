"""The client's address, read in this one place: the audit log, the failed-login buckets, the
throttles and the verification history all use it, so they agree behind a proxy."""

from __future__ import annotations

import ipaddress

from rest_framework.settings import api_settings


def client_ip(request) -> str | None:
    """The address of whoever sent the request.

    Each of the NUM_PROXIES trusted reverse proxies appends the address it was reached from to
    X-Forwarded-For, so the client is the NUM_PROXIES-th entry from the right (DRF's throttles
    read it the same way); entries further left were written by the client and are ignored. With
    no proxy declared the header is ignored altogether. An entry that is not an IP address is not
    used: the request is then attributed to the peer that sent it.
    """
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR"))
    num_proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies <= 0 or not forwarded:
        return peer
    hops = forwarded.split(",")
    return _address(hops[-min(num_proxies, len(hops))]) or peer


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None
