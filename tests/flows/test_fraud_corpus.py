"""The fraud corpus through the HTTP API, pipeline run eagerly on commit (local OCR, no Gemini).

One document per kind: the issuer's own rendering is authentic; every forgery kind is fraudulent
with a decisive finding that names the field or the region; the forensic layers also see the
traces their forgeries leave. Each verification costs about 1.5 s of CPU here, most of it OCR.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_revoke
from organizations.access import Actor
from tests.fraud import corpus

pytestmark = pytest.mark.django_db

# The field the issuer's record comparison names for each reprinted field.
MISMATCHED_FIELD = {
    "forged_credential_id": "credential_id",
    "forged_name": "recipient_name",
    "forged_name_painted": "recipient_name",
    "forged_date": "issue_date",
    "forged_grade": "grade",
    "forged_splice": "recipient_name",
    "forged_metadata_photoshop": "recipient_name",
    "forged_metadata_thumbnail": "recipient_name",
    "forged_jpeg_resaved": "recipient_name",
}
# The forensic trace each metadata/compression forgery leaves, whatever the registry says.
FORENSIC_TRACE = {
    "forged_metadata_photoshop": ("metadata", "metadata_editing_software"),
    "forged_metadata_thumbnail": ("metadata", "metadata_thumbnail_mismatch"),
    "forged_jpeg_resaved": ("ela", "ela_spliced_region"),
}


@pytest.fixture
def issued(org, issuer):
    """The certificate the forgers work on and another one of the same issuer to splice from."""
    return corpus.issue_certificates(organization=org, actor=Actor(user=issuer), count=2)


def verify(item: corpus.CorpusItem, capture) -> dict:
    client = APIClient()
    with capture(execute=True):
        response = client.post(
            "/api/v1/verifications/",
            {"file": SimpleUploadedFile(item.filename, item.data)},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = client.get(response.json()["status_url"]).json()
    assert body["status"] == "completed", body
    return body


def decisive(body: dict) -> list[dict]:
    return [finding for layer in body["layers"] for finding in layer["findings"] if finding["decisive"]]


def layer(body: dict, name: str) -> dict:
    return next(item for item in body["layers"] if item["layer"] == name)


def codes(body: dict, name: str) -> set[str]:
    return {finding["code"] for finding in layer(body, name)["findings"]}


@pytest.mark.parametrize("category", ["genuine_png", "genuine_pdf", "genuine_scan"])
def test_the_issuers_rendering_and_a_scan_of_it_are_authentic(
    issued, category, django_capture_on_commit_callbacks
):
    certificate = issued[0]
    body = verify(corpus.genuine_item(category, certificate), django_capture_on_commit_callbacks)
    assert body["verdict"] == "authentic", body["reasons"]
    assert body["credential_id"] == certificate.credential_id
    assert "matches_original" in codes(body, "registry") and not decisive(body)


@pytest.mark.parametrize("category", corpus.TAMPER_CATEGORIES)
def test_each_tampered_copy_is_fraudulent_with_a_finding_naming_the_field_or_region(
    issued, category, django_capture_on_commit_callbacks
):
    certificate, donor = issued
    body = verify(
        corpus.tampered_item(category, certificate, donor=donor), django_capture_on_commit_callbacks
    )
    assert body["verdict"] == "fraudulent", body["reasons"]
    assert body["credential_id"] == certificate.credential_id  # recognised by its signed QR code
    findings = decisive(body)
    assert findings and all(f["field"] or f["region"] for f in findings), findings
    if category in MISMATCHED_FIELD:
        assert MISMATCHED_FIELD[category] in {f["field"] for f in findings}, findings
    assert any(f["code"] == "changed_region" and f["region"] for f in findings), findings
    if category in FORENSIC_TRACE:
        name, code = FORENSIC_TRACE[category]
        assert code in codes(body, name), layer(body, name)["findings"]


def test_a_revoked_certificates_perfect_image_is_authentic_and_the_credential_revoked(
    issued, issuer, django_capture_on_commit_callbacks
):
    certificate = issued[0]
    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Degree withdrawn")
    body = verify(corpus.revoked(certificate), django_capture_on_commit_callbacks)
    assert body["verdict"] == "authentic", body["reasons"]
    assert body["credential"]["status"] == "revoked"
    assert "revoked" in codes(body, "registry") and "matches_original" in codes(body, "registry")


def test_a_fabrication_in_a_registered_issuers_name_is_fraudulent(org, django_capture_on_commit_callbacks):
    item = corpus.fabricated_registered_issuer(org)
    body = verify(item, django_capture_on_commit_callbacks)
    assert body["verdict"] == "fraudulent", body["reasons"]
    assert body["issuer"]["slug"] == org.slug
    assert {f["field"] for f in decisive(body)} == {"credential_id"}


def test_a_fabrication_for_an_unknown_issuer_linking_to_this_site_is_fraudulent(
    db, django_capture_on_commit_callbacks
):
    # Its QR code points at this site's verify page for an id this site never issued.
    body = verify(corpus.fabricated_unknown_issuer(), django_capture_on_commit_callbacks)
    assert body["verdict"] == "fraudulent", body["reasons"]
    assert body["issuer"] is None
    assert {f["field"] for f in decisive(body)} == {"credential_id"}
    assert "no_such_certificate_here" in codes(body, "registry")


def test_an_unknown_issuers_own_certificate_is_inconclusive_not_flagged(
    db, django_capture_on_commit_callbacks
):
    # Issued by another deployment: its QR code links there, so there is no record to compare here.
    body = verify(corpus.unknown_issuer_item("unknown_genuine_png"), django_capture_on_commit_callbacks)
    assert body["verdict"] == "inconclusive", body["reasons"]
    assert layer(body, "registry")["status"] == "skipped"


@pytest.mark.parametrize(
    "category,trace",
    [
        ("unknown_edit_jpeg_resaved", ("ela", "ela_spliced_region")),
        ("unknown_edit_photoshop", ("metadata", "metadata_editing_software")),
        # No other trace than the name no longer being the one in the document's own QR code.
        ("unknown_edit_name_painted", ("vision", "vision_qr_name_mismatch")),
        ("unknown_edit_splice", ("vision", "vision_qr_name_mismatch")),
    ],
)
def test_an_edited_unknown_issuer_document_is_flagged_by_the_forensic_layers(
    db, category, trace, django_capture_on_commit_callbacks
):
    body = verify(corpus.unknown_issuer_item(category), django_capture_on_commit_callbacks)
    assert body["verdict"] in ("suspicious", "fraudulent"), body["reasons"]
    assert trace[1] in codes(body, trace[0])
    assert "vision_qr_name_mismatch" in codes(body, "vision")  # the printed name is not the QR code's


def test_a_genuine_certificate_with_a_large_two_word_name_is_authentic(
    org, issuer, django_capture_on_commit_callbacks
):
    from certificates.lifecycle.services import certificate_issue
    from certificates.rendering.services import certificate_render

    certificate = certificate_render(
        certificate=certificate_issue(
            actor=Actor(user=issuer),
            organization=org,
            recipient_name="Grace Hopper",
            title="MSc Computer Science",
            issue_date=corpus.dt.date(2025, 3, 4),
            grade="Merit",
        )
    )
    body = verify(corpus.genuine_item("genuine_png", certificate), django_capture_on_commit_callbacks)
    assert body["verdict"] == "authentic", body["reasons"]
