"""The pipeline on a real worker and broker (group + chord across processes)."""

import os
import time
import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from fraud import pipeline_layers
from tests.celery_worker import running_worker
from tests.verification.conftest import as_jpeg, png_of

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (a real broker)"
    ),
]


def wait_for_completion(client, status_url: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(status_url).json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"verification did not finish: {body}")


def test_genuine_and_revoked_certificates_through_a_real_worker(certificate, issuer, tmp_path):
    from certificates.lifecycle.services import certificate_revoke
    from organizations.access import Actor
    from webhooks.models import Event

    media = settings.MEDIA_ROOT
    with running_worker(media):
        client = APIClient()
        genuine = client.post(
            "/api/v1/verifications/", {"file": _file(as_jpeg(png_of(certificate)))}, format="multipart"
        )
        body = wait_for_completion(client, genuine.json()["status_url"])
        assert body["verdict"] == "authentic", body["reasons"]
        assert len(body["layers"]) == len(pipeline_layers.layer_names()) and body["layers_errored"] == []

        certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Withdrawn")
        revoked = client.post(
            "/api/v1/verifications/", {"file": _file(as_jpeg(png_of(certificate)))}, format="multipart"
        )
        body = wait_for_completion(client, revoked.json()["status_url"])
        # The genuine image of a revoked certificate: the document is authentic, the credential revoked.
        assert body["verdict"] == "authentic" and body["credential"]["status"] == "revoked", body["reasons"]
        assert not Event.objects.filter(type="verification.flagged").exists()


def test_image_work_waits_for_the_images_queue_workers_and_completes_on_them(certificate, settings):
    images = f"images-{uuid.uuid4().hex[:8]}"
    settings.FRAUD_IMAGES_QUEUE = images
    env = {"FRAUD_IMAGES_QUEUE": images}
    with running_worker(settings.MEDIA_ROOT, env):  # takes only the default queue
        client = APIClient()
        submitted = client.post(
            "/api/v1/verifications/", {"file": _file(as_jpeg(png_of(certificate)))}, format="multipart"
        )
        time.sleep(3)
        # Stage 1 reads the page, so it waits on the images queue: the light worker leaves it alone.
        assert client.get(submitted.json()["status_url"]).json()["status"] == "pending"

        with running_worker(settings.MEDIA_ROOT, env, queue=images):
            body = wait_for_completion(client, submitted.json()["status_url"])
    assert body["verdict"] == "authentic", body["reasons"]
    assert len(body["layers"]) == len(pipeline_layers.layer_names()) and body["layers_errored"] == []


def test_every_forgery_kind_is_fraudulent_through_a_real_worker(org, issuer, settings):
    from organizations.access import Actor
    from tests.fraud import corpus

    certificate, donor = corpus.issue_certificates(organization=org, actor=Actor(user=issuer), count=2)
    client = APIClient()
    with running_worker(settings.MEDIA_ROOT):
        submitted = {
            category: client.post(
                "/api/v1/verifications/",
                {
                    "file": _file(
                        (item := corpus.tampered_item(category, certificate, donor=donor)).data, item.filename
                    )
                },
                format="multipart",
            ).json()["status_url"]
            for category in corpus.TAMPER_CATEGORIES
        }
        bodies = {
            category: wait_for_completion(client, url, timeout=180) for category, url in submitted.items()
        }
    for category, body in bodies.items():
        decisive = [f for layer in body["layers"] for f in layer["findings"] if f["decisive"]]
        assert body["verdict"] == "fraudulent", (category, body["reasons"])
        assert decisive and all(f["field"] or f["region"] for f in decisive), (category, decisive)


def test_a_crashing_layer_is_an_error_and_earns_nothing_on_a_real_worker(certificate, settings):
    env = {"DJANGO_SETTINGS_MODULE": "tests.verification.crash_worker_settings"}
    client = APIClient()
    with running_worker(settings.MEDIA_ROOT, env):
        submitted = client.post(
            "/api/v1/verifications/", {"file": _file(as_jpeg(png_of(certificate)))}, format="multipart"
        )
        body = wait_for_completion(client, submitted.json()["status_url"])
    ela = next(layer for layer in body["layers"] if layer["layer"] == "ela")
    assert ela["status"] == "error" and ela["points"] == 0
    assert body["layers_errored"] == ["ela"]
    assert len(body["layers"]) == len(pipeline_layers.layer_names())


def test_a_pdf_page_built_to_load_forever_is_abandoned_by_a_real_worker(settings):
    """fraud/pdf_pages.py forks the prefork pool process to load the page; the child is killed at
    its CPU limit and the verification completes, reported (it held each task to its hard limit)."""
    from tests.security.test_adversarial_inputs import pdf_whose_page_repeats_a_content_stream

    client = APIClient()
    with running_worker(settings.MEDIA_ROOT):
        submitted = client.post(
            "/api/v1/verifications/",
            {"file": _file(pdf_whose_page_repeats_a_content_stream(), "page.pdf")},
            format="multipart",
        )
        body = wait_for_completion(client, submitted.json()["status_url"])
    metadata = next(layer for layer in body["layers"] if layer["layer"] == "metadata")
    assert body["status"] == "completed"
    assert "metadata_pdf_page_too_complex" in {f["code"] for f in metadata["findings"]}


def _file(data: bytes, name: str = "cert.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_every_genuine_capture_kind_is_authentic_and_valid_through_a_real_worker(org, issuer, settings):
    """Issue K.2 on a real worker: phone photos, chat forwards, scans, screenshots, crops and
    print-to-PDF copies of a genuine certificate are authentic and valid, and a captured forgery
    is still fraudulent, across processes (the eager tests run the same pipeline in-process)."""
    from organizations.access import Actor
    from tests.fraud import corpus
    from tests.fraud.captures import CAPTURE_KINDS

    certificate, donor = corpus.issue_certificates(organization=org, actor=Actor(user=issuer), count=2)
    items = {kind: corpus.capture_item(kind, "genuine", certificate, donor=donor) for kind in CAPTURE_KINDS}
    forged = corpus.capture_item(CAPTURE_KINDS[0], corpus.CAPTURED_FORGERIES[0], certificate, donor=donor)
    client = APIClient()
    with running_worker(settings.MEDIA_ROOT):
        submitted = {
            name: client.post(
                "/api/v1/verifications/", {"file": _file(item.data, item.filename)}, format="multipart"
            ).json()["status_url"]
            for name, item in [*items.items(), ("forged", forged)]
        }
        bodies = {name: wait_for_completion(client, url, timeout=240) for name, url in submitted.items()}
    forgery = bodies.pop("forged")
    for kind, body in bodies.items():
        assert body["document"]["verdict"] == "authentic", (kind, body["reasons"])
        assert body["credential"]["status"] == "valid", kind
    assert forgery["document"]["verdict"] == "fraudulent", forgery["reasons"]
