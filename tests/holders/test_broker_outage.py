"""The broker is down when a certificate's e-mail is enqueued: the request is not held, the
e-mail waits as a pending row, and the sweeper sends it (once) when the broker is back."""

from __future__ import annotations

import datetime as dt
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from certificates.lifecycle.services import certificate_issue
from config.celery_app import app as celery_app
from holders.delivery import deliveries_sweep, enqueue_pending
from holders.models import Delivery
from organizations.access import Actor
from tests.net import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_broker(monkeypatch):
    conf = celery_app.conf
    saved = conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER
    dead = f"redis://127.0.0.1:{free_port()}/0"
    celery_app._after_fork()
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER = dead, False
    yield
    celery_app._after_fork()
    conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER = saved


def test_an_email_not_enqueued_while_the_broker_is_down_is_sent_once_by_the_sweeper(
    org, issuer, dead_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        certificate_issue(
            actor=Actor(user=issuer), organization=org, recipient_name="Ada Lovelace",
            recipient_email="ada@example.com", title="MSc", issue_date=dt.date(2026, 1, 10),
        )  # fmt: skip
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and hooks

    started = time.monotonic()
    enqueue_pending(ids=[delivery.pk])  # what the issue's on-commit hook does
    assert time.monotonic() - started < 5, "a dead broker must not hold the request"
    assert Delivery.objects.get().status == "pending" and mail.outbox == []

    celery_app._after_fork()
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True  # the broker is back (eager here)
    assert deliveries_sweep() == 0  # a fresh row may simply not have been picked up yet
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert deliveries_sweep() == 1
    assert deliveries_sweep() == 0
    assert len(mail.outbox) == 1 and Delivery.objects.get().status == "sent"
