"""Counting what happens to a certificate after issue: one row per certificate, kind and day."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from certificates.models import Certificate

from .models import Delivery, Engagement


def engagement_record(*, certificate: Certificate, kind: str) -> None:
    day = timezone.localdate()
    rows = Engagement.objects.filter(certificate_id=certificate.pk, kind=kind, day=day)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            Engagement.objects.create(
                certificate_id=certificate.pk,
                organization_id=certificate.organization_id,
                kind=kind,
                day=day,
                count=1,
            )
    except IntegrityError:  # a concurrent first view of the day created it
        rows.update(count=F("count") + 1)


def delivery_opened(*, token: str) -> Delivery | None:
    """The tracking pixel loaded, or the holder followed the e-mail's link: opened, once."""
    delivery = Delivery.objects.select_related("certificate").filter(token=token).first()
    if delivery is None:
        return None
    if Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(opened_at=timezone.now()):
        engagement_record(certificate=delivery.certificate, kind=Engagement.Kind.OPENED)
    return delivery
