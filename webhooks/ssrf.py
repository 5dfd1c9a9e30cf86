"""Refuse webhook URLs that point into our own network.

The guard itself is core/safe_http.py (shared with the domain proof); this module applies the
webhooks' settings. Loopback is allowed only when WEBHOOKS_ALLOW_LOOPBACK is set (tests, local
development); plain http only when WEBHOOKS_REQUIRE_HTTPS is off.
"""

from __future__ import annotations

from django.conf import settings

from core.safe_http import Target, UnsafeURL
from core.safe_http import vet_url as _vet_url

__all__ = ["Target", "UnsafeURL", "vet_url"]


def vet_url(url: str) -> Target:
    """Parse and resolve `url`; raise UnsafeURL unless every address it resolves to is allowed."""
    return _vet_url(
        url,
        require_https=settings.WEBHOOKS_REQUIRE_HTTPS,
        allow_loopback=settings.WEBHOOKS_ALLOW_LOOPBACK,
        caller="webhooks",
    )
