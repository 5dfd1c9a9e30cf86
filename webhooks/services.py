"""Webhook writes: endpoints and their secrets, recording events, redelivery, disabling.

`event_record` is the face other apps use: call it inside the transaction that made the change.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from billing.models import Metric
from billing.usage import usage_reserve
from core.crypto import encrypt_text
from organizations.access import Actor
from organizations.audit import audit_by, audit_record
from organizations.models import Organization

from . import events as event_types
from .dispatch import enqueue_on_commit
from .errors import WebhookError
from .models import Delivery, Endpoint, Event
from .selectors import admin_emails_for_organization
from .signing import secret_generate
from .ssrf import UnsafeURL, vet_url

PREVIOUS_SECRET_GRACE = timedelta(hours=24)
EDITABLE_FIELDS = ("url", "description", "event_types", "is_active")


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        vet_url(url)
    except UnsafeURL as exc:
        raise WebhookError(str(exc), field="url", code="unsafe_url") from exc
    return url


def _clean_event_types(types: list[str]) -> list[str]:
    unknown = sorted(set(types) - event_types.EVENT_TYPES)
    if unknown:
        raise WebhookError(
            f"Unknown event types: {', '.join(unknown)}.", field="events", code="unknown_event"
        )
    if not types:
        raise WebhookError("Subscribe to at least one event type.", field="events", code="no_events")
    return sorted(set(types))


@transaction.atomic
def endpoint_create(
    *,
    actor: Actor,
    organization: Organization,
    url: str,
    event_types: list[str],
    description: str = "",
    is_active: bool = True,
) -> tuple[Endpoint, str]:
    """Register a receiver. Returns the endpoint and its signing secret, which is shown only now."""
    usage_reserve(organization, Metric.WEBHOOKS)
    secret = secret_generate()
    endpoint = Endpoint.objects.create(
        organization=organization,
        url=_clean_url(url),
        event_types=_clean_event_types(event_types),
        description=description,
        is_active=is_active,
        secret_encrypted=encrypt_text(secret),
        created_by=actor.user if getattr(actor.user, "pk", None) else None,
    )
    audit_by(
        actor,
        action="webhook.created",
        organization=organization,
        target=endpoint,
        details={"url": endpoint.url, "events": endpoint.event_types},
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, actor: Actor, endpoint: Endpoint, **fields) -> Endpoint:
    """Change URL, events, description or active; re-enabling clears the failure record."""
    if "url" in fields:
        fields["url"] = _clean_url(fields["url"])
    if "event_types" in fields:
        fields["event_types"] = _clean_event_types(fields["event_types"])
    changed = [k for k in EDITABLE_FIELDS if k in fields and getattr(endpoint, k) != fields[k]]
    if not changed:
        return endpoint
    for key in changed:
        setattr(endpoint, key, fields[key])
    update_fields = [*changed, "updated_at"]
    if "is_active" in changed and endpoint.is_active:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failed_events_in_a_row = None, "", 0
        update_fields += ["disabled_at", "disabled_reason", "failed_events_in_a_row"]
    endpoint.save(update_fields=update_fields)
    if "is_active" in changed and not endpoint.is_active:
        _cancel_pending(endpoint)
    audit_by(
        actor,
        action="webhook.updated",
        organization=endpoint.organization,
        target=endpoint,
        details={"fields": changed},
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint: Endpoint) -> None:
    audit_by(
        actor,
        action="webhook.deleted",
        organization=endpoint.organization,
        target=endpoint,
        details={"url": endpoint.url},
    )
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(
    *, actor: Actor, endpoint: Endpoint, now: datetime | None = None
) -> tuple[Endpoint, str]:
    """Issue a new secret; the current one keeps signing alongside it for 24 hours."""
    now = now or timezone.now()
    secret = secret_generate()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = now + PREVIOUS_SECRET_GRACE
    endpoint.secret_encrypted = encrypt_text(secret)
    endpoint.save(
        update_fields=[
            "secret_encrypted",
            "previous_secret_encrypted",
            "previous_secret_expires_at",
            "updated_at",
        ]
    )
    audit_by(
        actor,
        action="webhook.secret_rotated",
        organization=endpoint.organization,
        target=endpoint,
        details={"previous_secret_expires_at": endpoint.previous_secret_expires_at.isoformat()},
    )
    return endpoint, secret


def _require_active(endpoint: Endpoint) -> None:
    if not endpoint.is_active:
        raise WebhookError("This endpoint is disabled; enable it first.", code="endpoint_disabled")


@transaction.atomic
def endpoint_send_test(*, actor: Actor, endpoint: Endpoint, now: datetime | None = None) -> Delivery:
    """Send a `webhook.test` event to this endpoint only, whatever it subscribes to."""
    _require_active(endpoint)
    now = now or timezone.now()
    event = Event.objects.create(
        organization=endpoint.organization,
        type=event_types.WEBHOOK_TEST,
        data={"endpoint_id": endpoint.pk, "message": "This is a test event from CertVerify."},
        created_at=now,
    )
    delivery = attempt_create(
        event=event, endpoint=endpoint, trigger=Delivery.Trigger.SCHEDULED, schedule_step=0, due=now, now=now
    )
    audit_by(actor, action="webhook.test_sent", organization=endpoint.organization, target=endpoint)
    enqueue_on_commit([delivery.pk])
    return delivery


def _jsonable(data: dict) -> dict:
    # Dates, UUIDs and Decimals become strings now, so what is stored is exactly what is sent.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@transaction.atomic
def event_record(*, organization: Organization, type: str, data: dict, now: datetime | None = None) -> Event:
    """Record an event in the caller's transaction and queue one delivery per subscribed endpoint.

    Delivery starts only after the caller's transaction commits; a rollback leaves no trace.
    """
    if type not in event_types.EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {type!r}")
    now = now or timezone.now()
    event = Event.objects.create(organization=organization, type=type, data=_jsonable(data), created_at=now)
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(organization=organization, is_active=True).only("event_types")
        if type in endpoint.event_types
    ]
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            event=event,
            endpoint=endpoint,
            attempt_number=1,
            schedule_step=0,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    )
    enqueue_on_commit([d.pk for d in deliveries])
    return event


def attempt_create(
    *, event: Event, endpoint: Endpoint, trigger: str, schedule_step: int | None, due: datetime, now: datetime
) -> Delivery:
    """A new attempt row, numbered after the event's previous attempts to this endpoint.

    Locks the event row so two writers (a retry and a manual redelivery) can't take one number.
    """
    Event.objects.select_for_update().filter(pk=event.pk).first()
    last = Delivery.objects.filter(event=event, endpoint=endpoint).aggregate(n=Max("attempt_number"))["n"]
    return Delivery.objects.create(
        event=event,
        endpoint=endpoint,
        attempt_number=(last or 0) + 1,
        trigger=trigger,
        schedule_step=schedule_step,
        next_attempt_at=due,
        created_at=now,
    )


@transaction.atomic
def delivery_redeliver(*, actor: Actor, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """Send the delivery's event to its endpoint once more, now, with the same webhook-id."""
    endpoint = delivery.endpoint
    _require_active(endpoint)
    now = now or timezone.now()
    attempt = attempt_create(
        event=delivery.event,
        endpoint=endpoint,
        trigger=Delivery.Trigger.MANUAL,
        schedule_step=None,
        due=now,
        now=now,
    )
    audit_by(
        actor,
        action="webhook.redelivered",
        organization=endpoint.organization,
        target=endpoint,
        details={"event": delivery.event.message_id, "delivery": str(attempt.pk)},
    )
    enqueue_on_commit([attempt.pk])
    return attempt


def _cancel_pending(endpoint: Endpoint) -> int:
    return Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.CANCELLED, next_attempt_at=None
    )


@transaction.atomic
def endpoint_disable(
    *, endpoint: Endpoint, reason: str, actor: Actor | None = None, now: datetime | None = None
) -> bool:
    """Stop sending to an endpoint, cancel its queued attempts and e-mail the organization's admins.

    Returns False when it was already disabled (so concurrent failures e-mail once).
    """
    now = now or timezone.now()
    disabled = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:255], updated_at=now
    )
    if not disabled:
        return False
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason[:255]
    _cancel_pending(endpoint)
    audit_fields = actor.audit_fields() if actor else {}
    audit_record(
        action="webhook.disabled",
        organization=endpoint.organization,
        target=endpoint,
        details={"reason": reason},
        **audit_fields,
    )
    _email_disabled(endpoint)
    return True


def _email_disabled(endpoint: Endpoint) -> None:
    context = {"endpoint": endpoint, "organization": endpoint.organization, "site_url": settings.SITE_URL}
    subject = render_to_string("emails/webhook_disabled_subject.txt", context).strip()
    body = render_to_string("emails/webhook_disabled.txt", context)
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        for email in admin_emails_for_organization(endpoint.organization)
    ]
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False), robust=True)
