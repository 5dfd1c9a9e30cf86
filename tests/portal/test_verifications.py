"""Verification pages of the portal: the list with its verdict filter, a verification's explanation with
its heat-maps and field comparison, the images served behind access checks, and the dashboard's
chart, verdict mix and forgery alerts."""

import datetime as dt
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageDraw

from certificates.lifecycle.services import certificate_issue
from certificates.rendering.services import certificate_render
from organizations.access import Actor
from tests.portal.test_queries import DASHBOARD_MAX_QUERIES
from verification.models import LayerResult, VerificationRequest

pytestmark = pytest.mark.django_db


def png(colour=(200, 30, 30), size=(60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def certificate(org, issuer):
    return certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc Computer Science",
        issue_date=dt.date(2026, 6, 30),
        grade="A",
    )


def verification(org, certificate=None, *, verdict="authentic", score=92.0, when=None, layers=True, **fields):
    """A finished verification row as the pipeline stores it (layers, findings, a heat-map file)."""
    v = VerificationRequest.objects.create(
        access_token="t",
        organization=org,
        certificate=certificate,
        status="completed",
        verdict=verdict,
        score=score,
        reasons=["The name on the document differs.", "The name on the document differs."],
        credential_id_input=certificate.credential_id if certificate else "",
        client_country="DE",
        extracted={
            "vision": {"path": "ocr", "fields": {"recipient_name": "Mallory Forger", "grade": "A"}},
            "qr": {"fields": {"cid": "CV-1", "name": "Ada Lovelace"}, "signature_valid": True},
        },
        **fields,
    )
    if when is not None:
        VerificationRequest.objects.filter(pk=v.pk).update(created_at=when)
    if layers:
        heatmap = default_storage.save(f"verifications/{v.pk}/ela-ela_heatmap.png", ContentFile(png()))
        LayerResult.objects.create(
            verification=v,
            layer="ela",
            position=1,
            status="warning",
            points=12,
            max_points=20,
            findings=[
                {"code": "local", "message": "The fine grain in this area differs.", "severity": "warning"}
            ],
            artifacts={"ela_heatmap": heatmap},
        )
        LayerResult.objects.create(
            verification=v,
            layer="registry",
            position=3,
            status="failed",
            points=0,
            max_points=20,
            findings=[
                {"code": "name", "message": "The name differs from the record.", "severity": "critical"}
            ],
            details={
                "fields": [
                    {
                        "field": "recipient_name",
                        "status": "mismatch",
                        "printed": "Mallory Forger",
                        "registry": "Ada Lovelace",
                        "score": 33.3,
                        "message": "differs",
                    },
                    {
                        "field": "grade",
                        "status": "match",
                        "printed": "A",
                        "registry": "A",
                        "score": 100.0,
                        "message": "matches",
                    },
                ]
            },
        )
    return v


def test_list_shows_the_organizations_verifications(viewer_client, org, other_org, certificate):
    ours = verification(org, certificate, verdict="fraudulent", score=12)
    theirs = verification(other_org, verdict="authentic")
    body = viewer_client.get("/portal/verifications/").content.decode()
    assert f"/portal/verifications/{ours.pk}/" in body and "Ada Lovelace" in body
    assert str(theirs.pk) not in body


def test_outsider_sees_none_and_gets_404s(outsider_client, org, certificate):
    v = verification(org, certificate)
    assert str(v.pk) not in outsider_client.get("/portal/verifications/").content.decode()
    for path in ["", "status/", "upload/", "artifacts/ela/ela_heatmap.png"]:
        assert outsider_client.get(f"/portal/verifications/{v.pk}/{path}").status_code == 404


def test_filter_by_verdict_and_credential_id(viewer_client, org, certificate):
    bad = verification(org, certificate, verdict="fraudulent", score=10)
    good = verification(org, verdict="authentic")
    body = viewer_client.get("/portal/verifications/?verdict=fraudulent").content.decode()
    assert str(bad.pk) in body and str(good.pk) not in body
    body = viewer_client.get(f"/portal/verifications/?q={certificate.credential_id}").content.decode()
    assert str(bad.pk) in body and str(good.pk) not in body
    body = viewer_client.get("/portal/verifications/?verdict=suspicious").content.decode()
    assert "No verification matches" in body


def test_list_queries_do_not_grow_with_30_verifications(
    owner_client, org, certificate, django_assert_max_num_queries
):
    for _ in range(3):
        verification(org, certificate, layers=False)
    owner_client.get("/portal/")
    with django_assert_max_num_queries(10) as small:
        assert owner_client.get("/portal/verifications/").status_code == 200
    for _ in range(27):
        verification(org, certificate, layers=False)
    with django_assert_max_num_queries(10) as large:
        response = owner_client.get("/portal/verifications/")
    assert response.content.count(b'data-label="Verdict"') == 25
    assert len(large.captured_queries) == len(small.captured_queries)


def test_detail_explains_score_layers_comparison_and_reading(viewer_client, org, certificate):
    v = verification(org, certificate, verdict="fraudulent", score=20)
    body = viewer_client.get(f"/portal/verifications/{v.pk}/").content.decode()
    assert 'class="status-word" data-verdict="fraudulent"' in body and "Trust score 20 / 100" in body
    assert body.count("The name on the document differs.") == 1  # repeated reasons are shown once
    assert "The fine grain in this area differs." in body and "badge--warning" in body
    assert f'src="/portal/verifications/{v.pk}/artifacts/ela/ela_heatmap.png"' in body
    assert "Mallory Forger" in body and "Differs" in body and "Matches" in body
    assert "Read by local text recognition (OCR)." in body
    assert f"/portal/certificates/{certificate.credential_id}/" in body


def test_heatmap_is_served_to_members(viewer_client, org, certificate):
    v = verification(org, certificate)
    response = viewer_client.get(f"/portal/verifications/{v.pk}/artifacts/ela/ela_heatmap.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png()
    assert viewer_client.get(f"/portal/verifications/{v.pk}/artifacts/ela/nothing.png").status_code == 404


def test_a_running_verification_page_polls_its_status(viewer_client, org, certificate):
    v = VerificationRequest.objects.create(
        access_token="t", organization=org, certificate=certificate, status="running"
    )
    body = viewer_client.get(f"/portal/verifications/{v.pk}/").content.decode()
    assert f'data-poll="/portal/verifications/{v.pk}/status/"' in body and "verification/poll.js" in body
    assert viewer_client.get(f"/portal/verifications/{v.pk}/status/").json() == {
        "status": "running",
        "verdict": None,
    }


def forged(certificate) -> bytes:
    with certificate.image.open("rb") as fh:
        image = Image.open(io.BytesIO(fh.read())).convert("RGB")
    draw = ImageDraw.Draw(image)
    width, height = image.size
    box = (int(width * 0.2), int(height * 0.36), int(width * 0.8), int(height * 0.5))
    draw.rectangle(box, fill=image.getpixel((box[0] - 5, box[1])))
    draw.text((box[0] + 40, box[1] + 20), "Mallory Forger", fill=(20, 20, 20), font_size=90)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_forged_upload_on_the_public_page_shows_up_with_its_heatmaps(
    viewer_client, certificate, django_capture_on_commit_callbacks
):
    certificate_render(certificate=certificate)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/verify/", {"file": SimpleUploadedFile("cert.png", forged(certificate))})
    assert response.status_code == 302
    v = VerificationRequest.objects.get(certificate=certificate)
    assert v.verdict == "fraudulent"
    body = viewer_client.get(f"/portal/verifications/{v.pk}/").content.decode()
    assert "Mallory Forger" in body and 'class="heatmap"' in body
    for name in ("ela/ela_heatmap.png", "registry/diff_heatmap.png"):
        assert viewer_client.get(f"/portal/verifications/{v.pk}/artifacts/{name}").status_code == 200
    upload = viewer_client.get(f"/portal/verifications/{v.pk}/upload/")
    assert upload.status_code == 200 and upload["Content-Type"] == "image/png"
    dashboard = viewer_client.get("/portal/").content.decode()
    assert 'id="forgery-alerts"' in dashboard and f"/portal/verifications/{v.pk}/" in dashboard


def test_dashboard_chart_mix_and_alerts(owner_client, org, certificate, django_assert_max_num_queries):
    now = timezone.now()
    verification(org, certificate, verdict="authentic", when=now - timedelta(days=2), layers=False)
    verification(org, certificate, verdict="authentic", when=now - timedelta(days=2), layers=False)
    alert = verification(
        org, certificate, verdict="fraudulent", score=8, when=now - timedelta(days=1), layers=False
    )
    verification(
        org, certificate, verdict="suspicious", score=50, when=now - timedelta(days=40), layers=False
    )
    owner_client.get("/portal/")
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        body = owner_client.get("/portal/").content.decode()
    assert 'id="verifications-chart"' in body
    assert body.count('fill="#1a7f4b"') == 1 and body.count('fill="#c0362c"') == 1  # bars: one day each
    assert "2 verifications (2 authentic)" in body
    assert "Authentic" in body and "67 %" in body and "33 %" in body  # verdict mix of the last 30 days
    assert f"/portal/verifications/{alert.pk}/" in body
    tiles = body.split('class="stats"')[1].split("</section>")[0]
    assert "Forgery alerts" in tiles and "Verifications" in tiles


def test_dashboard_without_verifications_says_so(owner_client):
    body = owner_client.get("/portal/").content.decode()
    assert "No verifications in the last 30 days." in body and "No forgery alerts" in body


def test_an_id_check_shows_the_credential_answer_and_no_document_verdict_or_score(
    viewer_client, org, issuer, certificate
):
    from certificates.lifecycle.services import certificate_reissue
    from verification.services import verification_create

    new = certificate_reissue(actor=Actor(user=issuer), certificate=certificate, recipient_name="Ada King")
    checked = verification_create(actor=Actor(ip="203.0.113.9"), credential_id=certificate.credential_id)

    body = viewer_client.get(f"/portal/verifications/{checked.pk}/").content.decode()

    assert 'id="credential-answer"' in body and "Superseded" in body and new.credential_id in body
    assert "score-ring" not in body and "Trust score" not in body and 'id="layers-title"' not in body
    listed = viewer_client.get("/portal/verifications/").content.decode()
    assert "No document" in listed and "badge--superseded" in listed


def test_detail_shows_the_issuers_identity(viewer_client, org, certificate):
    v = verification(org, certificate)
    assert "Reviewed by CertVerify" in viewer_client.get(f"/portal/verifications/{v.pk}/").content.decode()

    org.verification_level = "unverified"
    org.save(update_fields=["verification_level"])
    body = viewer_client.get(f"/portal/verifications/{v.pk}/").content.decode()
    assert "Issuer identity not verified" in body
