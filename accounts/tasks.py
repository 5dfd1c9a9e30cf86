"""Account e-mails, sent by a worker so that requests never wait for (or time) the mail server."""

import smtplib

from celery import shared_task

from . import services


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_account_email(*, template: str, user_id: int, to: str) -> str:
    return services.account_email_send(template=template, user_id=user_id, to=to)
