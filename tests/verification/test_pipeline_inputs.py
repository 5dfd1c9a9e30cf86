"""What one verification reads from storage: each stored file once per process, and a layer's
context only what the layer declares in `inputs` (on S3 each read is a GET of the whole file)."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_issue
from certificates.models import Certificate
from fraud import context, pipeline_layers
from organizations.access import Actor
from tests.verification.conftest import png_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage_reads(monkeypatch) -> Counter:
    """Counts Storage.open calls by file name; starts from an empty per-process cache."""
    reads: Counter = Counter()
    real_open = Storage.open

    def counting_open(self, name, mode="rb"):
        reads[name] += 1
        return real_open(self, name, mode)

    monkeypatch.setattr(Storage, "open", counting_open)
    context.forget_stored_files()
    yield reads
    context.forget_stored_files()


def _verify(client, capture, **payload):
    with capture(execute=True):
        response = client.post("/api/v1/verifications/", payload, format="multipart")
    assert response.status_code == 202, response.content
    return client.get(response.json()["status_url"]).json()


def _upload_reads(reads: Counter) -> int:
    return sum(n for name, n in reads.items() if name.startswith("verifications/"))


def test_a_verification_reads_its_upload_once_and_the_original_once(
    certificate, storage_reads, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("cert.png", png_of(certificate))
    storage_reads.clear()
    body = _verify(APIClient(), django_capture_on_commit_callbacks, file=upload)
    assert body["status"] == "completed"
    assert (_upload_reads(storage_reads), storage_reads[certificate.image.name]) == (1, 1)


def test_each_layer_context_reads_only_the_inputs_its_layer_declares(certificate, storage_reads):
    data = png_of(certificate)
    path = default_storage.save("verifications/uploads/inputs-test.png", ContentFile(data))
    inputs = {
        "verification_id": "v-inputs",
        "now": dt.datetime.now(dt.UTC).isoformat(),
        "upload": {"path": path, "content_type": "image/png", "sha256": "x"},
        "extracted": {"credential_id": certificate.credential_id},
    }
    for name in pipeline_layers.layer_names():
        declared = pipeline_layers.layer_class(name).inputs
        context.forget_stored_files()  # as if each layer ran in a process of its own
        storage_reads.clear()
        ctx = context.build_context(inputs, declared)
        assert storage_reads[path] == int("upload" in declared), name
        assert storage_reads[certificate.image.name] == int("original_image" in declared), name
        assert (ctx.upload is not None) == ("upload" in declared), name
        assert (ctx.record is not None) == bool(declared & {"record", "original_image"}), name


def test_every_layer_declares_known_inputs():
    for name in pipeline_layers.layer_names():
        assert pipeline_layers.layer_class(name).inputs <= context.LAYER_INPUTS, name


def test_the_original_is_rendered_before_the_layers_and_never_by_them(
    org, issuer, storage_reads, django_capture_on_commit_callbacks
):
    cert = certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Grace Hopper",
        title="BSc Mathematics",
        issue_date=dt.date(2026, 5, 1),
    )
    Certificate.objects.filter(pk=cert.pk).update(rendered_at=None, image="", pdf="")
    inputs = {"verification_id": "v", "now": "", "extracted": {"credential_id": cert.credential_id}}
    record = context.build_context(inputs, frozenset({"record", "original_image"})).record
    assert record.original_png is None  # a layer's read path writes nothing
    assert not Certificate.objects.get(pk=cert.pk).rendered_at

    # A document and the id: an id alone is answered from the public record, with no layers to run.
    document = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(document, "PNG")
    upload = SimpleUploadedFile("cert.png", document.getvalue())
    _verify(APIClient(), django_capture_on_commit_callbacks, file=upload, credential_id=cert.credential_id)
    rendered = Certificate.objects.get(pk=cert.pk)
    assert rendered.rendered_at and storage_reads[rendered.image.name] == 1
