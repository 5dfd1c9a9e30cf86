"""A certificate as an Open Badges 3.0 `OpenBadgeCredential` (a W3C VC 2.0), signed by its issuer.

Deterministic for a given signing key: the proof's date is fixed when the credential is first
made and Ed25519 signatures are deterministic, so two downloads are the same bytes until the
organization rotates its key (then the new key signs; credentials signed before stay valid,
because the old key stays in the DID document).
"""

from __future__ import annotations

import hashlib

from django.conf import settings

from certificates.models import Certificate
from organizations.models import VERIFIED_LEVELS, Organization

from . import signing, status_lists
from .did_web import organization_did, organization_url
from .jsonld import OB_V3, VC_V2
from .models import PortableCredential

CONTEXTS = [VC_V2, OB_V3]


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0's salted identity hash: ``sha256$`` + hex SHA-256 of the address and the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def issuer_profile(organization: Organization) -> dict:
    """The organization as an OB `Profile`; `url` is its proved domain once it has one."""
    profile = {"id": organization_did(organization), "type": ["Profile"], "name": organization.name}
    if organization.verification_level in VERIFIED_LEVELS and organization.verified_domain:
        profile["url"] = f"https://{organization.verified_domain}"
    return profile


def profile_document(organization: Organization) -> dict:
    """The Profile as a JSON-LD document of its own (linked from the DID document)."""
    return {"@context": CONTEXTS, **issuer_profile(organization)}


def _achievement(certificate: Certificate) -> dict:
    achievement = {
        "id": organization_url(certificate.organization, f"achievements/{certificate.credential_id}"),
        "type": ["Achievement"],
        "name": certificate.title,
        "criteria": {
            "narrative": f"Awarded by {certificate.organization.name}: {certificate.title}.",
        },
    }
    if certificate.grade:
        achievement["resultDescription"] = [
            {
                "id": f"{achievement['id']}#grade",
                "type": ["ResultDescription"],
                "name": "Grade",
                "resultType": "LetterGrade",
            }
        ]
    return achievement


def _subject(certificate: Certificate, record: PortableCredential) -> dict:
    subject = {"type": ["AchievementSubject"], "name": certificate.recipient_name}
    if certificate.recipient_email:
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(certificate.recipient_email, record.identity_salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": record.identity_salt,
            }
        ]
    achievement = _achievement(certificate)
    subject["achievement"] = achievement
    if certificate.grade:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": achievement["resultDescription"][0]["id"],
                "value": certificate.grade,
            }
        ]
    return subject


def unsigned_credential(certificate: Certificate, record: PortableCredential) -> dict:
    credential = {
        "@context": CONTEXTS,
        "id": f"{settings.SITE_URL}/verify/{certificate.credential_id}/",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.title,
        "issuer": issuer_profile(certificate.organization),
        "validFrom": signing.day_start(certificate.issue_date),
        "credentialSubject": _subject(certificate, record),
        "credentialStatus": [
            status_lists.entry(record.revocation_list, record.revocation_index),
            status_lists.entry(record.suspension_list, record.suspension_index),
        ],
    }
    if certificate.expiry_date:
        credential["validUntil"] = signing.day_end(certificate.expiry_date)
    return credential


def open_badge_credential(certificate: Certificate, record: PortableCredential) -> dict:
    return signing.sign_as(
        certificate.organization, unsigned_credential(certificate, record), created=record.created_at
    )
