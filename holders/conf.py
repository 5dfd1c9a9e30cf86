"""Timings of delivery and holder access (settings may override them)."""

from datetime import timedelta

from django.conf import settings

MAX_ATTEMPTS = getattr(settings, "HOLDER_DELIVERY_MAX_ATTEMPTS", 8)
STUCK_AFTER = timedelta(minutes=10)  # a claim older than this died with its worker
PENDING_GRACE = timedelta(minutes=2)  # an enqueue lost with the broker is picked up after this
MAGIC_LINK_TTL = getattr(settings, "HOLDER_MAGIC_LINK_TTL", timedelta(minutes=30))
HOLDER_SESSION_TTL = timedelta(hours=2)
MAGIC_LINKS_PER_WINDOW = 5  # links e-mailed to one address per window, at most
MAGIC_LINK_WINDOW = timedelta(hours=1)
