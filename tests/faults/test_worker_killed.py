"""A Celery worker is SIGKILLed in the middle of the fraud pipeline; the verification still
completes, with exactly one result per layer.

The worker's ELA layer stalls on its first run (tests/faults/layers.py); the test waits until it
is stalling, kills the worker's whole process group (no warm shutdown, no acks), starts a new
worker and lets the beat task `reap_stale_verifications` pick the stuck verification up, as it
would after STALE_RUNNING in production (the test moves the clock of the row instead of waiting).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_issue
from certificates.rendering.services import certificate_render
from fraud import pipeline_layers
from organizations.access import Actor
from verification import services
from verification.models import LayerResult, VerificationRequest
from verification.tasks import reap_stale_verifications

from .conftest import kill_worker, killable_worker, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (a real broker)"
    ),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: the worker process must share the test database",
    ),
]


@pytest.fixture
def certificate_jpeg(org, issuer) -> bytes:
    certificate = certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc Computer Science",
        issue_date=dt.date(2026, 6, 30),
    )
    certificate = certificate_render(certificate=certificate)
    with certificate.image.open("rb") as fh:
        image = Image.open(io.BytesIO(fh.read())).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def layer_count(verification_id) -> int:
    return LayerResult.objects.filter(verification_id=verification_id).count()


def test_a_worker_killed_mid_pipeline_is_recovered_with_one_result_per_layer(certificate_jpeg, tmp_path):
    assert connection.vendor == "postgresql"
    markers = tmp_path / "markers"
    markers.mkdir()
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    env = {"DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings", "FAULT_MARKER_DIR": str(markers)}
    media = settings.MEDIA_ROOT

    with killable_worker(queue, media, tmp_path / "worker-1.log", env) as first:
        response = APIClient().post(
            "/api/v1/verifications/",
            {"file": SimpleUploadedFile("cert.jpg", certificate_jpeg)},
            format="multipart",
        )
        assert response.status_code == 202, response.content
        verification_id = response.json()["id"]
        wait_until(lambda: (markers / "ela-stalled").exists(), 45, "the ELA layer never started")
        kill_worker(first)

    verification = VerificationRequest.objects.get(pk=verification_id)
    assert verification.status == VerificationRequest.Status.RUNNING
    assert layer_count(verification_id) == 0  # results are stored only when every layer is done

    # Ten minutes pass: the verification is now stale for the reaper.
    long_ago = timezone.now() - services.STALE_RUNNING - timedelta(minutes=1)
    VerificationRequest.objects.filter(pk=verification_id).update(created_at=long_ago, started_at=long_ago)

    with killable_worker(queue, media, tmp_path / "worker-2.log", env):
        reap_stale_verifications.delay()
        wait_until(
            lambda: VerificationRequest.objects.filter(
                pk=verification_id, status=VerificationRequest.Status.COMPLETED
            ).exists(),
            120,  # a fresh worker loads the OCR models first; CI machines are shared
            "the verification did not complete after the worker was replaced",
            interval=0.5,
        )

    verification.refresh_from_db()
    layers = list(LayerResult.objects.filter(verification_id=verification_id).values_list("layer", flat=True))
    assert sorted(layers) == sorted(pipeline_layers.layer_names())  # six, each exactly once
    assert verification.verdict and verification.score is not None
    assert "ela" not in [
        r.layer for r in LayerResult.objects.filter(verification_id=verification_id, status="error")
    ]
