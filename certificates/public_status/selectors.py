"""The public read of a certificate by its credential id (no actor: anyone may look one up)."""

from django.http import Http404

from certificates.lifecycle.credential_ids import normalize_credential_id
from certificates.models import Certificate
from certificates.public_status.precompiled import certificate_read, field_sets

# The anonymous status lookup (public_record) is the hottest uncached path: one precompiled query
# (certificates/precompiled.py); a field not read here loads on access, so public_record stays
# the one definition.
_PUBLIC_FIELDS = field_sets(
    certificate={
        "id",
        "credential_id",
        "status",
        "status_reason",
        "status_changed_at",
        "recipient_name",
        "title",
        "issue_date",
        "expiry_date",
        "grade",
        "content_hash",
        "organization_id",
        "anchor_id",
    },
    organization={"id", "name", "slug", "is_verified", "website"},
    anchor={"id", "status", "chain_id", "tx_hash", "block_number", "merkle_root"},
)


def certificate_public_get_for_status(credential_id: str) -> Certificate:
    """certificate_public_get for the public status record: one precompiled query."""
    normalized = normalize_credential_id(credential_id)
    certificate = normalized and certificate_read(_PUBLIC_FIELDS, 'c."credential_id" = %s', [normalized])
    if not certificate:
        raise Http404("No certificate has this id.")
    return certificate


def certificate_public_get(credential_id: str) -> Certificate:
    normalized = normalize_credential_id(credential_id)
    if not normalized:
        raise Http404("No certificate has this id.")
    try:  # get(): no ORDER BY on a unique lookup (this is the uncached public path)
        return Certificate.objects.select_related("organization", "anchor").get(credential_id=normalized)
    except Certificate.DoesNotExist:
        raise Http404("No certificate has this id.") from None
