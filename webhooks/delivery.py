"""One delivery attempt: claim it, sign and send it, record the outcome, decide what comes next.

The claim is a conditional UPDATE on the attempt row alone (due, not finished); it moves
`next_attempt_at` forward by a lease, so two workers never send the same attempt at once and
an attempt whose worker died becomes due again when the lease runs out (at-least-once).
The HTTP call happens outside any transaction.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import metrics
from core.crypto import decrypt_text

from . import conf, services, transport
from .models import Delivery, Endpoint, Event
from .signing import signature_header

logger = logging.getLogger(__name__)
USER_AGENT = "CertVerify-Webhooks/1.0"


def payload(event: Event) -> bytes:
    """The Standard Webhooks body: `{"type", "timestamp", "data"}`, the same on every attempt."""
    timestamp = event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document = {"type": event.type, "timestamp": timestamp, "data": event.data}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signing_secrets(endpoint: Endpoint, now: datetime) -> list[str]:
    secrets = [decrypt_text(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires and expires > now:
        secrets.append(decrypt_text(endpoint.previous_secret_encrypted))
    return secrets


def request_headers(delivery: Delivery, body: bytes, now: datetime) -> dict[str, str]:
    msg_id, timestamp = delivery.event.message_id, int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            signing_secrets(delivery.endpoint, now), msg_id=msg_id, timestamp=timestamp, body=body
        ),
    }


def _claim(delivery_id, now: datetime) -> datetime | None:
    lease = now + conf.claim_lease()
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
        next_attempt_at__lte=now,
    ).update(status=Delivery.Status.SENDING, next_attempt_at=lease, attempted_at=now)
    return lease if claimed else None


def delivery_send(*, delivery_id, now: datetime | None = None) -> Delivery | None:
    """Make the attempt if it is due and nobody else holds it; None when there was nothing to do."""
    now = now or timezone.now()
    lease = _claim(delivery_id, now)
    if lease is None:
        return None
    delivery = (
        Delivery.objects.select_related("event", "endpoint__organization").filter(pk=delivery_id).first()
    )
    if delivery is None:  # the endpoint was deleted meanwhile
        return None
    if not delivery.endpoint.is_active:
        _finish(delivery, lease, status=Delivery.Status.CANCELLED, error="The endpoint is disabled.")
        metrics.count_webhook_delivery(outcome="cancelled")
        return delivery
    body = payload(delivery.event)
    outcome = transport.post(
        delivery.endpoint.url,
        body=body,
        headers=request_headers(delivery, body, now),
        connect_timeout=conf.connect_timeout(),
        deadline=conf.deadline(),
    )
    _record_outcome(delivery, lease=lease, outcome=outcome, now=now)
    return delivery


def _finish(delivery: Delivery, lease: datetime, *, status: str, outcome=None, error: str = "") -> bool:
    """Write the attempt's result if we still hold its claim (the lease value is the claim token)."""
    fields = {"status": status, "next_attempt_at": None, "error": error[:500]}
    if outcome is not None:
        fields |= {
            "response_status_code": outcome.status_code,
            "response_excerpt": outcome.excerpt,
            "duration_ms": outcome.duration_ms,
            "error": outcome.error[:500],
        }
    won = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, next_attempt_at=lease
    ).update(**fields)
    if not won:
        logger.warning("webhooks: lost the claim on delivery %s before recording it", delivery.pk)
        return False
    for key, value in fields.items():
        setattr(delivery, key, value)
    return True


@transaction.atomic
def _record_outcome(
    delivery: Delivery, *, lease: datetime, outcome: transport.Outcome, now: datetime
) -> None:
    status = Delivery.Status.SUCCEEDED if outcome.ok else Delivery.Status.FAILED
    if not _finish(delivery, lease, status=status, outcome=outcome):
        return
    metrics.count_webhook_delivery(
        outcome="succeeded" if outcome.ok else "gone" if outcome.status_code == 410 else "failed"
    )
    endpoint = delivery.endpoint
    if outcome.ok:
        Endpoint.objects.filter(pk=endpoint.pk, failed_events_in_a_row__gt=0).update(failed_events_in_a_row=0)
        # Delivered: retries still waiting for this event (e.g. after a manual redelivery) are moot.
        Delivery.objects.filter(
            event_id=delivery.event_id, endpoint=endpoint, status=Delivery.Status.PENDING
        ).update(status=Delivery.Status.CANCELLED, next_attempt_at=None)
    elif outcome.status_code == 410:
        services.endpoint_disable(endpoint=endpoint, reason="The receiver answered 410 Gone.", now=now)
    elif delivery.trigger == Delivery.Trigger.SCHEDULED:
        _after_scheduled_failure(delivery, now=now)


def _after_scheduled_failure(delivery: Delivery, *, now: datetime) -> None:
    endpoint = delivery.endpoint
    if delivery.schedule_step == 0 and _count_failed_event(endpoint) >= conf.DISABLE_AFTER_FAILED_EVENTS:
        reason = f"The first attempts for {conf.DISABLE_AFTER_FAILED_EVENTS} events in a row failed."
        services.endpoint_disable(endpoint=endpoint, reason=reason, now=now)
        return
    step = (delivery.schedule_step or 0) + 1
    if step >= len(conf.RETRY_SCHEDULE):
        reason = f"Event {delivery.event.message_id} failed all {len(conf.RETRY_SCHEDULE)} attempts."
        services.endpoint_disable(endpoint=endpoint, reason=reason, now=now)
        return
    if Endpoint.objects.filter(pk=endpoint.pk, is_active=True).exists():
        services.attempt_create(
            event=delivery.event,
            endpoint=endpoint,
            trigger=Delivery.Trigger.SCHEDULED,
            schedule_step=step,
            due=now + conf.RETRY_SCHEDULE[step],
            now=now,
        )


def _count_failed_event(endpoint: Endpoint) -> int:
    Endpoint.objects.filter(pk=endpoint.pk).update(failed_events_in_a_row=F("failed_events_in_a_row") + 1)
    return (
        Endpoint.objects.filter(pk=endpoint.pk).values_list("failed_events_in_a_row", flat=True).first() or 0
    )
