"""What the public may know about a certificate, and its self-contained proof bundle."""

from __future__ import annotations

from django.conf import settings

from certificates.models import Certificate
from organizations.identity import organization_identity

STATUS_WORDS = {
    "issued": "valid",
    "expired": "expired",
    "revoked": "revoked",
    "suspended": "suspended",
}


def anchor_summary(certificate: Certificate) -> dict | None:
    anchor = certificate.anchor
    if anchor is None:
        return {"status": "pending"}
    return {
        "status": anchor.status,
        "chain_id": anchor.chain_id,
        "tx_hash": anchor.tx_hash or None,
        "block_number": anchor.block_number,
        "merkle_root": anchor.merkle_root,
    }


def public_record(certificate: Certificate) -> dict:
    status = certificate.effective_status
    return {
        "credential_id": certificate.credential_id,
        "status": STATUS_WORDS[status],
        "status_reason": certificate.status_reason,
        "status_changed_at": certificate.status_changed_at,
        "issuer": {
            "name": certificate.organization.name,
            "slug": certificate.organization.slug,
            "verified": certificate.organization.is_verified,
            "website": certificate.organization.website,
            "verification": organization_identity(certificate.organization),
        },
        "recipient_name": certificate.recipient_name,
        "title": certificate.title,
        "issue_date": certificate.issue_date,
        "expiry_date": certificate.expiry_date,
        "grade": certificate.grade,
        "content_hash": certificate.content_hash,
        "anchor": anchor_summary(certificate),
        "verify_url": f"{settings.SITE_URL}/verify/{certificate.credential_id}/",
    }


def proof_bundle(certificate: Certificate) -> dict:
    """The self-contained proof (docs/proof-format.md); checkable with `manage.py verify_proof`."""
    from certificates.anchoring.merkle import leaf_hash

    anchor = certificate.anchor
    return {
        "format": "certverify-proof/1",
        "certificate": certificate.canonical_fields,
        "content_hash": certificate.content_hash,
        "merkle": {
            "algorithm": "sha256",
            "leaf": leaf_hash(certificate.content_hash),
            "proof": certificate.merkle_proof or [],
            "root": anchor.merkle_root if anchor else None,
        },
        "anchor": None
        if anchor is None
        else {
            "status": anchor.status,
            "chain_id": anchor.chain_id,
            "genesis_hash": anchor.genesis_hash,
            "tx_hash": anchor.tx_hash,
            "block_number": anchor.block_number,
        },
        "issuer": {
            "slug": certificate.organization.slug,
            "name": certificate.organization.name,
            "key_id": certificate.signing_key.key_id,
        },
    }
