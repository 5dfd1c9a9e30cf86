"""Certificate writes: signing keys, issuance, rendering and the status lifecycle.

The API and the portal both call these. Each write is atomic, audited, records its webhook
event in the same transaction, and invalidates the public status cache after commit.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.access import Actor
from organizations.audit import audit_by
from organizations.models import Organization
from organizations.roles import Role
from webhooks.services import event_record

from . import cache as public_cache
from . import cache_purges
from .anchoring import anchor_enqueue_if_due
from .credential_ids import new_credential_id
from .errors import CertificateError
from .hashing import canonical_fields, content_hash
from .models import Certificate, CertificateTemplate, SigningKey
from .rendering import RenderInput, perceptual_hash, render_pdf, render_png
from .signing import build_qr_text, generate_keypair, qr_fields_from_canonical

UNREVOKE_GRACE = timedelta(hours=24)
MAX_FUTURE_ISSUE = timedelta(days=366)


def _require(actor: Actor, organization: Organization, minimum: str) -> None:
    if not actor.has_role(organization, minimum):
        raise CertificateError(
            f"This needs the {minimum} role or higher in {organization.name}.",
            code="permission_denied",
            status_code=403,
        )


# --- signing keys ---------------------------------------------------------------------------------


def signing_key_current(*, organization: Organization) -> SigningKey:
    """The organization's current key, created on first use."""
    key = organization.signing_keys.filter(valid_until__isnull=True).order_by("-valid_from").first()
    if key is not None:
        return key
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)  # one creator at a time
        key = organization.signing_keys.filter(valid_until__isnull=True).first()
        if key is None:
            private, public, key_id = generate_keypair()
            key = SigningKey.objects.create(
                organization=organization, key_id=key_id, public_key_b64=public, private_key_encrypted=private
            )
    return key


@transaction.atomic
def signing_key_rotate(*, actor: Actor, organization: Organization) -> SigningKey:
    """Start a new key; the old one stays published (with its window) so old QR codes verify."""
    _require(actor, organization, Role.ADMIN)
    # One rotation (or first-key creation) at a time, so two at once cannot leave two current keys.
    Organization.objects.select_for_update().get(pk=organization.pk)
    now = timezone.now()
    organization.signing_keys.filter(valid_until__isnull=True).update(valid_until=now)
    private, public, key_id = generate_keypair()
    key = SigningKey.objects.create(
        organization=organization,
        key_id=key_id,
        public_key_b64=public,
        private_key_encrypted=private,
        valid_from=now,
    )
    audit_by(
        actor, action="signing_key.rotated", organization=organization, target=key, details={"key_id": key_id}
    )
    return key


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


@transaction.atomic
def certificate_issue(
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
) -> Certificate:
    """Issue one certificate. Re-sending an `external_id` returns the certificate already issued."""
    _require(actor, organization, Role.ISSUER)
    validate_dates(issue_date, expiry_date)
    if external_id:
        existing = organization.certificates.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    _check_template(organization, template)
    certificate = build_certificate(
        organization=organization,
        key=signing_key_current(organization=organization),
        recipient_name=recipient_name,
        title=title,
        issue_date=issue_date,
        recipient_email=recipient_email,
        expiry_date=expiry_date,
        grade=grade,
        metadata=metadata,
        external_id=external_id,
        template=template,
        issued_by=actor.user,
    )
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:  # a concurrent request issued the same external_id first
        existing = organization.certificates.filter(external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing
    audit_by(
        actor,
        action="certificate.issued",
        organization=organization,
        target=certificate,
        details={"credential_id": certificate.credential_id},
    )
    event_record(organization=organization, type="certificate.issued", data=issued_event_data(certificate))
    transaction.on_commit(lambda: public_cache.invalidate(certificate.credential_id))  # a cached 404
    transaction.on_commit(lambda: _enqueue_render(certificate.pk))
    transaction.on_commit(anchor_enqueue_if_due)
    return certificate


def _check_template(organization: Organization, template: CertificateTemplate | None) -> None:
    if template is not None and template.organization_id not in (None, organization.pk):
        raise CertificateError("No such template.", field="template")


def _enqueue_render(certificate_id: int) -> None:
    from .tasks import render_certificate

    try:
        render_certificate.delay(certificate_id)
    except Exception:  # broker down: the files are rendered on first download instead
        pass


def _template_background(certificate: Certificate):
    template = certificate.template
    if template is None or not template.background:
        return None, (template.layout if template else None) or None
    from PIL import Image

    with template.background.open("rb") as fh:
        return Image.open(fh).convert("RGB"), template.layout or None


def certificate_render(*, certificate: Certificate, force: bool = False) -> Certificate:
    """Render the PNG and PDF (with the QR) and store them; idempotent unless `force`."""
    if certificate.rendered_at and not force:
        return certificate
    background, layout = _template_background(certificate)
    inp = RenderInput(
        organization_name=certificate.organization.name,
        recipient_name=certificate.recipient_name,
        title=certificate.title,
        issue_date=certificate.issue_date,
        expiry_date=certificate.expiry_date,
        grade=certificate.grade or None,
        credential_id=certificate.credential_id,
        qr_text=certificate.qr_text,
        background=background,
        layout=layout,
    )
    png = render_png(inp)
    pdf = render_pdf(inp)
    certificate.image.save(f"{certificate.credential_id}.png", ContentFile(png), save=False)
    certificate.pdf.save(f"{certificate.credential_id}.pdf", ContentFile(pdf), save=False)
    certificate.phash = perceptual_hash(png)
    certificate.rendered_at = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(
        image=certificate.image.name,
        pdf=certificate.pdf.name,
        phash=certificate.phash,
        rendered_at=certificate.rendered_at,
    )
    return certificate


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
    cache_purges.purge_on_commit(certificate.credential_id)  # retried until the cache takes it
    return certificate


@transaction.atomic
def certificate_revoke(*, actor: Actor, certificate: Certificate, reason: str) -> Certificate:
    certificate = _lock(certificate)
    _require(actor, certificate.organization, Role.ISSUER)
    if certificate.status == Certificate.Status.REVOKED:
        raise CertificateError("This certificate is already revoked.", code="already_revoked")
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
    _require(actor, certificate.organization, Role.ADMIN)
    if certificate.status != Certificate.Status.REVOKED:
        raise CertificateError("This certificate is not revoked.", code="not_revoked")
    if certificate.status_changed_at and timezone.now() - certificate.status_changed_at > UNREVOKE_GRACE:
        raise CertificateError(
            "A revocation can only be undone within 24 hours; reissue instead.", code="grace_expired"
        )
    if hasattr(certificate, "superseded_by"):
        raise CertificateError("This certificate was superseded by a reissue.", code="superseded")
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
    _require(actor, certificate.organization, Role.ISSUER)
    Status = Certificate.Status
    before, after = (Status.ISSUED, Status.SUSPENDED) if suspended else (Status.SUSPENDED, Status.ISSUED)
    if certificate.status != before:
        message = (
            f"Only an issued certificate can be suspended (it is {certificate.status})."
            if suspended
            else "This certificate is not suspended."
        )
        raise CertificateError(message, code="invalid_status")
    action = "certificate.suspended" if suspended else "certificate.unsuspended"
    return _change_status(actor, certificate, status=after, reason=reason.strip(), action=action, event=None)


@transaction.atomic
def certificate_reissue(*, actor: Actor, certificate: Certificate, **changes) -> Certificate:
    """Issue a corrected certificate linked to the one it replaces, which is revoked."""
    certificate = _lock(certificate)
    _require(actor, certificate.organization, Role.ISSUER)
    if hasattr(certificate, "superseded_by"):
        raise CertificateError("This certificate was already reissued.", code="already_reissued")
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
    new = build_certificate(
        organization=certificate.organization,
        key=signing_key_current(organization=certificate.organization),
        issued_by=actor.user,
        **fields,
    )
    new.supersedes = certificate
    new.save()
    transaction.on_commit(lambda: public_cache.invalidate(new.credential_id))  # a cached 404
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
    transaction.on_commit(lambda: _enqueue_render(new.pk))
    return new
