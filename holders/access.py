"""The holder's own access: a magic link to the recipient address, then their certificates
across organizations, where they can hide a certificate's page or report an error to its issuer."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from certificates.api import public_status_changed
from certificates.models import Certificate
from organizations.audit import audit_record

from . import conf
from .errors import HolderError
from .models import ErrorReport, HolderChoice, MagicLink


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def certificates_of(email: str):
    """Every certificate issued to the address, on every organization."""
    return (
        Certificate.objects.filter(recipient_email__iexact=normalize_email(email))
        .select_related("organization")
        .order_by("-issue_date", "-id")
    )


@transaction.atomic
def magic_link_request(*, email: str) -> None:
    """E-mail a sign-in link if the address holds certificates. The answer is the same either
    way, so the form tells no one which addresses hold certificates."""
    email = normalize_email(email)
    if not email or "@" not in email:
        raise HolderError("Enter the e-mail address your certificates were sent to.", field="email")
    if not certificates_of(email).exists():
        return
    recent = MagicLink.objects.filter(email=email, created_at__gt=timezone.now() - conf.MAGIC_LINK_WINDOW)
    if recent.count() >= conf.MAGIC_LINKS_PER_WINDOW:
        return  # the form must not become a way to flood someone's inbox
    token = secrets.token_urlsafe(32)
    MagicLink.objects.create(
        email=email, token_hash=_hash(token), expires_at=timezone.now() + conf.MAGIC_LINK_TTL
    )
    transaction.on_commit(lambda: _send_link(email, token))


def _send_link(email: str, token: str) -> None:
    from .tasks import send_magic_link

    kwargs = {"email": email, "token": token}
    if send_magic_link.app.conf.task_always_eager:
        magic_link_send(**kwargs)
        return
    try:
        send_magic_link.apply_async(kwargs=kwargs, retry=False)
    except Exception:  # no broker: send it here rather than lose it
        magic_link_send(**kwargs)


def magic_link_send(*, email: str, token: str) -> str:
    minutes = int(conf.MAGIC_LINK_TTL.total_seconds() // 60)
    send_mail(
        "Your certificates on CertVerify",
        f"Open your certificates (this link works once, for {minutes} minutes):\n\n"
        f"{settings.SITE_URL}/holder/link/{token}/\n\n"
        "If you did not ask for it, ignore this message.",
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )
    return "sent"


@transaction.atomic
def magic_link_consume(*, token: str) -> str:
    """The address the link was sent to; the link never works again."""
    link = MagicLink.objects.select_for_update().filter(token_hash=_hash(token or "")).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise HolderError(
            "This link has expired or was already used. Ask for a new one.", code="link_invalid"
        )
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return link.email


def _holders_certificate(email: str, credential_id: str) -> Certificate:
    certificate = certificates_of(email).filter(credential_id=credential_id).first()
    if certificate is None:
        raise HolderError("No such certificate among yours.", code="not_found", kind="not_found")
    return certificate


@transaction.atomic
def certificate_set_hidden(*, email: str, credential_id: str, hidden: bool) -> HolderChoice:
    certificate = _holders_certificate(email, credential_id)
    choice, _ = HolderChoice.objects.select_for_update().get_or_create(certificate=certificate)
    choice.hidden, choice.changed_at = hidden, timezone.now()
    choice.save(update_fields=["hidden", "changed_at"])
    # The cached public record (status API, id checks) must now say more, or less.
    public_status_changed(credential_ids=[certificate.credential_id])
    audit_record(
        action="holder.page_hidden" if hidden else "holder.page_shown",
        organization=certificate.organization,
        target=certificate,
        details={"credential_id": credential_id, "by": "holder"},
    )
    return choice


@transaction.atomic
def error_report_create(*, email: str, credential_id: str, message: str) -> ErrorReport:
    message = (message or "").strip()
    if not message:
        raise HolderError("Say what is wrong on the certificate.", field="message")
    if len(message) > 2000:
        raise HolderError("Keep it under 2,000 characters.", field="message")
    certificate = _holders_certificate(email, credential_id)
    report = ErrorReport.objects.create(
        certificate=certificate, organization=certificate.organization, email=email, message=message
    )
    audit_record(
        action="holder.error_reported",
        organization=certificate.organization,
        target=certificate,
        details={"credential_id": credential_id, "message": message[:500]},
    )
    return report


def is_hidden(certificate_id: int) -> bool:
    return HolderChoice.objects.filter(certificate_id=certificate_id, hidden=True).exists()


def narrow_public_record(certificate_id: int, record: dict) -> dict:
    """The public record as the holder chose: only its id and status when they hid the page."""
    return status_only(record) if is_hidden(certificate_id) else record


def status_only(record: dict) -> dict:
    """What a hidden certificate's public record still says: its id and status."""
    return {"credential_id": record["credential_id"], "status": record["status"], "hidden_by_holder": True}
