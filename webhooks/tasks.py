"""Thin Celery tasks. Both are safe to run twice: an attempt is claimed before it is sent."""

from celery import shared_task

from .delivery import delivery_send
from .dispatch import deliveries_dispatch_due


@shared_task(
    name="webhooks.deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=90,
    time_limit=120,
)
def deliver(delivery_id: str) -> str:
    delivery = delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery else "not due or taken"


@shared_task(name="webhooks.sweep", acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60)
def sweep() -> int:
    """Run by beat every few seconds: queue due retries and anything the broker never got."""
    return deliveries_dispatch_due()
