"""What a receiver gets: Standard Webhooks headers and body, verifiable with the official library."""

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.crypto import decrypt_text
from organizations.access import Actor
from webhooks import events, services
from webhooks.delivery import delivery_send
from webhooks.models import Delivery, Event

from .conftest import Reply, make_endpoint

pytestmark = pytest.mark.django_db


def record_and_deliver(org, capture, **data):
    with capture(execute=True):
        return services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data=data or {"n": 1})


def test_delivery_verifies_with_the_standardwebhooks_library(
    org, hook, receiver, django_capture_on_commit_callbacks
):
    event = record_and_deliver(org, django_capture_on_commit_callbacks, credential_id="CV-ABC")

    [request] = receiver.requests
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    assert payload["type"] == "certificate.issued"
    assert payload["data"] == {"credential_id": "CV-ABC"}
    assert payload["timestamp"].endswith("Z")
    assert request.headers["webhook-id"] == event.message_id
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["Content-Type"] == "application/json"


def test_a_one_byte_change_fails_verification(org, hook, receiver, django_capture_on_commit_callbacks):
    record_and_deliver(org, django_capture_on_commit_callbacks, credential_id="CV-ABC")

    [request] = receiver.requests
    tampered = request.body.replace(b"CV-ABC", b"CV-ABD")
    assert len(tampered) == len(request.body) and tampered != request.body
    with pytest.raises(WebhookVerificationError):
        Webhook(hook.secret).verify(tampered, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(hook.secret).verify(
            request.body, request.headers | {"webhook-id": request.headers["webhook-id"] + "x"}
        )


def test_secret_is_whsec_base64_of_random_bytes_and_stored_encrypted(hook):
    assert hook.secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(hook.secret.removeprefix("whsec_"))) <= 64
    assert hook.secret not in hook.secret_encrypted
    assert decrypt_text(hook.secret_encrypted) == hook.secret


def test_only_active_subscribed_endpoints_of_the_organization_get_a_delivery(
    org, other_org, owner, outsider, receiver
):
    subscribed, _ = make_endpoint(org, owner, receiver.url("/a"))
    make_endpoint(org, owner, receiver.url("/b"), types=[events.CERTIFICATE_REVOKED])
    make_endpoint(org, owner, receiver.url("/c"), is_active=False)
    make_endpoint(other_org, outsider, receiver.url("/d"))

    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})

    assert list(Delivery.objects.filter(event=event).values_list("endpoint", flat=True)) == [subscribed.pk]


def test_event_data_is_stored_exactly_as_sent(org, hook, receiver, django_capture_on_commit_callbacks):
    issued = timezone.now().date()
    event = record_and_deliver(org, django_capture_on_commit_callbacks, issue_date=issued, score=0.5)

    sent = json.loads(receiver.requests[0].body)["data"]
    assert sent == {"issue_date": issued.isoformat(), "score": 0.5}
    assert Event.objects.get(pk=event.pk).data == sent


def test_unknown_event_type_is_a_programming_error(org):
    with pytest.raises(ValueError):
        services.event_record(organization=org, type="certificate.exploded", data={})


def test_every_attempt_is_stored_with_status_excerpt_duration_and_error(
    org, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.reply(Reply(status=500, body=b"x" * 5000))
    record_and_deliver(org, django_capture_on_commit_callbacks)

    attempt = Delivery.objects.get(endpoint=hook, attempt_number=1)
    assert attempt.status == Delivery.Status.FAILED
    assert attempt.response_status_code == 500
    assert attempt.response_excerpt == "x" * 1024
    assert attempt.duration_ms is not None and attempt.duration_ms >= 0
    assert attempt.error == "The receiver answered HTTP 500."
    assert attempt.attempted_at is not None


def test_redirects_are_not_followed(org, hook, receiver, django_capture_on_commit_callbacks):
    receiver.reply(Reply(status=302, headers={"Location": receiver.url("/elsewhere")}))
    record_and_deliver(org, django_capture_on_commit_callbacks)

    assert [r.path for r in receiver.requests] == ["/hook"]
    attempt = Delivery.objects.get(endpoint=hook, attempt_number=1)
    assert attempt.status == Delivery.Status.FAILED
    assert attempt.error.startswith("Redirect not followed")


def test_a_slow_receiver_hits_the_deadline(settings, org, hook, receiver, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_TIMEOUT = 0.5
    receiver.reply(Reply(delay=3))
    record_and_deliver(org, django_capture_on_commit_callbacks)

    attempt = Delivery.objects.get(endpoint=hook, attempt_number=1)
    assert attempt.status == Delivery.Status.FAILED
    assert attempt.error.startswith("Timed out")
    assert attempt.duration_ms < 2500


def test_connection_refused_is_recorded_as_a_failed_attempt(
    org, owner, receiver, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint(org, owner, "http://127.0.0.1:1/hook")
    record_and_deliver(org, django_capture_on_commit_callbacks)

    attempt = Delivery.objects.get(endpoint=endpoint, attempt_number=1)
    assert attempt.status == Delivery.Status.FAILED
    assert attempt.response_status_code is None
    assert attempt.error == "Connection refused."


def test_after_rotation_both_secrets_sign_for_24_hours(org, owner, hook, receiver):
    now = timezone.now()
    _, new_secret = services.endpoint_rotate_secret(actor=Actor(user=owner), endpoint=hook, now=now)
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={}, now=now)
    delivery_send(delivery_id=Delivery.objects.get(event=event).pk, now=now)

    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new_secret).verify(request.body, request.headers)
    assert Webhook(hook.secret).verify(request.body, request.headers)


def test_the_previous_secret_stops_signing_after_24_hours(org, owner, hook, receiver):
    now = timezone.now()
    _, new_secret = services.endpoint_rotate_secret(actor=Actor(user=owner), endpoint=hook, now=now)
    later = now + timedelta(hours=24, seconds=1)
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={}, now=later)
    delivery_send(delivery_id=Delivery.objects.get(event=event).pk, now=later)

    [request] = receiver.requests
    expected = Webhook(new_secret).sign(event.message_id, later, request.body.decode())
    assert request.headers["webhook-signature"] == expected
    assert request.headers["webhook-timestamp"] == str(int(later.timestamp()))
