"""Fetch https://<domain>/.well-known/certverify.txt through the shared SSRF guard (core/safe_http.py).

DOMAIN_PROOF_REQUIRE_HTTPS off allows http:// and DOMAIN_PROOF_ALLOW_LOOPBACK a loopback host
(tests, local development), as the webhooks' settings do.
"""

from __future__ import annotations

from django.conf import settings

from core import safe_http

PATH = "/.well-known/certverify.txt"
MAX_BYTES = 4096


class WellKnownError(Exception):
    """The file could not be read; the message says why."""


def proof_url(domain: str, *, scheme: str = "https") -> str:
    return f"{scheme}://{domain}{PATH}"


def fetch_proof_file(domain: str) -> str:
    """The file's text, at most MAX_BYTES of it; raises WellKnownError."""
    scheme = "https" if settings.DOMAIN_PROOF_REQUIRE_HTTPS else "http"
    try:
        fetched = safe_http.get(
            proof_url(domain, scheme=scheme),
            require_https=settings.DOMAIN_PROOF_REQUIRE_HTTPS,
            allow_loopback=settings.DOMAIN_PROOF_ALLOW_LOOPBACK,
            caller="the domain check",
            max_bytes=MAX_BYTES,
            connect_timeout=settings.DOMAIN_PROOF_TIMEOUT,
            deadline=settings.DOMAIN_PROOF_TIMEOUT,
        )
    except safe_http.UnsafeURL as exc:
        raise WellKnownError(str(exc)) from exc
    except OSError as exc:
        raise WellKnownError(f"{PATH} could not be fetched: {exc}") from exc
    if fetched.status_code != 200:
        raise WellKnownError(f"{PATH} answered HTTP {fetched.status_code} (redirects are not followed).")
    return fetched.body.decode("utf-8", errors="replace")
