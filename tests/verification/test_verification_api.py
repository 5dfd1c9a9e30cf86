import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_revoke
from organizations.access import Actor
from tests.conftest import auth_client
from tests.verification.conftest import as_jpeg, png_of
from verification.models import LayerResult, VerificationRequest

pytestmark = pytest.mark.django_db


def submit(client, *, data: bytes | None = None, name="cert.png", credential_id="", capture=None):
    payload = {}
    if data is not None:
        payload["file"] = SimpleUploadedFile(name, data)
    if credential_id:
        payload["credential_id"] = credential_id
    if capture is not None:
        with capture(execute=True):
            response = client.post("/api/v1/verifications/", payload, format="multipart")
    else:
        response = client.post("/api/v1/verifications/", payload, format="multipart")
    return response


def result(client, response):
    assert response.status_code == 202, response.content
    return client.get(response.json()["status_url"]).json()


def layer(body, name):
    return next(item for item in body["layers"] if item["layer"] == name)


def test_genuine_rendering_is_authentic(certificate, django_capture_on_commit_callbacks):
    client = APIClient()
    body = result(
        client, submit(client, data=png_of(certificate), capture=django_capture_on_commit_callbacks)
    )
    assert body["status"] == "completed"
    assert body["verdict"] == "authentic", body["reasons"]
    assert (
        body["credential_id"] == certificate.credential_id
        and body["issuer"]["slug"] == certificate.organization.slug
    )
    assert layer(body, "registry")["status"] == "passed"
    assert body["score"] >= 80


def test_changed_name_is_fraudulent_with_a_finding_naming_the_field(
    certificate, django_capture_on_commit_callbacks
):
    image = Image.open(io.BytesIO(png_of(certificate))).convert("RGB")
    draw = ImageDraw.Draw(image)
    width, height = image.size
    # Paint over the recipient's name band and write another name there.
    box = (int(width * 0.2), int(height * 0.36), int(width * 0.8), int(height * 0.5))
    draw.rectangle(box, fill=image.getpixel((box[0] - 5, box[1])))
    draw.text((box[0] + 40, box[1] + 20), "Mallory Forger", fill=(20, 20, 20), font_size=90)
    forged = io.BytesIO()
    image.save(forged, "PNG")
    client = APIClient()
    body = result(client, submit(client, data=forged.getvalue(), capture=django_capture_on_commit_callbacks))
    assert body["verdict"] == "fraudulent"
    decisive = [f for item in body["layers"] for f in item["findings"] if f["decisive"]]
    assert decisive, body["layers"]
    assert any(f["region"] or f["field"] for f in decisive)


def test_revoked_certificates_perfect_image_is_authentic_and_the_credential_revoked(
    certificate, issuer, django_capture_on_commit_callbacks
):
    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Degree withdrawn")
    client = APIClient()
    body = result(
        client, submit(client, data=png_of(certificate), capture=django_capture_on_commit_callbacks)
    )
    assert body["verdict"] == "authentic" and body["credential"]["status"] == "revoked"
    assert any("revoked" in f["message"].lower() for f in layer(body, "registry")["findings"])


def test_credential_id_only_check_runs_no_layers(certificate, django_capture_on_commit_callbacks):
    client = APIClient()
    body = result(
        client,
        submit(
            client,
            credential_id=certificate.credential_id.lower(),
            capture=django_capture_on_commit_callbacks,
        ),
    )
    assert body["layers"] == [] and body["layers_skipped"] == []
    assert body["checked"] == "id" and body["credential"]["status"] == "valid"


def test_a_crashing_layer_is_error_and_earns_nothing(
    certificate, settings, django_capture_on_commit_callbacks
):
    settings.FRAUD_LAYER_OVERRIDES = {"ela": "tests.verification.layers.CrashingLayer"}
    client = APIClient()
    body = result(
        client,
        submit(
            client,
            data=as_jpeg(png_of(certificate)),
            name="c.jpg",
            capture=django_capture_on_commit_callbacks,
        ),
    )
    ela = layer(body, "ela")
    assert ela["status"] == "error" and ela["points"] == 0
    assert "ela" in body["layers_errored"]
    assert body["status"] == "completed"


def test_outsider_cannot_read_someone_elses_verification(
    certificate, user, outsider, django_capture_on_commit_callbacks
):
    requester = auth_client(user)
    response = submit(
        requester, credential_id=certificate.credential_id, capture=django_capture_on_commit_callbacks
    )
    verification_id = response.json()["id"]
    assert requester.get(f"/api/v1/verifications/{verification_id}/").status_code == 200
    assert auth_client(outsider).get(f"/api/v1/verifications/{verification_id}/").status_code == 404
    assert APIClient().get(f"/api/v1/verifications/{verification_id}/").status_code == 404
    assert APIClient().get(f"/api/v1/verifications/{verification_id}/?token=wrong").status_code == 404


def test_the_issuing_organization_sees_verifications_of_its_certificates(
    certificate, viewer, django_capture_on_commit_callbacks
):
    response = submit(
        APIClient(), credential_id=certificate.credential_id, capture=django_capture_on_commit_callbacks
    )
    listed = auth_client(viewer).get("/api/v1/verifications/").json()
    assert [item["id"] for item in listed["results"]] == [response.json()["id"]]


def test_the_requester_can_delete_a_verification(certificate, user, django_capture_on_commit_callbacks):
    client = auth_client(user)
    response = submit(client, data=png_of(certificate), capture=django_capture_on_commit_callbacks)
    verification = VerificationRequest.objects.get(pk=response.json()["id"])
    upload_name = verification.upload.name
    assert client.delete(f"/api/v1/verifications/{verification.pk}/").status_code == 204
    assert not VerificationRequest.objects.filter(pk=verification.pk).exists()
    assert not LayerResult.objects.filter(verification_id=verification.pk).exists()
    from django.core.files.storage import default_storage

    assert not default_storage.exists(upload_name)


@pytest.mark.parametrize(
    "data,code",
    [
        (b"GIF89a" + b"\0" * 100, "unsupported_type"),
        (b"<html><script>alert(1)</script></html>", "unsupported_type"),
        (b"", "validation_error"),  # DRF refuses an empty file before our checks
    ],
)
def test_bad_uploads_are_rejected_with_a_field_error(data, code):
    response = submit(APIClient(), data=data, name="cert.png")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code and "file" in response.json()["error"]["fields"]
    assert not VerificationRequest.objects.exists()


def test_a_pixel_flood_image_is_rejected_before_decoding(settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, "PNG")  # tiny file, 25 MP
    response = submit(APIClient(), data=out.getvalue())
    assert response.status_code == 400 and response.json()["error"]["code"] == "too_many_pixels"


def test_jpeg_with_an_appended_zip_is_rejected(certificate):
    polyglot = as_jpeg(png_of(certificate)) + b"PK\x03\x04" + b"\0" * 50
    response = submit(APIClient(), data=polyglot, name="c.jpg")
    assert response.status_code == 400 and response.json()["error"]["code"] == "polyglot"


def test_a_mistyped_credential_id_is_a_field_error():
    response = submit(APIClient(), credential_id="CV-1234")
    assert response.status_code == 400 and "credential_id" in response.json()["error"]["fields"]


def test_nothing_submitted_is_a_clear_error():
    response = APIClient().post("/api/v1/verifications/", {}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["code"] == "empty_request"


def test_the_issuers_own_pdf_is_authentic(certificate, django_capture_on_commit_callbacks):
    """The PDF's page raster is the stored PNG, so a verifier's rasterization matches the original."""
    with certificate.pdf.open("rb") as fh:
        data = fh.read()
    client = APIClient()
    body = result(client, submit(client, data=data, name="c.pdf", capture=django_capture_on_commit_callbacks))
    assert body["verdict"] == "authentic", body["reasons"]
    assert any(f["code"] == "matches_original" for f in layer(body, "registry")["findings"])


def test_a_malformed_verification_id_is_not_found():
    assert APIClient().get("/api/v1/verifications/not-a-uuid/").status_code == 404


def test_a_database_outage_while_reading_a_verification_is_a_503_not_a_404():
    from django.db import OperationalError, connection

    table = VerificationRequest._meta.db_table

    def database_down(execute, sql, params, many, context):
        if table in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database_down):
        response = APIClient().get("/api/v1/verifications/00000000-0000-0000-0000-000000000000/?token=x")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
