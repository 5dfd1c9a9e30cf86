"""The public status lookup, cached as ready-to-send JSON bytes and invalidated on any change.

Every change to what the payload shows (issuing, status changes, anchoring, issuer edits) goes
through public_status/services.py, which records it in an outbox and tombstones the entry after
commit until the cache confirms it (public_status/purges.py), so the TTL only bounds how long an
unread entry occupies memory; a short one only turns popular ids into repeated misses. "Expired"
is derived from the date, so an entry never outlives the end of its certificate's expiry day.

An id nobody has issued is cached too (MISSING, briefly), so a mistyped or guessed id asked again
and again stays off the database; issuing an id drops its MISSING entry.

An invalidation writes a short-lived TOMBSTONE instead of deleting, and entries are stored with
add() (SET NX): a request that read the old row just before the change committed cannot store the
old payload over it. While the tombstone lives, lookups of that id go to the database.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

PUBLIC_TTL = 24 * 3600
MISSING_TTL = 60
TOMBSTONE_TTL = 30
MISSING = b"\x00missing"
TOMBSTONE = b"\x00changed"


def key(credential_id: str) -> str:
    return f"public-cert:{credential_id}"


def get(credential_id: str) -> bytes | None:
    """The cached payload, MISSING, or None (not cached or just changed: ask the database)."""
    return usable(cache.get(key(credential_id)))


def usable(value: bytes | None) -> bytes | None:
    return None if value == TOMBSTONE else value


def timeout_for(expiry_date: dt.date | None, now: dt.datetime | None = None) -> int:
    """PUBLIC_TTL, or less so the entry is gone when the certificate starts to read "expired"."""
    if expiry_date is None:
        return PUBLIC_TTL
    now = now or timezone.now()
    expires = dt.datetime.combine(
        expiry_date + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone()
    )
    remaining = int((expires - now).total_seconds())
    if remaining <= 0:  # already expired: the date no longer changes anything
        return PUBLIC_TTL
    return max(1, min(PUBLIC_TTL, remaining))


def put(credential_id: str, body: bytes, *, expiry_date: dt.date | None = None) -> None:
    cache.add(key(credential_id), body, timeout_for(expiry_date))


def put_missing(credential_id: str) -> None:
    cache.add(key(credential_id), MISSING, MISSING_TTL)


def invalidate(credential_id: str) -> None:
    invalidate_many([credential_id])


def invalidate_many(credential_ids) -> None:
    """Replace the entries by tombstones (see the module docstring); call after commit."""
    cache.set_many({key(credential_id): TOMBSTONE for credential_id in credential_ids}, TOMBSTONE_TTL)


def invalidate_confirmed(credential_ids) -> list[str]:
    """invalidate_many, then the ids the cache is holding a tombstone for when read back: with
    IGNORE_EXCEPTIONS an unreachable Redis drops the write silently (public_status/purges.py
    retries the others)."""
    ids = list(credential_ids)
    if not ids:
        return []
    invalidate_many(ids)
    held = cache.get_many([key(credential_id) for credential_id in ids])
    return [credential_id for credential_id in ids if held.get(key(credential_id)) == TOMBSTONE]
