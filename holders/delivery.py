"""Delivery e-mails: rows created in the issuing transaction, sent by a worker after commit.

A row is claimed with a conditional UPDATE before its e-mail goes out, so a task that runs twice
(a retry, acks_late, the sweeper) sends nothing the second time.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from certificates.models import Certificate, IssuanceBatch
from organizations.access import Actor
from organizations.audit import audit_by

from . import conf, messages
from .errors import HolderError
from .models import Delivery, DeliverySettings

logger = logging.getLogger(__name__)
Kind, Status = Delivery.Kind, Delivery.Status


def settings_for(organization_id: int) -> DeliverySettings:
    found = DeliverySettings.objects.filter(organization_id=organization_id).first()
    return found or DeliverySettings(organization_id=organization_id)


# --- creating rows (inside the issuing transaction) -------------------------------------------


def deliveries_create(certificates: list[Certificate], *, kind: str, held: bool = False) -> None:
    """One row per certificate with an address, unless one exists; sent after commit."""
    wanted = [c for c in certificates if c.recipient_email]
    if not wanted or not settings_for(wanted[0].organization_id).enabled:
        return
    rows = [
        Delivery(
            certificate_id=c.pk,
            organization_id=c.organization_id,
            batch_id=c.batch_id,
            kind=kind,
            to=c.recipient_email,
            status=Status.HELD if held else Status.PENDING,
        )
        for c in wanted
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)  # the unique row makes it idempotent
    if not held:
        ids = [c.pk for c in wanted]
        transaction.on_commit(lambda: enqueue_pending(certificate_ids=ids, kind=kind))


def certificate_issued(certificate: Certificate) -> None:
    kind = Kind.REISSUED if certificate.supersedes_id else Kind.ISSUED
    deliveries_create([certificate], kind=kind)


def certificate_revoked(certificate: Certificate) -> None:
    if Certificate.objects.filter(supersedes_id=certificate.pk).exists():
        return  # a reissue: the new certificate's e-mail says it replaces this one
    deliveries_create([certificate], kind=Kind.REVOKED)


def batch_progressed(batch: IssuanceBatch) -> None:
    """Rows for the certificates a batch chunk inserted (bulk inserts send no post_save)."""
    done = Delivery.objects.filter(batch_id=batch.pk, kind=Kind.ISSUED).values("certificate_id")
    new = list(Certificate.objects.filter(batch_id=batch.pk).exclude(recipient_email="").exclude(pk__in=done))
    if new:
        deliveries_create(new, kind=Kind.ISSUED, held=settings_for(batch.organization_id).hold_batches)


# --- sending (the worker) ---------------------------------------------------------------------


def enqueue_pending(*, certificate_ids: list[int] | None = None, kind: str | None = None, ids=None) -> None:
    """Hand pending rows to the worker; without a broker they stay pending for the sweeper."""
    from .tasks import send_delivery

    if ids is None:
        ids = list(
            Delivery.objects.filter(
                certificate_id__in=certificate_ids, kind=kind, status=Status.PENDING
            ).values_list("pk", flat=True)
        )
    for pk in ids:
        if send_delivery.app.conf.task_always_eager:  # no broker: send here, a failure stays visible
            try:
                delivery_send(delivery_id=pk)
            except Exception:
                logger.warning("delivery %s failed; the sweeper retries it", pk, exc_info=True)
            continue
        try:
            send_delivery.apply_async(kwargs={"delivery_id": pk}, retry=False)
        except Exception:
            logger.warning("broker unavailable; delivery %s stays pending for the sweeper", pk)
            return


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status__in=[Status.PENDING, Status.FAILED], attempts__lt=conf.MAX_ATTEMPTS) | Q(
        status=Status.SENDING, claimed_at__lt=now - conf.STUCK_AFTER
    )
    return bool(
        Delivery.objects.filter(claimable, pk=delivery_id).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery e-mail if it is still due. Raises on a mail-server failure (to retry)."""
    if not _claim(delivery_id):
        return "not-due"
    delivery = Delivery.objects.select_related("certificate__organization", "certificate__supersedes").get(
        pk=delivery_id
    )
    try:
        message = delivery_message(delivery)
        message.send()
    except Exception as exc:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        raise
    Delivery.objects.filter(pk=delivery_id).update(
        status=Status.SENT, sent_at=timezone.now(), sends=F("sends") + 1, last_error=""
    )
    return "sent"


def delivery_message(delivery: Delivery):
    from django.conf import settings as django_settings

    certificate = delivery.certificate
    if delivery.kind in (Kind.ISSUED,):
        chosen = settings_for(certificate.organization_id)
        subject, body = chosen.subject, chosen.body
    else:
        subject, body = messages.FIXED["expiring" if delivery.kind == Kind.EXPIRING else delivery.kind]
    composed = messages.compose(
        certificate=certificate,
        subject=subject,
        body=body,
        link_token=delivery.token,
        pixel_url=f"{django_settings.SITE_URL}/c/o/{delivery.token}.gif",
    )
    return messages.email_message(
        to=delivery.to, composed=composed, organization_name=certificate.organization.name
    )


def deliveries_sweep(now=None) -> int:
    """Re-enqueue rows whose enqueue was lost, whose worker died, or that failed and may retry."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        Q(status=Status.PENDING, created_at__lt=now - conf.PENDING_GRACE)
        | Q(status=Status.SENDING, claimed_at__lt=now - conf.STUCK_AFTER)
        | Q(status=Status.FAILED, attempts__lt=conf.MAX_ATTEMPTS, claimed_at__lt=now - conf.STUCK_AFTER)
    ).values_list("pk", flat=True)[:500]
    ids = list(due)
    enqueue_pending(ids=ids)
    return len(ids)


# --- the issuer's actions ---------------------------------------------------------------------


@transaction.atomic
def delivery_resend(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Send a delivery e-mail again (the holder lost it, or it bounced and the address was fixed)."""
    _require_issuer(actor, delivery.organization_id)
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.PENDING, attempts=0, last_error="")
    audit_by(
        actor,
        action="delivery.resent",
        organization=delivery.organization,
        target=delivery.certificate,
        details={"credential_id": delivery.certificate.credential_id, "kind": delivery.kind},
    )
    transaction.on_commit(lambda: enqueue_pending(ids=[delivery.pk]))
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def batch_release(*, actor: Actor, batch: IssuanceBatch) -> int:
    """Send the held e-mails of a batch ("send later" → now)."""
    _require_issuer(actor, batch.organization_id)
    held = Delivery.objects.filter(batch_id=batch.pk, status=Status.HELD)
    ids = list(held.values_list("pk", flat=True))
    held.update(status=Status.PENDING)
    audit_by(
        actor, action="delivery.batch_released", organization=batch.organization, target=batch,
        details={"emails": len(ids)},
    )  # fmt: skip
    transaction.on_commit(lambda: enqueue_pending(ids=ids))
    return len(ids)


def _require_issuer(actor: Actor, organization_id: int) -> None:
    from organizations.roles import Role

    if not actor.has_role(organization_id, Role.ISSUER):
        raise HolderError("Only issuers can send certificate e-mails.", code="permission_denied")


@transaction.atomic
def delivery_settings_update(*, actor: Actor, organization, **fields) -> DeliverySettings:
    from organizations.roles import Role

    if not actor.has_role(organization, Role.ADMIN):
        raise HolderError("Only admins can change certificate e-mails.", code="permission_denied")
    for name in ("subject", "body"):
        if name in fields and (unknown := messages.unknown_placeholders(fields[name])):
            known = ", ".join(f"{{{p}}}" for p in messages.PLACEHOLDERS)
            raise HolderError(f"Unknown placeholder {{{unknown[0]}}}. You can use {known}.", field=name)
    if "reminder_days" in fields:
        fields["reminder_days"] = _clean_days(fields["reminder_days"])
    chosen, _ = DeliverySettings.objects.select_for_update().get_or_create(organization=organization)
    for name, value in fields.items():
        setattr(chosen, name, value)
    chosen.save()
    audit_by(
        actor,
        action="delivery.settings_changed",
        organization=organization,
        details={"fields": sorted(fields)},
    )
    return chosen


def _clean_days(text: str) -> str:
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if any(not p.isdigit() or not 1 <= int(p) <= 365 for p in parts):
        raise HolderError("Give whole days between 1 and 365, separated by commas.", field="reminder_days")
    return ",".join(str(d) for d in sorted({int(p) for p in parts}, reverse=True))
