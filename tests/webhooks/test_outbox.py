"""The outbox: events commit with the change, go out after commit, and are never lost."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.celery_app import app as celery_app
from tests.conftest import auth_client
from webhooks import conf, events, services, tasks
from webhooks.delivery import delivery_send
from webhooks.dispatch import deliveries_dispatch_due
from webhooks.models import Delivery, Event

DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_broker(monkeypatch):
    """Point Celery at a broker that refuses connections, as during a broker outage."""
    conf = celery_app.conf  # configured from Django settings: keys carry the CELERY_ namespace
    saved = conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER
    celery_app._after_fork()  # drop pooled connections to the previous broker
    # Celery prefers a CELERY_BROKER_URL environment variable (set in CI) over any setting.
    monkeypatch.setenv("CELERY_BROKER_URL", DEAD_BROKER)
    conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER = DEAD_BROKER, False
    yield
    celery_app._after_fork()
    conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER = saved


@pytest.mark.django_db(transaction=True)
def test_a_rollback_produces_no_event_and_no_delivery(org, hook, receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
        raise RuntimeError("the certificate could not be issued")

    assert not Event.objects.exists()
    assert not Delivery.objects.exists()
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_delivery_starts_only_after_the_callers_transaction_commits(org, hook, receiver):
    with transaction.atomic():
        event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
        assert receiver.requests == []

    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.message_id]
    assert Delivery.objects.get(event=event).status == Delivery.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_at_commit_does_not_fail_the_request_and_the_sweeper_delivers_later(
    org, owner, hook, receiver, dead_broker
):
    started = time.monotonic()
    response = auth_client(owner).post(f"/api/v1/webhooks/{hook.pk}/test/")
    with transaction.atomic():
        issued = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})

    assert response.status_code == 202
    assert time.monotonic() - started < 30  # bounded (no publish retries), even on a loaded machine
    assert receiver.requests == []
    assert Delivery.objects.filter(status="pending", dispatched_at__isnull=True).count() == 2

    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True  # the broker is back
    assert tasks.sweep() == 2

    received = {r.headers["webhook-id"] for r in receiver.requests}
    assert received == {issued.message_id, Event.objects.get(type=events.WEBHOOK_TEST).message_id}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


@pytest.mark.django_db
def test_the_sweeper_ignores_attempts_not_yet_due_or_recently_queued(org, hook):
    now = timezone.now()
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={}, now=now)
    attempt = Delivery.objects.get(event=event)
    Delivery.objects.filter(pk=attempt.pk).update(next_attempt_at=now + timedelta(seconds=5))

    assert deliveries_dispatch_due(now=now) == 0
    Delivery.objects.filter(pk=attempt.pk).update(next_attempt_at=now, dispatched_at=now)
    assert deliveries_dispatch_due(now=now + timedelta(seconds=1)) == 0  # its task is still queued
    assert deliveries_dispatch_due(now=now + conf.claim_lease()) == 1  # that task seems lost


@pytest.mark.django_db
def test_an_attempt_held_by_a_worker_is_not_sent_again_until_its_lease_expires(org, hook, receiver):
    now = timezone.now()
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={}, now=now)
    attempt = Delivery.objects.get(event=event)
    # A worker claimed it and was killed mid-send: the row says `sending` with a lease.
    Delivery.objects.filter(pk=attempt.pk).update(status="sending", next_attempt_at=now + conf.claim_lease())

    assert delivery_send(delivery_id=attempt.pk, now=now + timedelta(seconds=1)) is None
    assert receiver.requests == []
    assert deliveries_dispatch_due(now=now + conf.claim_lease()) == 1
    delivery_send(delivery_id=attempt.pk, now=now + conf.claim_lease())

    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.message_id]
    assert Delivery.objects.get(pk=attempt.pk).status == Delivery.Status.SUCCEEDED


@pytest.mark.django_db
def test_a_finished_attempt_is_never_sent_again(org, hook, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={})
    attempt = Delivery.objects.get(event=event)

    assert tasks.deliver(str(attempt.pk)) == "not due or taken"
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_attempt_send_it_once(org, hook, receiver):
    soon = timezone.now() + timedelta(minutes=1)  # not due yet when the on-commit dispatch runs
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={}, now=soon)
    attempt = Delivery.objects.get(event=event)
    assert receiver.requests == []
    barrier = threading.Barrier(6)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(delivery_send(delivery_id=attempt.pk, now=soon))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(receiver.requests) == 1
    assert sum(result is not None for result in results) == 1
