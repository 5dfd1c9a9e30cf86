"""Expiry reminders (a daily beat task): to each holder once per configured horizon, and a
digest to the organization's admins. Rows with unique constraints make a second run a no-op."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.models import Certificate
from organizations.models import Membership
from organizations.roles import Role

from .delivery import enqueue_pending, settings_for
from .models import Delivery, OrganizationReminder


def expiry_reminders_send(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    soon = Certificate.objects.filter(
        status=Certificate.Status.ISSUED,
        expiry_date__gt=today,
        expiry_date__lte=today + dt.timedelta(days=365),
    )
    created = 0
    for organization_id in soon.values_list("organization_id", flat=True).distinct().order_by():
        chosen = settings_for(organization_id)
        days = chosen.reminder_day_list
        if not days:
            continue
        due = list(
            soon.filter(organization_id=organization_id, expiry_date__lte=today + dt.timedelta(days=days[0]))
        )
        if chosen.enabled:
            created += _holder_reminders(due, days, today)
        if chosen.remind_organization:
            _organization_digest(organization_id, due, today)
    return created


def _holder_reminders(due: list[Certificate], days: list[int], today: dt.date) -> int:
    rows = []
    for certificate in due:
        if not certificate.recipient_email:
            continue
        left = (certificate.expiry_date - today).days
        horizon = min(d for d in days if d >= left)  # the nearest horizon not yet passed
        rows.append(
            Delivery(
                certificate=certificate,
                organization_id=certificate.organization_id,
                kind=Delivery.Kind.EXPIRING,
                days_before=horizon,
                to=certificate.recipient_email,
            )
        )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    # Pending includes a row another run created and never sent; claiming stops a double send.
    pending = Delivery.objects.filter(
        kind=Delivery.Kind.EXPIRING,
        status=Delivery.Status.PENDING,
        certificate__in=[r.certificate for r in rows],
    )
    ids = list(pending.values_list("pk", flat=True))
    enqueue_pending(ids=ids)
    return len(ids)


def _organization_digest(organization_id: int, due: list[Certificate], today: dt.date) -> None:
    if not due:
        return
    try:
        with transaction.atomic():
            OrganizationReminder.objects.create(
                organization_id=organization_id, day=today, days_before=0, certificates=len(due),
                sent_at=timezone.now(),
            )  # fmt: skip
    except IntegrityError:
        return  # today's digest went out already
    admins = Membership.objects.filter(
        organization_id=organization_id, role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
    ).values_list("user__email", flat=True)
    lines = [
        f"- {c.credential_id}  {c.recipient_name}: {c.title} — expires {c.expiry_date:%d %b %Y}"
        for c in sorted(due, key=lambda c: c.expiry_date)
    ]
    send_mail(
        f"{len(due)} certificate(s) expire soon",
        "These certificates expire soon:\n\n"
        + "\n".join(lines[:200])
        + f"\n\nSee them in the portal: {settings.SITE_URL}/portal/delivery/",
        settings.DEFAULT_FROM_EMAIL,
        list(admins),
    )
