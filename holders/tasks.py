"""Thin Celery tasks: delivery e-mails, the sweeper, magic links, expiry reminders."""

import smtplib

from celery import shared_task

from . import access, delivery, reminders


@shared_task(
    name="holders.send_delivery",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=7,
    soft_time_limit=60,
    time_limit=90,
)
def send_delivery(*, delivery_id: int) -> str:
    return delivery.delivery_send(delivery_id=delivery_id)


@shared_task(name="holders.sweep_deliveries", soft_time_limit=120, time_limit=150)
def sweep_deliveries() -> int:
    return delivery.deliveries_sweep()


@shared_task(
    name="holders.send_magic_link",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=10,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def send_magic_link(*, email: str, token: str) -> str:
    return access.magic_link_send(email=email, token=token)


@shared_task(name="holders.expiry_reminders", soft_time_limit=600, time_limit=660)
def expiry_reminders() -> int:
    return reminders.expiry_reminders_send()
