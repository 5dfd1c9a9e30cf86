"""The outbox of public status invalidations: rows written with a change, applied after commit.

Every change to what the public lookup shows records `PublicStatusPurge` rows in its own
transaction (public_status/services.py): one per certificate, or one per issuer for a rename.
After commit the cache entries are replaced by tombstones and, once the cache is read back holding
them, the rows they cover are deleted. When the cache could not be reached (with IGNORE_EXCEPTIONS
a failed write is silent, hence the read-back), the rows stay and the beat task
`certificates.retry_public_status_purges` tries again every minute: a change reaches the public
lookup within about a minute of the cache coming back, not when the cached entry's 24 hours run out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.utils import timezone

from certificates.models import Certificate, PublicStatusPurge
from certificates.public_status import cache as public_cache

RETRY_AFTER = timedelta(seconds=15)  # leave fresh rows to their own after-commit purge
RETRY_BATCH = 1000
CHUNK = 1000  # ids per cache round trip and per DELETE (SQLite caps a statement's parameters)
ORGANIZATION_CHUNK = 5000


def record(credential_ids: list[str]) -> None:
    """Write one row per id, in the caller's transaction."""
    rows = [PublicStatusPurge(credential_id=credential_id) for credential_id in credential_ids]
    PublicStatusPurge.objects.bulk_create(rows, batch_size=CHUNK)


def record_organization(organization_id: int) -> None:
    """Write the issuer's row, in the caller's transaction."""
    PublicStatusPurge.objects.create(organization_id=organization_id)


def purge(credential_ids: list[str]) -> int:
    """Tombstone the entries; delete the rows (created up to now) of those the cache confirmed."""
    started = timezone.now()
    taken = 0
    for start in range(0, len(credential_ids), CHUNK):
        confirmed = public_cache.invalidate_confirmed(credential_ids[start : start + CHUNK])
        if confirmed:
            PublicStatusPurge.objects.filter(credential_id__in=confirmed, created_at__lte=started).delete()
        taken += len(confirmed)
    return taken


def purge_organization(organization_id: int) -> int:
    """Tombstone every certificate of the issuer; delete its rows only if the cache took them all.

    Stops at the first chunk the cache did not take (it is unreachable: the retry starts over).
    Returns how many entries the cache took.
    """
    started = timezone.now()
    taken = 0
    for chunk in _credential_ids_of(organization_id):
        confirmed = public_cache.invalidate_confirmed(chunk)
        taken += len(confirmed)
        if len(confirmed) < len(chunk):
            return taken
    PublicStatusPurge.objects.filter(organization_id=organization_id, created_at__lte=started).delete()
    return taken


def _credential_ids_of(organization_id: int) -> Iterator[list[str]]:
    ids = Certificate.objects.filter(organization_id=organization_id).values_list("credential_id", flat=True)
    chunk: list[str] = []
    for credential_id in ids.iterator(chunk_size=ORGANIZATION_CHUNK):
        chunk.append(credential_id)
        if len(chunk) == ORGANIZATION_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def retry_pending(*, now: datetime | None = None) -> int:
    """Apply the certificates' purges still recorded (the beat task); returns how many the cache took."""
    ids = list(
        _pending(now)
        .filter(organization__isnull=True)
        .order_by("credential_id")
        .values_list("credential_id", flat=True)
        .distinct()[:RETRY_BATCH]
    )
    return purge(ids) if ids else 0


def organizations_pending(*, now: datetime | None = None) -> list[int]:
    """The issuers whose purge is still recorded (the beat task queues one purge task each)."""
    rows = _pending(now).filter(organization__isnull=False).order_by("organization_id")
    return list(rows.values_list("organization_id", flat=True).distinct()[:RETRY_BATCH])


def _pending(now: datetime | None):
    return PublicStatusPurge.objects.filter(created_at__lte=(now or timezone.now()) - RETRY_AFTER)
