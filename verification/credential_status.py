"""The second answer of a verification: what the issuer's record says of the credential.

A document can be the issuer's genuine rendering of a certificate that no longer stands (revoked,
suspended, expired, or superseded by a corrected reissue). That is not a forgery, so it is not the
document verdict's business: it is answered here, from the public record (the same cached bytes
the public status lookup sends), never from a fraud layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings

from certificates.api import is_valid_credential_id, public_record_body
from certificates.models import Certificate
from holders.api import is_hidden, status_only

# The public record's status word -> the credential status (a revoked one that has a replacement
# is "superseded").
STATUS_BY_RECORD = {"valid": "valid", "revoked": "revoked", "suspended": "suspended", "expired": "expired"}


@dataclass
class CredentialAnswer:
    status: str
    credential_id: str | None = None
    record: dict | None = None
    superseded_by: dict | None = None
    # The matched certificate, for who may see the verification (not shown).
    certificate_id: int | None = None
    organization_id: int | None = None

    @property
    def stored(self) -> dict:
        """What VerificationRequest.credential keeps: the record as it stood at the check."""
        return {"record": self.record, "superseded_by": self.superseded_by}


def credential_answer(credential_id: str) -> CredentialAnswer:
    """The issuer's record of a canonical credential id: `not_found` when nobody issued it."""
    body = public_record_body(credential_id)
    if body is None:
        return CredentialAnswer("not_found", credential_id)
    record = json.loads(body)
    row = (
        Certificate.objects.filter(credential_id=credential_id)
        .values("pk", "organization_id", "superseded_by__credential_id")
        .first()
    ) or {}
    if row.get("pk") and is_hidden(row["pk"]):  # the holder hid the certificate: status only
        record = status_only(record)
    replacement = row.get("superseded_by__credential_id")
    status = STATUS_BY_RECORD.get(record.get("status"), "unknown")
    if replacement and status == "revoked":
        status = "superseded"
    return CredentialAnswer(
        status,
        credential_id,
        record,
        _replacement(replacement) if replacement else None,
        certificate_id=row.get("pk"),
        organization_id=row.get("organization_id"),
    )


def credential_answer_for_document(*, certificate: Certificate | None, typed_id: str, read_id: str | None):
    """The credential answer after a document was checked: the matched certificate's record; else
    `not_found` for a CertVerify id nobody issued, and `unknown` when no issuer record applies
    (another institution's certificate, nothing readable)."""
    if certificate is not None:
        return credential_answer(certificate.credential_id)
    wanted = typed_id or read_id
    if wanted and is_valid_credential_id(wanted):
        return CredentialAnswer("not_found", wanted)
    return CredentialAnswer("unknown", wanted or None)


def _replacement(credential_id: str) -> dict:
    return {"credential_id": credential_id, "url": f"{settings.SITE_URL}/verify/{credential_id}/"}
