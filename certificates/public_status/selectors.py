"""The public read of a certificate by its credential id (no actor: anyone may look one up)."""

import json

from django.http import Http404

from certificates.lifecycle.credential_ids import normalize_credential_id
from certificates.models import Anchor, Certificate
from certificates.public_status import cache as public_cache
from certificates.public_status import narrowing
from certificates.public_status.precompiled import FieldSets, certificate_read, field_sets
from certificates.public_status.record import public_record
from organizations.models import Organization


def _all_fields(model: type) -> set[str]:
    return {field.attname for field in model._meta.concrete_fields}


# What public_record reads: the anonymous status lookup is the hottest uncached path, so it reads
# only these (a field not read here loads on access, so public_record stays the one definition).
STATUS_FIELDS = field_sets(
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
    organization={
        "id",
        "name",
        "slug",
        "website",
        "verification_level",
        "verified_domain",
        "verified_at",
        "lookalike_of_id",
    },
    anchor={"id", "status", "chain_id", "tx_hash", "block_number", "merkle_root"},
)
# Everything, as select_related("organization", "anchor") would read: the proof and the public pages.
ALL_FIELDS = field_sets(
    certificate=_all_fields(Certificate),
    organization=_all_fields(Organization),
    anchor=_all_fields(Anchor),
)


def certificate_public_get(credential_id: str, *, fields: FieldSets = ALL_FIELDS) -> Certificate:
    """The certificate with its organization and anchor, in one precompiled query; 404 if none.

    `fields` narrows what is read (STATUS_FIELDS for the status lookup); the rest loads on access.
    """
    normalized = normalize_credential_id(credential_id)
    certificate = normalized and certificate_read(fields, 'c."credential_id" = %s', [normalized])
    if not certificate:
        raise Http404("No certificate has this id.")
    return certificate


def public_record_body(credential_id: str) -> bytes | None:
    """The public record as the status lookup sends it (JSON bytes): from the cache when there,
    else built and cached; None when nobody issued the id. `credential_id` must be canonical. The
    public status API and an id-only verification both answer from this."""
    body = public_cache.get(credential_id)
    if body is None:
        return public_record_build(credential_id)
    return None if body == public_cache.MISSING else body


def public_record_build(credential_id: str) -> bytes | None:
    """Read the record from the database and cache it (an unknown id is cached briefly as MISSING)."""
    certificate = certificate_read(STATUS_FIELDS, 'c."credential_id" = %s', [credential_id])
    if certificate is None:
        public_cache.put_missing(credential_id)
        return None
    record = narrowing.narrowed(certificate.id, public_record(certificate))
    body = json.dumps(record, default=str).encode()
    public_cache.put(credential_id, body, expiry_date=certificate.expiry_date)
    return body
