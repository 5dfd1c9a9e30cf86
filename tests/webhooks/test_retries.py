"""The retry schedule, kept in the database and driven with an injected clock (never slept)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from organizations.access import Actor
from organizations.models import AuditEvent
from organizations.roles import Role
from tests.factories import MembershipFactory
from webhooks import conf, events, services
from webhooks.delivery import delivery_send
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def record(org, now):
    return services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={"n": 1}, now=now)


def pending_attempt(endpoint) -> Delivery:
    return Delivery.objects.get(endpoint=endpoint, status=Delivery.Status.PENDING)


def test_receiver_failing_twice_then_succeeding_gets_three_attempts_at_the_scheduled_times(
    org, hook, receiver
):
    receiver.reply(500, 503)
    t0 = timezone.now()
    event = record(org, t0)

    delivery_send(delivery_id=pending_attempt(hook).pk, now=t0)
    second = pending_attempt(hook)
    assert second.next_attempt_at == t0 + timedelta(seconds=5)
    assert delivery_send(delivery_id=second.pk, now=t0 + timedelta(seconds=4)) is None  # not due yet
    delivery_send(delivery_id=second.pk, now=t0 + timedelta(seconds=5))
    third = pending_attempt(hook)
    assert third.next_attempt_at == t0 + timedelta(minutes=5, seconds=5)
    delivery_send(delivery_id=third.pk, now=third.next_attempt_at)

    attempts = list(Delivery.objects.filter(endpoint=hook).order_by("attempt_number"))
    assert [a.status for a in attempts] == ["failed", "failed", "succeeded"]
    assert [a.response_status_code for a in attempts] == [500, 503, 200]
    assert [a.attempted_at - t0 for a in attempts] == [
        timedelta(0),
        timedelta(seconds=5),
        timedelta(minutes=5, seconds=5),
    ]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {event.message_id}
    assert len(receiver.requests) == 3
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()


def test_the_schedule_spans_about_three_days():
    total = sum(conf.RETRY_SCHEDULE, timedelta(0))
    assert conf.RETRY_SCHEDULE[0] == timedelta(0)
    assert timedelta(days=2, hours=18) <= total <= timedelta(days=3)
    assert all(delay <= timedelta(hours=24) for delay in conf.RETRY_SCHEDULE)


def test_a_410_disables_the_endpoint_and_cancels_its_waiting_attempts(
    org, owner, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.reply(500, 410)
    t0 = timezone.now()
    first = record(org, t0)
    delivery_send(delivery_id=pending_attempt(hook).pk, now=t0)
    retry = pending_attempt(hook)
    waiting = record(org, t0)  # another event, not yet sent
    with django_capture_on_commit_callbacks(execute=True):
        delivery_send(delivery_id=retry.pk, now=t0 + timedelta(seconds=5))

    hook.refresh_from_db()
    assert not hook.is_active
    assert hook.disabled_reason == "The receiver answered 410 Gone."
    assert list(
        Delivery.objects.filter(event=first).order_by("attempt_number").values_list("status", flat=True)
    ) == [
        "failed",
        "failed",
    ]
    assert Delivery.objects.get(event=waiting).status == Delivery.Status.CANCELLED
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert AuditEvent.objects.filter(action="webhook.disabled", target_id=str(hook.pk)).exists()


def test_exhausting_the_schedule_disables_the_endpoint_and_emails_owners_and_admins(
    org, owner, admin_user, issuer, viewer, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.default.status = 500
    t = timezone.now()
    record(org, t)
    with django_capture_on_commit_callbacks(execute=True):
        for delay in conf.RETRY_SCHEDULE:
            t += delay
            delivery_send(delivery_id=pending_attempt(hook).pk, now=t)

    hook.refresh_from_db()
    assert not hook.is_active
    assert hook.disabled_at == t
    assert f"failed all {len(conf.RETRY_SCHEDULE)} attempts" in hook.disabled_reason
    assert Delivery.objects.filter(endpoint=hook, status="failed").count() == len(conf.RETRY_SCHEDULE)
    assert len(receiver.requests) == len(conf.RETRY_SCHEDULE)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, admin_user.email])
    assert hook.url in mail.outbox[0].body and "failed all" in mail.outbox[0].body
    assert "Webhook disabled" in mail.outbox[0].subject


def test_many_failed_events_in_a_row_disable_the_endpoint(
    org, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.default.status = 500
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(conf.DISABLE_AFTER_FAILED_EVENTS):
            event = record(org, now)
            delivery_send(delivery_id=Delivery.objects.get(event=event).pk, now=now)

    hook.refresh_from_db()
    assert not hook.is_active
    assert f"{conf.DISABLE_AFTER_FAILED_EVENTS} events in a row" in hook.disabled_reason
    assert len(mail.outbox) == 1


def test_a_success_resets_the_failed_events_count(org, hook, receiver):
    receiver.reply(500, 500, 200)
    now = timezone.now()
    for _ in range(3):
        event = record(org, now)
        delivery_send(delivery_id=Delivery.objects.get(event=event).pk, now=now)
        hook.refresh_from_db()
    assert hook.failed_events_in_a_row == 0
    assert hook.is_active


def test_a_successful_delivery_cancels_the_remaining_retries_of_that_event(org, owner, hook, receiver):
    receiver.reply(500)
    now = timezone.now()
    record(org, now)
    first = Delivery.objects.get(endpoint=hook)
    delivery_send(delivery_id=first.pk, now=now)
    manual = services.delivery_redeliver(actor=Actor(user=owner), delivery=first, now=now)
    delivery_send(delivery_id=manual.pk, now=now)

    statuses = dict(Delivery.objects.filter(endpoint=hook).values_list("attempt_number", "status"))
    assert statuses == {1: "failed", 2: "cancelled", 3: "succeeded"}


def test_reenabling_an_endpoint_clears_its_failure_record(org, owner, hook):
    services.endpoint_disable(endpoint=hook, reason="The receiver answered 410 Gone.")
    services.endpoint_update(actor=Actor(user=owner), endpoint=hook, is_active=True)

    hook = Endpoint.objects.get(pk=hook.pk)
    assert hook.is_active and hook.disabled_reason == "" and hook.disabled_at is None


def test_only_owners_and_admins_of_that_organization_are_emailed(
    org, other_org, owner, hook, django_capture_on_commit_callbacks
):
    MembershipFactory(organization=other_org, role=Role.OWNER)
    MembershipFactory(organization=org, role=Role.ISSUER)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.endpoint_disable(endpoint=hook, reason="test")
        assert not services.endpoint_disable(endpoint=hook, reason="again")  # already disabled: no 2nd mail
    assert [m.to for m in mail.outbox] == [[owner.email]]
