"""Certificate writes: issuance and the status lifecycle (rules in policy.py).

The API and the portal both call these. Each write is atomic, audited, records its webhook
event in the same transaction, and records the public status change (public_status/services.py).
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import Metric
from billing.usage import usage_reserve
from certificates.anchoring.services import anchor_enqueue_if_due
from certificates.designs.selectors import template_check_usable
from certificates.errors import CertificateError
from certificates.lifecycle import policy
from certificates.lifecycle.credential_ids import new_credential_id
from certificates.lifecycle.hashing import canonical_fields, content_hash
from certificates.models import Certificate, CertificateTemplate, SigningKey
from certificates.public_status.services import public_status_changed
from certificates.rendering.render import PRINTED_FIELDS, printing_problems
from certificates.rendering.services import enqueue_render
from certificates.signing.keys import build_qr_text, qr_fields_from_canonical
from certificates.signing.services import signing_key_current
from organizations.access import Actor
from organizations.audit import audit_by
from organizations.models import Organization
from organizations.roles import Role
from webhooks.services import event_record

MAX_FUTURE_ISSUE = timedelta(days=366)


# --- issuance -------------------------------------------------------------------------------------


def validate_dates(issue_date: dt.date, expiry_date: dt.date | None) -> None:
    if issue_date > timezone.localdate() + MAX_FUTURE_ISSUE:
        raise CertificateError("The issue date is more than a year in the future.", field="issue_date")
    if expiry_date and expiry_date < issue_date:
        raise CertificateError("The expiry date is before the issue date.", field="expiry_date")


def build_certificate(
    *,
    organization: Organization,
    key: SigningKey,
    recipient_name: str,
    title: str,
    issue_date: dt.date,
    recipient_email: str = "",
    expiry_date: dt.date | None = None,
    grade: str = "",
    metadata: dict | None = None,
    external_id: str | None = None,
    template: CertificateTemplate | None = None,
    issued_by=None,
    batch=None,
) -> Certificate:
    """An unsaved certificate with its id, canonical fields, content hash and signed QR text."""
    credential_id = new_credential_id()
    try:
        fields = canonical_fields(
            credential_id=credential_id,
            organization_slug=organization.slug,
            recipient_name=recipient_name,
            recipient_email=recipient_email,
            title=title,
            issue_date=issue_date,
            expiry_date=expiry_date,
            grade=grade,
            metadata=metadata,
        )
    except (TypeError, ValueError) as exc:
        field = str(exc).split(":", 1)[0] if ":" in str(exc) else None
        raise CertificateError(str(exc), field=field) from exc
    digest = content_hash(fields)
    qr_text = build_qr_text(
        settings.SITE_URL,
        {**qr_fields_from_canonical(fields, digest)},
        bytes(key.private_key_encrypted),
        key.key_id,
    )
    return Certificate(
        organization=organization,
        credential_id=credential_id,
        external_id=external_id or None,
        template=template,
        template_version=template_version(template),
        batch=batch,
        recipient_name=fields["recipient_name"],
        recipient_email=fields["recipient_email"] or "",
        title=fields["title"],
        issue_date=issue_date,
        expiry_date=expiry_date,
        grade=fields["grade"] or "",
        metadata=fields["metadata"],
        canonical_fields=fields,
        content_hash=digest,
        signing_key=key,
        qr_text=qr_text,
        issued_by=issued_by,
    )


def template_version(template: CertificateTemplate | None) -> dict | None:
    """The template as it is now: stored with the certificate, it renders it for good (background
    files are never overwritten: a new upload gets a new name)."""
    if template is None:
        return None
    return {
        "id": template.pk,
        "layout": template.layout or {},
        "background": template.background.name or "",
        "logo": template.logo.name or "",
        "signature_image": template.signature_image.name or "",
        "signature_images": dict(template.signature_images or {}),
        "element_images": dict(template.element_images or {}),
    }


def issued_event_data(certificate: Certificate) -> dict:
    return {
        "credential_id": certificate.credential_id,
        "external_id": certificate.external_id,
        "recipient_name": certificate.recipient_name,
        "title": certificate.title,
        "issue_date": certificate.issue_date.isoformat(),
        "content_hash": certificate.content_hash,
        "url": certificate.public_url,
    }


def check_printable(*, template: CertificateTemplate | None, fields: dict) -> None:
    """Refuse a value the certificate cannot print: a character no font has, or too long to fit."""
    values = {name: fields.get(name) for name in PRINTED_FIELDS}
    problems = printing_problems(values, template.layout if template else None)
    if problems:
        field, message = problems[0]
        raise CertificateError(message, field=field, code="unprintable")


@transaction.atomic
def certificate_issue(**kwargs) -> Certificate:
    """Issue one certificate. Re-sending an `external_id` with the same data returns the certificate
    already issued; with different data it is a conflict (see certificate_issue_or_get)."""
    return certificate_issue_or_get(**kwargs)[0]


IDEMPOTENT_FIELDS = (
    "recipient_name",
    "recipient_email",
    "title",
    "issue_date",
    "expiry_date",
    "grade",
    "metadata",
)


def external_id_differences(existing: Certificate, *, template=None, **fields) -> dict[str, dict]:
    """{field: {"issued": ..., "sent": ...}} where a re-sent request differs from what was issued.

    Compared as hashed (canonical_fields), so spacing or an e-mail's case is no difference.
    """
    sent = canonical_fields(
        credential_id=existing.credential_id,
        organization_slug=existing.organization.slug,
        **{name: fields.get(name) for name in IDEMPOTENT_FIELDS},
    )
    issued = existing.canonical_fields
    differences = {
        name: {"issued": issued.get(name), "sent": sent[name]}
        for name in IDEMPOTENT_FIELDS
        if issued.get(name) != sent[name]
    }
    if (template.pk if template else None) != existing.template_id:
        differences["template"] = {"issued": existing.template_id, "sent": template.pk if template else None}
    return differences


class ExternalIdConflict(CertificateError):
    """The external_id was issued before with other data; `differences` says which."""

    kind = "conflict"
    code = "external_id_conflict"

    def __init__(self, existing: Certificate, differences: dict[str, dict]):
        names = ", ".join(differences)
        super().__init__(
            f"external_id '{existing.external_id}' was issued before as {existing.credential_id} with "
            f"different {names}. Send the same data to get that certificate, or reissue it to correct it.",
            field="external_id",
        )
        self.existing = existing
        self.differences = differences

    def as_fields(self) -> dict[str, list[str]]:
        return {
            name: [f"Issued with {change['issued']!r}; this request sends {change['sent']!r}."]
            for name, change in self.differences.items()
        }


def _existing_for(organization: Organization, external_id: str | None, fields: dict, template):
    if not external_id:
        return None
    existing = (
        organization.certificates.select_related("organization").filter(external_id=external_id).first()
    )
    if existing is None:
        return None
    differences = external_id_differences(existing, template=template, **fields)
    if differences:
        raise ExternalIdConflict(existing, differences)
    return existing


@transaction.atomic
def certificate_issue_or_get(
    *,
    actor: Actor,
    organization: Organization,
    recipient_name: str,
    title: str,
    issue_date: dt.date,
    recipient_email: str = "",
    expiry_date: dt.date | None = None,
    grade: str = "",
    metadata: dict | None = None,
    external_id: str | None = None,
    template: CertificateTemplate | None = None,
) -> tuple[Certificate, bool]:
    """(certificate, created). An `external_id` issued before answers that certificate when the data
    is the same, and raises ExternalIdConflict (409, with the differences) when it is not."""
    policy.require_role(actor, organization, Role.ISSUER)
    validate_dates(issue_date, expiry_date)
    fields = {
        "recipient_name": recipient_name,
        "title": title,
        "issue_date": issue_date,
        "recipient_email": recipient_email,
        "expiry_date": expiry_date,
        "grade": grade,
        "metadata": metadata,
    }
    existing = _existing_for(organization, external_id, fields, template)
    if existing is not None:
        return existing, False
    template_check_usable(organization=organization, template=template)
    check_printable(template=template, fields=fields)
    certificate = build_certificate(
        organization=organization,
        key=signing_key_current(organization=organization),
        external_id=external_id,
        template=template,
        issued_by=actor.user,
        **fields,
    )
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:  # a concurrent request issued the same external_id first
        existing = _existing_for(organization, external_id, fields, template)
        if existing is None:
            raise
        return existing, False
    usage_reserve(organization, Metric.CERTIFICATES)  # a 402 here rolls the row back
    audit_by(
        actor,
        action="certificate.issued",
        organization=organization,
        target=certificate,
        details={"credential_id": certificate.credential_id},
    )
    event_record(organization=organization, type="certificate.issued", data=issued_event_data(certificate))
    public_status_changed(credential_ids=[certificate.credential_id])  # a cached 404
    transaction.on_commit(lambda: enqueue_render(certificate.pk))
    transaction.on_commit(anchor_enqueue_if_due)
    return certificate, True


# --- lifecycle ------------------------------------------------------------------------------------


def _lock(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().select_related("organization").get(pk=certificate.pk)


def _change_status(
    actor: Actor, certificate: Certificate, *, status: str, reason: str, action: str, event: str | None
) -> Certificate:
    certificate.status = status
    certificate.status_reason = reason
    certificate.status_changed_at = timezone.now()
    certificate.status_changed_by = actor.user
    certificate.save(
        update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "updated_at"]
    )
    audit_by(
        actor,
        action=action,
        organization=certificate.organization,
        target=certificate,
        details={"credential_id": certificate.credential_id, "reason": reason},
    )
    if event:
        event_record(
            organization=certificate.organization,
            type=event,
            data={
                "credential_id": certificate.credential_id,
                "status": status,
                "reason": reason,
                "at": certificate.status_changed_at.isoformat(),
            },
        )
    public_status_changed(credential_ids=[certificate.credential_id])
    return certificate


@transaction.atomic
def certificate_revoke(*, actor: Actor, certificate: Certificate, reason: str) -> Certificate:
    certificate = _lock(certificate)
    policy.enforce("revoke", actor, certificate)
    if not reason.strip():
        raise CertificateError("Say why the certificate is revoked.", field="reason")
    return _change_status(
        actor,
        certificate,
        status=Certificate.Status.REVOKED,
        reason=reason.strip(),
        action="certificate.revoked",
        event="certificate.revoked",
    )


@transaction.atomic
def certificate_unrevoke(*, actor: Actor, certificate: Certificate) -> Certificate:
    """Undo a revocation made by mistake, only within the grace window (audited)."""
    certificate = _lock(certificate)
    policy.enforce("unrevoke", actor, certificate)
    return _change_status(
        actor,
        certificate,
        status=Certificate.Status.ISSUED,
        reason="",
        action="certificate.unrevoked",
        event=None,
    )


@transaction.atomic
def certificate_suspend(*, actor: Actor, certificate: Certificate, reason: str) -> Certificate:
    return _set_suspended(actor, certificate, suspended=True, reason=reason)


@transaction.atomic
def certificate_unsuspend(*, actor: Actor, certificate: Certificate) -> Certificate:
    return _set_suspended(actor, certificate, suspended=False)


def _set_suspended(
    actor: Actor, certificate: Certificate, *, suspended: bool, reason: str = ""
) -> Certificate:
    certificate = _lock(certificate)
    policy.enforce("suspend" if suspended else "unsuspend", actor, certificate)
    Status = Certificate.Status
    after = Status.SUSPENDED if suspended else Status.ISSUED
    action = "certificate.suspended" if suspended else "certificate.unsuspended"
    return _change_status(actor, certificate, status=after, reason=reason.strip(), action=action, event=None)


@transaction.atomic
def certificate_reissue(*, actor: Actor, certificate: Certificate, **changes) -> Certificate:
    """Issue a corrected certificate linked to the one it replaces, which is revoked."""
    certificate = _lock(certificate)
    policy.enforce("reissue", actor, certificate)
    fields = {
        k: getattr(certificate, k)
        for k in (
            "recipient_name",
            "recipient_email",
            "title",
            "issue_date",
            "expiry_date",
            "grade",
            "metadata",
            "template",
        )
    }
    fields.update({k: v for k, v in changes.items() if k in fields})
    validate_dates(fields["issue_date"], fields["expiry_date"])
    check_printable(template=fields["template"], fields=fields)
    new = build_certificate(
        organization=certificate.organization,
        key=signing_key_current(organization=certificate.organization),
        issued_by=actor.user,
        **fields,
    )
    new.supersedes = certificate
    new.save()
    public_status_changed(credential_ids=[new.credential_id])  # a cached 404
    if certificate.status != Certificate.Status.REVOKED:
        _change_status(
            actor,
            certificate,
            status=Certificate.Status.REVOKED,
            reason=f"Superseded by {new.credential_id}",
            action="certificate.revoked",
            event="certificate.revoked",
        )
    audit_by(
        actor,
        action="certificate.reissued",
        organization=certificate.organization,
        target=new,
        details={"credential_id": new.credential_id, "supersedes": certificate.credential_id},
    )
    event_record(
        organization=certificate.organization, type="certificate.issued", data=issued_event_data(new)
    )
    transaction.on_commit(lambda: enqueue_render(new.pk))
    return new
