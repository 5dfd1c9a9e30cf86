"""Signed verification reports: what was checked, when, the verdict, the credential's status and the
findings, signed with the platform key and shared by an unguessable link (docs/verification-report.md).

The link is the capability: anyone holding it may read the report, until its creator deletes it.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from certificates.api import certificate_public_get, public_record
from core.parsers import json_depth_exceeds
from organizations.access import Actor
from organizations.audit import audit_by

from .errors import VerificationError
from .models import VerificationReport, VerificationRequest
from .report_signing import canonical_bytes, sign, signature_valid
from .selectors import access_token_matches, verifications_for_actor

REPORT_TYPE = "CertVerifyVerificationReport"
REPORT_VERSION = 1
REPORT_MAX_BYTES = 256 * 1024  # a report is a few kilobytes; an upload to /r/verify/ is bounded
FINDING_FIELDS = ("code", "message", "severity")
RECORD_FIELDS = (
    "recipient_name",
    "title",
    "issue_date",
    "expiry_date",
    "grade",
    "content_hash",
    "status_reason",
    "status_changed_at",
    "verify_url",
)


def utc_text(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(value):
    """A public-record value in the canonical form's types (dates as ISO text)."""
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _checked(verification: VerificationRequest) -> str:
    checked = getattr(verification, "checked", "")
    if checked:
        return checked
    has_document, has_id = bool(verification.upload_sha256), bool(verification.credential_id_input)
    return "both" if has_document and has_id else "document" if has_document else "id"


def _findings(verification: VerificationRequest) -> list[dict]:
    layers = sorted(verification.layers.all(), key=lambda layer: layer.position)
    return [
        {"layer": layer.layer, **{name: str(finding.get(name) or "") for name in FINDING_FIELDS}}
        for layer in layers
        for finding in layer.findings or []
    ]


def _document(verification: VerificationRequest) -> dict:
    score = verification.score
    return {
        "sha256": verification.upload_sha256 or None,
        "content_type": verification.upload_content_type or None,
        "verdict": verification.verdict or None,
        "score": None if score is None else f"{score:.1f}",
        "reasons": [str(reason) for reason in verification.reasons or []],
        "findings": _findings(verification),
    }


def _credential(verification: VerificationRequest) -> dict:
    """The issuer's public record as it stands now, and the status the verification saw."""
    at_check = getattr(verification, "credential_status", "") or None
    if verification.certificate is not None:
        record = public_record(verification.certificate)
        return {
            "credential_id": record["credential_id"],
            "status": record["status"],
            "status_at_check": at_check,
            "issuer": {"name": record["issuer"]["name"], "slug": record["issuer"]["slug"]},
            **{name: _plain(record[name]) for name in RECORD_FIELDS},
        }
    credential_id = verification.credential_id_input or (verification.extracted or {}).get("credential_id")
    org = verification.organization
    return {
        "credential_id": credential_id or None,
        "status": at_check or ("not_found" if credential_id else "unknown"),
        "status_at_check": at_check,
        "issuer": {"name": org.name, "slug": org.slug} if org else None,
    }


def report_body(*, verification: VerificationRequest, report_id: uuid.UUID, issued_at: dt.datetime) -> dict:
    """The report's signed content (every value a string, int, bool, null, list or object)."""
    return {
        "type": REPORT_TYPE,
        "version": REPORT_VERSION,
        "report_id": str(report_id),
        "issued_at": utc_text(issued_at),
        "verification": {
            "id": str(verification.pk),
            "checked": _checked(verification),
            "created_at": utc_text(verification.created_at),
            "completed_at": utc_text(verification.completed_at),
        },
        "document": _document(verification),
        "credential": _credential(verification),
        "platform": {"name": "CertVerify", "url": settings.SITE_URL},
    }


def _may_read(actor: Actor, verification: VerificationRequest, token: str) -> bool:
    """verification/selectors.py's rule: the access token's holder, the requester, the organization."""
    if access_token_matches(verification, token):
        return True
    return actor.is_authenticated and verifications_for_actor(actor).filter(pk=verification.pk).exists()


@transaction.atomic
def report_create(*, actor: Actor, verification: VerificationRequest, token: str = "") -> VerificationReport:
    """Sign a report of a finished verification the actor may read (or whose access token it holds)."""
    if not _may_read(actor, verification, token):
        raise VerificationError("No such verification.", code="not_found", kind="not_found")
    if verification.status != VerificationRequest.Status.COMPLETED:
        raise VerificationError("A report can be made once the verification has completed.", kind="conflict")
    report = VerificationReport(
        id=uuid.uuid4(),
        verification=verification,
        share_token=secrets.token_urlsafe(16),  # 128 bits
        created_by=actor.user,
        created_by_api_key=actor.api_key,
    )
    body = report_body(verification=verification, report_id=report.id, issued_at=timezone.now())
    signature = sign(body)
    report.body = canonical_bytes(body).decode()
    report.signature, report.key_id = signature["value"], signature["key_id"]
    report.save()
    audit_by(
        actor, action="verification.report_created", organization=verification.organization, target=report
    )
    return report


@transaction.atomic
def report_delete(*, actor: Actor, report: VerificationReport, token: str = "") -> None:
    """Its creator (person or API key), or the requester holding the verification's token, deletes it."""
    is_creator = (actor.user is not None and report.created_by_id == actor.user.pk) or (
        actor.api_key is not None and report.created_by_api_key_id == actor.api_key.pk
    )
    holds_token = report.verification is not None and access_token_matches(report.verification, token)
    if not (is_creator or holds_token):
        raise VerificationError("No such report.", code="not_found", kind="not_found")
    # Deleted means gone: the link dies and the signed content is dropped; the row stays for the audit.
    report.deleted_at = timezone.now()
    report.body, report.signature = "", ""
    report.save(update_fields=["deleted_at", "body", "signature"])
    organization = report.verification.organization if report.verification else None
    audit_by(actor, action="verification.report_deleted", organization=organization, target=report)


def report_get_shared(share_token: str) -> VerificationReport:
    """The report this link shares, unless deleted; else 404."""
    report = VerificationReport.objects.filter(share_token=share_token, deleted_at__isnull=True).first()
    if report is None:
        raise Http404("No such report.")
    return report


def report_document(report: VerificationReport) -> dict:
    """The document the verifier keeps: {"report": body, "signature": {alg, key_id, value}}."""
    return {
        "report": json.loads(report.body),
        "signature": {"alg": "Ed25519", "key_id": report.key_id, "value": report.signature},
    }


def report_document_bytes(report: VerificationReport) -> bytes:
    """The JSON file, itself in canonical form, so no byte of it can change without breaking it."""
    return canonical_bytes(report_document(report))


def share_url(report: VerificationReport) -> str:
    return f"{settings.SITE_URL}/r/{report.share_token}"


def report_parse(data: bytes) -> dict:
    """A report JSON file's content; VerificationError when it is not a JSON object of bounded size."""
    if len(data) > REPORT_MAX_BYTES or json_depth_exceeds(data):
        raise VerificationError("This is not a CertVerify report (too large or too deeply nested).")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise VerificationError("This is not a CertVerify report (not JSON).") from None
    if not isinstance(document, dict):
        raise VerificationError("This is not a CertVerify report (not a JSON object).")
    return document


def credential_status_now(credential_id: str | None) -> str:
    if not credential_id:
        return "unknown"
    try:
        return public_record(certificate_public_get(credential_id))["status"]
    except Http404:
        return "not_found"


def report_verify(document: dict) -> dict:
    """Whether the report is signed by a published platform key, and whether the credential's
    status has changed since it was issued."""
    body = document.get("report") if isinstance(document, dict) else None
    signature = document.get("signature") if isinstance(document, dict) else None
    valid = (
        isinstance(body, dict)
        and body.get("type") == REPORT_TYPE
        and body.get("version") == REPORT_VERSION
        and signature_valid(body, signature)
    )
    credential = body.get("credential") if isinstance(body, dict) else None
    credential = credential if isinstance(credential, dict) else {}
    then = credential.get("status") if isinstance(credential.get("status"), str) else None
    credential_id = credential.get("credential_id")
    now = credential_status_now(credential_id if isinstance(credential_id, str) else None)
    return {
        "signature_valid": valid,
        "key_id": signature.get("key_id") if isinstance(signature, dict) else None,
        "report_id": body.get("report_id") if isinstance(body, dict) else None,
        "credential_id": credential_id if isinstance(credential_id, str) else None,
        "credential_status_then": then,
        "credential_status_now": now,
        "changed": then != now,
    }
