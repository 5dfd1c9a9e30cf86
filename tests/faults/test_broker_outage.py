"""The broker is down when a verification or a bulk issuance is submitted: the request still
succeeds, the row is kept, and a beat task runs it once the broker is back. (Webhook deliveries in the same situation
are pinned in tests/webhooks/test_outbox.py.)"""

from __future__ import annotations

import datetime as dt
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from certificates.batches.services import STALLED_PENDING, batch_resume_stalled
from certificates.lifecycle.services import certificate_issue
from certificates.models import IssuanceBatch
from certificates.rendering.services import certificate_render
from config.celery_app import app as celery_app
from fraud import pipeline_layers
from organizations.access import Actor
from tests.conftest import auth_client
from tests.net import free_port
from verification import services
from verification.models import LayerResult, VerificationRequest
from verification.tasks import reap_stale_verifications

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dead_broker(monkeypatch):
    conf = celery_app.conf  # configured from Django settings: keys carry the CELERY_ namespace
    saved = conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER
    dead = f"redis://127.0.0.1:{free_port()}/0"
    celery_app._after_fork()  # drop pooled connections to the real broker
    monkeypatch.setenv("CELERY_BROKER_URL", dead)  # Celery prefers the variable over the setting
    conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER = dead, False
    yield
    celery_app._after_fork()
    conf.CELERY_BROKER_URL, conf.CELERY_TASK_ALWAYS_EAGER = saved


def test_a_verification_submitted_while_the_broker_is_down_is_accepted_and_run_later(
    org, issuer, dead_broker
):
    # A document: an id alone is answered at once from the public record, without the broker.
    certificate = certificate_render(
        certificate=certificate_issue(
            actor=Actor(user=issuer),
            organization=org,
            recipient_name="Ada",
            title="MSc",
            issue_date=dt.date(2026, 6, 30),
        )
    )
    with certificate.image.open("rb") as fh:
        document = SimpleUploadedFile("ada.png", fh.read())

    get_resolver().resolve("/api/v1/verifications/")  # import the views first: the clock is for the broker
    started = time.monotonic()
    response = APIClient().post("/api/v1/verifications/", {"file": document}, format="multipart")
    assert response.status_code == 202, response.content
    assert time.monotonic() - started < 5, "a dead broker must not hold the request"
    verification = VerificationRequest.objects.get(pk=response.json()["id"])
    assert verification.status == VerificationRequest.Status.PENDING

    # The broker is back (eager here) and STALE_RUNNING has passed: the beat reaper runs it.
    celery_app._after_fork()
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    long_ago = timezone.now() - services.STALE_RUNNING - timedelta(minutes=1)
    VerificationRequest.objects.filter(pk=verification.pk).update(created_at=long_ago)
    assert reap_stale_verifications() == 1
    verification.refresh_from_db()
    assert verification.status == VerificationRequest.Status.COMPLETED and verification.verdict
    assert LayerResult.objects.filter(verification=verification).count() == len(pipeline_layers.layer_names())


def test_a_bulk_issuance_uploaded_while_the_broker_is_down_is_accepted_and_run_later(
    org, issuer, dead_broker
):
    csv_text = "recipient_name,title,issue_date\nAda Lovelace,MSc,2026-01-10\nAlan Turing,BSc,2026-01-11\n"
    upload = SimpleUploadedFile("cohort.csv", csv_text.encode(), content_type="text/csv")

    started = time.monotonic()
    response = auth_client(issuer).post(
        "/api/v1/certificates/bulk/", {"organization": org.slug, "file": upload}, format="multipart"
    )
    assert response.status_code == 202, response.content
    assert time.monotonic() - started < 5, "a dead broker must not hold the upload"
    batch = IssuanceBatch.objects.get(pk=response.json()["id"])
    assert batch.status == IssuanceBatch.Status.PENDING

    # A fresh batch is not touched by the sweeper: its task may simply not have run yet.
    celery_app._after_fork()
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    assert batch_resume_stalled() == 0

    # The broker is back (eager here) and the batch has waited past STALLED_PENDING: the sweeper runs it.
    IssuanceBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - STALLED_PENDING - timedelta(minutes=1)
    )
    assert batch_resume_stalled() == 1
    batch.refresh_from_db()
    assert batch.status == IssuanceBatch.Status.COMPLETED and batch.issued_count == 2
    assert set(org.certificates.values_list("recipient_name", flat=True)) == {"Ada Lovelace", "Alan Turing"}
