"""Delivery timings. Optional settings override the defaults (tests and the chaos bench do)."""

from datetime import timedelta

from django.conf import settings

# Attempt 1 is immediate; then about three days in all (71 h 35 min 5 s), as Standard Webhooks
# senders commonly do. Each entry is the wait before that attempt, counted from the previous one.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=12),
    timedelta(hours=12),
    timedelta(hours=20),
)
# An endpoint whose first attempts failed for this many different events in a row, with no
# success in between, is disabled (its admins are e-mailed).
DISABLE_AFTER_FAILED_EVENTS = 100


def connect_timeout() -> float:
    return float(getattr(settings, "WEBHOOKS_CONNECT_TIMEOUT", 5.0))


def deadline() -> float:
    """The whole exchange: connect, send, wait for and read the start of the response."""
    return float(getattr(settings, "WEBHOOKS_TIMEOUT", 15.0))


def claim_lease() -> timedelta:
    """How long a claimed attempt belongs to its worker; after that it is presumed lost and retried.

    Must exceed the deadline, or a slow but live attempt could be sent twice in parallel.
    """
    return timedelta(seconds=float(getattr(settings, "WEBHOOKS_CLAIM_SECONDS", 60.0)))
