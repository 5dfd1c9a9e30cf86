"""Thin Celery tasks: both are safe to run twice (an event is claimed before it is applied)."""

from celery import shared_task

from .services import billing_event_process, subscriptions_downgrade_lapsed


@shared_task(
    name="billing.process_event", acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60
)
def process_billing_event(event_pk: int) -> str:
    return billing_event_process(event_pk=event_pk)


@shared_task(
    name="billing.downgrade_lapsed", acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60
)
def downgrade_lapsed() -> int:
    return subscriptions_downgrade_lapsed()
