"""Real-world captures through the HTTP API (issue K.2), pipeline run eagerly (local OCR).

Each capture kind of a genuine certificate (a phone photo turned 5-8 degrees with keystone, a chat
forward, a grey office scan, a screenshot in a viewer, a cropped copy, a print-to-PDF) is not
fraudulent; each forgery (spliced name, retyped name, retyped name with the QR code removed)
through the same captures is fraudulent, with the name field named. An id misread by one
look-alike character is still the certificate, not an id "the issuer never issued".
"""

from __future__ import annotations

import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from certificates.lifecycle.credential_ids import credential_id_repairs
from fraud.context import document_credential_id
from organizations.access import Actor
from tests.fraud import corpus
from tests.fraud.captures import CAPTURE_KINDS
from tests.fraud.gemini_standin import GeminiStandIn, reply_json

pytestmark = pytest.mark.django_db

# One forgery per capture kind, each forgery through two kinds (the bench runs all of them).
FORGERY_FOR_KIND = dict(zip(CAPTURE_KINDS, corpus.CAPTURED_FORGERIES * 2, strict=True))


@pytest.fixture
def issued(org, issuer):
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


def findings(body: dict, layer: str) -> list[dict]:
    return next(item["findings"] for item in body["layers"] if item["layer"] == layer)


def decisive_fields(body: dict) -> set[str | None]:
    return {f["field"] for item in body["layers"] for f in item["findings"] if f["decisive"]}


@pytest.mark.parametrize("kind", CAPTURE_KINDS)
def test_a_captured_genuine_certificate_is_not_fraudulent(issued, kind, django_capture_on_commit_callbacks):
    certificate, donor = issued
    item = corpus.capture_item(kind, "genuine", certificate, donor=donor)
    body = verify(item, django_capture_on_commit_callbacks)
    assert body["verdict"] == "authentic", body["reasons"]
    assert body["credential_id"] == certificate.credential_id
    assert not decisive_fields(body)


@pytest.mark.parametrize("kind", CAPTURE_KINDS)
def test_a_captured_forgery_is_fraudulent_naming_the_name_field(
    issued, kind, django_capture_on_commit_callbacks
):
    certificate, donor = issued
    item = corpus.capture_item(kind, FORGERY_FOR_KIND[kind], certificate, donor=donor)
    body = verify(item, django_capture_on_commit_callbacks)
    assert body["verdict"] == "fraudulent", body["reasons"]
    assert body["credential_id"] == certificate.credential_id
    assert "recipient_name" in decisive_fields(body), body["reasons"]


def _misread(credential_id: str) -> str:
    """The id with its first look-alike character swapped (B -> 8, 0 -> D ...): its check fails."""
    swaps = {
        "8": "B",
        "B": "8",
        "0": "D",
        "D": "0",
        "5": "S",
        "S": "5",
        "2": "Z",
        "Z": "2",
        "6": "G",
        "G": "6",
    }
    head, body = credential_id[:3], credential_id[3:]
    index = next(i for i, symbol in enumerate(body) if symbol in swaps)
    return head + body[:index] + swaps[body[index]] + body[index + 1 :]


def test_an_id_misread_by_one_look_alike_character_is_still_the_certificate(issued):
    certificate = issued[0]
    misread = _misread(certificate.credential_id)
    assert certificate.credential_id in credential_id_repairs(misread)
    assert document_credential_id(misread) == certificate.credential_id


def test_a_misread_id_that_no_correction_makes_an_issued_id_is_unread_not_unknown(issued):
    other = corpus.made_up_credential_id(random.Random(7))
    assert document_credential_id(_misread(other)) is None  # not looked up as an id nobody issued


def test_a_photo_whose_reader_misreads_one_id_character_is_matched_not_accused(
    issued, settings, django_capture_on_commit_callbacks
):
    certificate, donor = issued
    item = corpus.capture_item("phone_photo", "genuine", certificate, donor=donor)
    reading = {
        "issuer": certificate.organization.name,
        "recipient_name": certificate.recipient_name,
        "title": certificate.title,
        "issue_date": certificate.issue_date.isoformat(),
        "expiry_date": None,
        "grade": certificate.grade,
        "credential_id": _misread(certificate.credential_id),
        "visible_text": "",
        "manipulation_signs": [],
    }
    with GeminiStandIn([reply_json(reading)]) as server:
        settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL = "test-key", server.url
        body = verify(item, django_capture_on_commit_callbacks)
    assert body["verdict"] != "fraudulent", body["reasons"]
    assert body["credential_id"] == certificate.credential_id
    misread = [f for f in findings(body, "registry") if f["code"] == "field_misread"]
    assert [f["field"] for f in misread] == ["credential_id"], findings(body, "registry")
