"""Layer 6: where the verification comes from, and how its client has behaved recently.

The client's country comes from `iptocc` (offline, data shipped in the wheel). Signals, all
circumstantial and so never decisive:
* velocity: the same certificate verified from `VELOCITY_COUNTRIES` or more distinct countries
  within `VELOCITY_WINDOW` (a certificate passed around, or a forged copy in wide use);
* a burst of failed or forged verifications from one client (someone iterating on a forgery);
* many distinct credential ids from one client (guessing ids, scraping the registry).
The client counters in `GeoHistory` cover the window the service chose when gathering them.

Points (max 10): 10, less `VELOCITY_PENALTY`, `BURST_PENALTY` and `ENUMERATION_PENALTY` for each
signal seen, never below 0. A private, loopback, link-local or reserved address (a local
deployment, a misconfigured proxy) is skipped, not penalized.

Not covered: hosting and anonymizer networks (VPNs, Tor exits, cloud ranges). That needs an
IP-to-ASN or anonymizer dataset with a licence we can ship, refreshed regularly (iptocc only maps
addresses to countries, and geoip2fast's ASN data is GeoLite2 under MaxMind's EULA, from 2024);
nothing is fetched at run time, so the signal stays off until such a dataset is packaged.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

import iptocc

from .base import Finding, GeoHistory, Layer, LayerContext, LayerResult

VELOCITY_COUNTRIES = 3
VELOCITY_WINDOW = timedelta(hours=24)
BURST_FAILED = 3
ENUMERATION_CREDENTIALS = 20
VELOCITY_PENALTY = 5.0
BURST_PENALTY = 3.0
ENUMERATION_PENALTY = 3.0


def public_address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address if it is a valid, globally routable one; None otherwise."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # "::ffff:8.8.8.8" from a dual-stack socket
    return address if address.is_global and not address.is_multicast else None


def country_for_ip(ip: str | None) -> str | None:
    """ISO 3166-1 alpha-2 country of a public IP address, or None (private, invalid, unknown)."""
    address = public_address(ip)
    return iptocc.country_code(str(address)) if address else None


class GeoLayer(Layer):
    """Scores the verification's origin: country, cross-country velocity, bursts, enumeration."""

    name = "geo"
    max_points = 10
    title = "Where the check came from"
    inputs = frozenset()  # the client's address and the history, gathered by the service

    def run(self, ctx: LayerContext) -> LayerResult:
        if not ctx.client_ip:
            return LayerResult.skipped(
                self.max_points, "The client's address is not known.", code="no_client_ip"
            )
        if public_address(ctx.client_ip) is None:
            reason = (
                "The request came from a private or local network address, which says nothing about "
                "where the requester is; this check was skipped."
            )
            return LayerResult.skipped(self.max_points, reason, code="private_address")
        country = country_for_ip(ctx.client_ip)
        signals = [
            _velocity(ctx.geo, country, ctx.now),
            _burst(ctx.geo),
            _enumeration(ctx.geo),
        ]
        raised = [(finding, penalty) for finding, penalty in signals if finding is not None]
        points = self.max_points - sum(penalty for _, penalty in raised)
        findings = [_origin(country), *(finding for finding, _ in raised)]
        details = {
            "country": country,
            "same_certificate_countries": sorted(_recent_countries(ctx.geo, country, ctx.now)),
            "client_recent_total": ctx.geo.client_recent_total,
            "client_recent_failed": ctx.geo.client_recent_failed,
            "client_distinct_credentials": ctx.geo.client_distinct_credentials,
        }
        return self.result("warning" if raised else "passed", points, findings, details=details)


def _origin(country: str | None) -> Finding:
    if country is None:
        return Finding("country_unknown", "The country of the requester's network could not be determined.")
    return Finding("country", f"The verification came from a network in the country with code {country}.")


def _recent_countries(history: GeoHistory, current: str | None, now: datetime) -> set[str]:
    since = now - VELOCITY_WINDOW
    countries = {c for c, when in history.same_certificate if c and _after(when, since)}
    return countries | {current} if current else countries


def _after(when: datetime, since: datetime) -> bool:
    # History rows are aware datetimes; tolerate a naive one rather than crash the layer.
    if (when.tzinfo is None) != (since.tzinfo is None):
        when = when.replace(tzinfo=since.tzinfo)
    return when >= since


def _velocity(history: GeoHistory, country: str | None, now: datetime) -> tuple[Finding | None, float]:
    countries = _recent_countries(history, country, now)
    if len(countries) < VELOCITY_COUNTRIES:
        return None, 0.0
    hours = int(VELOCITY_WINDOW.total_seconds() // 3600)
    message = (
        f"This certificate was checked from {len(countries)} different countries ({', '.join(sorted(countries))}) "
        f"within {hours} hours, including this check from {country or 'an unknown country'}. Genuine "
        "certificates are rarely checked from so many places at once; copies of it may be circulating."
    )
    return Finding("velocity", message, "warning"), VELOCITY_PENALTY


def _burst(history: GeoHistory) -> tuple[Finding | None, float]:
    failed = history.client_recent_failed
    if failed < BURST_FAILED:
        return None, 0.0
    message = (
        f"{failed} of this requester's last {max(failed, history.client_recent_total)} verifications "
        "failed or were flagged as forged: someone may be testing altered copies."
    )
    return Finding("failed_burst", message, "warning"), BURST_PENALTY


def _enumeration(history: GeoHistory) -> tuple[Finding | None, float]:
    distinct = history.client_distinct_credentials
    if distinct < ENUMERATION_CREDENTIALS:
        return None, 0.0
    message = (
        f"The same requester recently checked {distinct} different certificates, a pattern of guessing "
        "certificate ids or harvesting the registry."
    )
    return Finding("enumeration", message, "warning"), ENUMERATION_PENALTY
