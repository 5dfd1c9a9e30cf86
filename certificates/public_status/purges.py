"""Cache invalidations of public status changes that survive a cache outage (an outbox).

A status change records a `PublicStatusPurge` row in its own transaction; after commit the cache
entry is replaced by a tombstone and, once the cache is read back holding it, the rows it covers are
deleted. When the cache could not be reached (with IGNORE_EXCEPTIONS a failed write is silent,
hence the read-back), the row stays and the beat task `certificates.retry_public_status_purges`
tries again every minute: a revocation reaches the public lookup within about a minute of the cache
coming back, not when the cached entry's 24 hours run out.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from certificates.models import PublicStatusPurge
from certificates.public_status import cache as public_cache

RETRY_AFTER = timedelta(seconds=15)  # leave fresh rows to their own after-commit purge
RETRY_BATCH = 1000


def purge_on_commit(credential_id: str) -> None:
    """Call inside the transaction that changes what the public lookup shows for `credential_id`."""
    PublicStatusPurge.objects.create(credential_id=credential_id)
    transaction.on_commit(lambda: purge([credential_id]))


def purge(credential_ids: list[str]) -> int:
    """Tombstone the entries; delete the rows (created up to now) of those the cache confirmed."""
    started = timezone.now()
    confirmed = public_cache.invalidate_confirmed(credential_ids)
    if confirmed:
        PublicStatusPurge.objects.filter(credential_id__in=confirmed, created_at__lte=started).delete()
    return len(confirmed)


def retry_pending(*, now=None) -> int:
    """Apply the purges still recorded (the beat task); returns how many the cache took."""
    cutoff = (now or timezone.now()) - RETRY_AFTER
    ids = list(
        PublicStatusPurge.objects.filter(created_at__lte=cutoff)
        .order_by("credential_id")
        .values_list("credential_id", flat=True)
        .distinct()[:RETRY_BATCH]
    )
    return purge(ids) if ids else 0
