"""What the Blockcerts endpoints serve: a certificate's Blockcerts v3 document with its
MerkleProof2019 proof, an organization's Blockcerts issuer profile, and its revocation answer.

All public (no actor): they say no more than the public certificate page and proof bundle do.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404
from eth_account import Account

from certificates.anchoring import blockcerts
from certificates.errors import CertificateError
from certificates.models import Anchor, BlockcertsProof, Certificate
from certificates.public_status.selectors import certificate_public_get
from organizations.models import Organization

VERIFY_URL_ID = re.compile(r"/verify/(?P<credential_id>[^/]+)/$")


def blockcerts_certificate(credential_id: str) -> dict:
    """The signed Blockcerts document; 404 for an unknown id, 409 until its Blockcerts anchor is
    confirmed (before that the transaction hash may still change, e.g. when it is re-priced)."""
    certificate = certificate_public_get(credential_id)
    proof = BlockcertsProof.objects.select_related("anchor").filter(certificate_id=certificate.pk).first()
    if proof is None or proof.anchor.status != Anchor.Status.CONFIRMED:
        raise CertificateError(
            "This certificate's Blockcerts proof is not anchored yet; it is available once its "
            "anchoring transaction is confirmed (usually within minutes of issuance).",
            code="blockcerts_not_anchored",
            kind="conflict",
        )
    return signed(proof)


def signed(proof: BlockcertsProof) -> dict:
    anchor = proof.anchor
    proof_value = blockcerts.encode_proof_value(
        merkle_root=anchor.merkle_root,
        target_hash=proof.target_hash,
        chain_id=anchor.chain_id,
        tx_hash=anchor.tx_hash,
        path=proof.path,
    )
    return blockcerts.signed_document(
        proof.document,
        proof_value=proof_value,
        created=proof.created_at,
        verification_method=f"{proof.document['issuer']}#{anchor.sender.lower() or 'anchoring-key'}",
    )


def _organization(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).only("slug", "name", "website").first()
    if organization is None:
        raise Http404("No organization has this slug.")
    return organization


def anchoring_addresses() -> list[str]:
    """Every account that signed a Blockcerts anchor, and the configured one (lower-case hex)."""
    senders = Anchor.objects.filter(kind=Anchor.Kind.BLOCKCERTS).exclude(sender="")
    addresses = {sender.lower() for sender in senders.values_list("sender", flat=True).distinct()}
    if settings.CHAIN_PRIVATE_KEY:
        addresses.add(Account.from_key(settings.CHAIN_PRIVATE_KEY).address.lower())
    return sorted(addresses)


def blockcerts_issuer_profile(slug: str) -> dict:
    """A Blockcerts issuer profile: the keys Blockcerts checks the transaction's sender against are
    CertVerify's anchoring addresses, which anchor on the organization's behalf."""
    organization = _organization(slug)
    site = settings.SITE_URL
    return {
        "@context": [blockcerts.OPEN_BADGES_V2, blockcerts.BLOCKCERTS_V3],
        "type": "Profile",
        "id": blockcerts.issuer_profile_url(site, organization.slug),
        "name": organization.name,
        "url": organization.website or f"{site}/verify/",
        "publicKey": [{"id": f"ecdsa-koblitz-pubkey:{address}"} for address in anchoring_addresses()],
        "revocationList": f"{site}/organizations/{organization.slug}/blockcerts-revocations.json",
    }


def blockcerts_revocations(slug: str, assertion_id: str) -> dict:
    """The organization's Blockcerts revocation list, answered for one certificate.

    The verifier asks with `?assertionId=<document id>`; the answer lists that certificate when it
    is revoked or suspended. Without an id the list is empty: publishing every revoked id would let
    anyone enumerate credential ids, which the public lookup deliberately does not allow."""
    organization = _organization(slug)
    revoked = []
    match = VERIFY_URL_ID.search(assertion_id or "")
    if match:
        certificate = (
            Certificate.objects.filter(
                organization=organization,
                credential_id=match["credential_id"],
                blockcerts__document__id=assertion_id,
            )
            .only("status", "status_reason")
            .first()
        )
        if certificate is not None and certificate.status != Certificate.Status.ISSUED:
            reason = certificate.status_reason or f"The certificate is {certificate.status}."
            if certificate.status == Certificate.Status.SUSPENDED:
                reason = f"Suspended: {reason}"
            revoked.append({"id": assertion_id, "revocationReason": reason})
    return {
        "@context": [blockcerts.OPEN_BADGES_V2, blockcerts.BLOCKCERTS_V3],
        "id": f"{settings.SITE_URL}/organizations/{organization.slug}/blockcerts-revocations.json",
        "type": "RevocationList",
        "issuer": blockcerts.issuer_profile_url(settings.SITE_URL, organization.slug),
        "revokedAssertions": revoked,
    }
