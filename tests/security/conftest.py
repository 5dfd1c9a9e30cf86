"""Shared helpers for the security properties."""

from __future__ import annotations

import pytest
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def throttle_rates():
    """Set throttle rates for one test.

    DRF copies DEFAULT_THROTTLE_RATES onto the throttle class at import time, so overriding the
    setting has no effect; patch the class attribute and put it back afterwards.
    """
    original = SimpleRateThrottle.THROTTLE_RATES

    def apply(**rates: str) -> None:
        SimpleRateThrottle.THROTTLE_RATES = {**original, **rates}

    yield apply
    SimpleRateThrottle.THROTTLE_RATES = original


def without_request_id(body: dict) -> dict:
    return {key: value for key, value in body.items() if key != "request_id"}
