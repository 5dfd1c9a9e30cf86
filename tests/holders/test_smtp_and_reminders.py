"""Delivery e-mails over real SMTP (the local stand-in), and expiry reminders."""

import datetime as dt
import email
from email import policy

import pytest
from django.core import mail
from django.utils import timezone

from certificates.lifecycle.services import certificate_issue
from holders.models import Delivery, DeliverySettings, OrganizationReminder
from holders.reminders import expiry_reminders_send
from organizations.access import Actor
from tests.conftest import auth_client
from tests.smtp_standin import SmtpStandIn

pytestmark = pytest.mark.django_db


def test_the_delivery_email_reaches_an_smtp_server_as_text_and_html(
    org, issuer, settings, django_capture_on_commit_callbacks
):
    with SmtpStandIn() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(smtp.url.rsplit(":", 1)[1])
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client(issuer).post(
                "/api/v1/certificates/",
                {
                    "organization": org.slug,
                    "recipient_name": "Zoë Ørsted",
                    "recipient_email": "zoe@example.com",
                    "title": "Diploma in Data",
                    "issue_date": "2026-03-01",
                },
                format="json",
            )
        received = smtp.wait_for_message()
    credential_id = response.json()["credential_id"]
    assert received.recipients == ["zoe@example.com"]
    parsed = email.message_from_bytes(received.data.encode(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in parsed.iter_parts())
    assert "Zoë Ørsted" in text and f"/c/{credential_id}/?d=" in text
    assert "<html" in html and "View your certificate" in html and org.name in html
    assert Delivery.objects.get().status == "sent"


def issued(org, issuer, *, expires_in: int, email: str = "ivy@example.com"):
    today = timezone.localdate()
    return certificate_issue(
        actor=Actor(user=issuer), organization=org, recipient_name="Ivy", title="Forklift licence",
        issue_date=today - dt.timedelta(days=300), expiry_date=today + dt.timedelta(days=expires_in),
        recipient_email=email,
    )  # fmt: skip


def test_expiry_reminders_go_once_per_horizon_to_holders_and_once_a_day_to_admins(
    org, issuer, owner, django_capture_on_commit_callbacks
):
    DeliverySettings.objects.create(organization=org, reminder_days="30,7")
    with django_capture_on_commit_callbacks(execute=True):
        soon = issued(org, issuer, expires_in=5)
        later = issued(org, issuer, expires_in=20, email="jo@example.com")
        issued(org, issuer, expires_in=90, email="far@example.com")
    mail.outbox.clear()

    assert expiry_reminders_send() == 2
    reminders = Delivery.objects.filter(kind="expiring")
    assert {(d.certificate_id, d.days_before) for d in reminders} == {(soon.pk, 7), (later.pk, 30)}
    to_holders = [m for m in mail.outbox if "expires on" in m.subject]
    assert sorted(m.to[0] for m in to_holders) == ["ivy@example.com", "jo@example.com"]
    digest = [m for m in mail.outbox if "expire soon" in m.subject]
    assert len(digest) == 1 and owner.email in digest[0].to and soon.credential_id in digest[0].body

    mail.outbox.clear()
    assert expiry_reminders_send() == 0 and mail.outbox == []
    assert OrganizationReminder.objects.count() == 1
