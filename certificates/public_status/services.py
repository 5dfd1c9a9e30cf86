"""Writes to the cached public status."""

from certificates.models import Certificate
from certificates.public_status import cache as public_cache

DROP_CHUNK = 5000


def drop_public_status_of_organization(*, organization_id: int) -> int:
    """Drop the cached public status of every certificate of one issuer; returns how many."""
    ids = Certificate.objects.filter(organization_id=organization_id).values_list("credential_id", flat=True)
    chunk: list[str] = []
    dropped = 0
    for credential_id in ids.iterator(chunk_size=DROP_CHUNK):
        chunk.append(credential_id)
        if len(chunk) == DROP_CHUNK:
            public_cache.drop_many(chunk)
            dropped, chunk = dropped + len(chunk), []
    if chunk:
        public_cache.drop_many(chunk)
    return dropped + len(chunk)
