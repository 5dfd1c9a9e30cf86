"""Issue K: a verification answers two questions separately, through the HTTP API and the pages.

The document's verdict (is it what the issuer issued?) and the credential's status (does the
issuer's record say it still stands?). A genuine image of a revoked certificate is authentic and
revoked, never fraudulent; an id alone is answered from the public record, without the pipeline.
"""

import io
import json

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from certificates.lifecycle.credential_ids import ALPHABET
from certificates.lifecycle.services import certificate_reissue, certificate_revoke
from certificates.public_status import cache as public_cache
from organizations.access import Actor
from tests.verification.conftest import png_of
from tests.verification.test_verification_api import result, submit
from verification.models import LayerResult, VerificationRequest
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def events(org, type_):
    return list(Event.objects.filter(organization=org, type=type_))


def mistyped(credential_id: str) -> str:
    """The id with one data symbol replaced: well formed, but its check character fails."""
    index = 3  # the first data symbol, after "CV-"
    other = next(symbol for symbol in ALPHABET if symbol != credential_id[index])
    return credential_id[:index] + other + credential_id[index + 1 :]


def test_a_revoked_certificates_genuine_image_is_authentic_and_revoked_with_no_forgery_alert(
    certificate, issuer, org, django_capture_on_commit_callbacks
):
    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Degree withdrawn")
    client = APIClient()
    body = result(
        client, submit(client, data=png_of(certificate), capture=django_capture_on_commit_callbacks)
    )

    assert body["checked"] == "document"
    assert body["document"]["verdict"] == "authentic", body["reasons"]
    assert body["verdict"] == "authentic" and body["score"] == body["document"]["score"] >= 80
    assert body["credential"]["status"] == "revoked"
    assert body["credential"]["record"]["status_reason"] == "Degree withdrawn"
    assert body["credential"]["superseded_by"] is None
    assert events(org, "verification.flagged") == []
    [completed] = events(org, "verification.completed")
    assert completed.data["credential_status"] == "revoked" and completed.data["checked"] == "document"
    assert completed.data["verdict"] == "authentic"


def test_the_genuine_image_of_a_certificate_reissued_to_correct_the_name_is_superseded_with_a_link(
    certificate, issuer, org, django_capture_on_commit_callbacks
):
    new = certificate_reissue(actor=Actor(user=issuer), certificate=certificate, recipient_name="Ada King")
    client = APIClient()
    body = result(
        client, submit(client, data=png_of(certificate), capture=django_capture_on_commit_callbacks)
    )

    assert body["document"]["verdict"] == "authentic", body["reasons"]
    assert body["credential"]["status"] == "superseded"
    assert body["credential"]["credential_id"] == certificate.credential_id
    assert body["credential"]["superseded_by"] == {
        "credential_id": new.credential_id,
        "url": f"{settings.SITE_URL}/verify/{new.credential_id}/",
    }
    assert events(org, "verification.flagged") == []


def test_a_valid_id_answers_valid_with_the_public_record_and_runs_no_checks(
    certificate, org, django_capture_on_commit_callbacks
):
    client = APIClient()
    public = client.get(f"/api/v1/public/certificates/{certificate.credential_id}/").json()
    response = submit(
        client, credential_id=certificate.credential_id.lower(), capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 202 and response.json()["status"] == "completed"
    body = client.get(response.json()["status_url"]).json()

    assert body["checked"] == "id"
    assert body["document"] == {"verdict": "not_checked", "score": None, "reasons": []}
    assert body["verdict"] == "not_checked" and body["score"] is None
    assert body["credential"]["status"] == "valid"
    assert body["credential"]["record"] == public
    assert body["layers"] == [] and not LayerResult.objects.exists()
    [completed] = events(org, "verification.completed")
    assert completed.data["credential_status"] == "valid" and completed.data["checked"] == "id"
    assert events(org, "verification.flagged") == []


def test_a_revoked_id_answers_revoked_not_fraudulent(certificate, issuer, org):
    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Withdrawn")
    client = APIClient()
    body = result(client, submit(client, credential_id=certificate.credential_id))

    assert body["credential"]["status"] == "revoked" and body["verdict"] == "not_checked"
    assert events(org, "verification.flagged") == []


def test_an_id_check_answers_from_the_cached_public_record(certificate):
    client = APIClient()
    client.get(f"/api/v1/public/certificates/{certificate.credential_id}/")  # now cached
    key = public_cache.key(certificate.credential_id)
    cached = json.loads(cache.get(key))
    cache.set(key, json.dumps({**cached, "title": "As cached"}).encode())

    body = result(client, submit(client, credential_id=certificate.credential_id))

    assert body["credential"]["record"]["title"] == "As cached"


def test_a_mistyped_id_is_a_field_error_saying_the_check_character_failed(certificate):
    response = submit(APIClient(), credential_id=mistyped(certificate.credential_id))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "credential_id_check_failed"
    assert "check character" in " ".join(error["fields"]["credential_id"])
    assert not VerificationRequest.objects.exists()


def test_a_malformed_id_is_a_different_field_error_from_a_typing_mistake():
    response = submit(APIClient(), credential_id="CV-1234")

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_credential_id"


def test_an_unknown_well_formed_id_is_not_found():
    client = APIClient()
    body = result(client, submit(client, credential_id="CV-0000-0000-0000-0000-0"))

    assert body["status"] == "completed" and body["checked"] == "id"
    assert body["credential"] == {
        "status": "not_found",
        "credential_id": "CV-0000-0000-0000-0000-0",
        "record": None,
        "superseded_by": None,
    }


def test_a_blank_image_is_inconclusive_without_a_score(django_capture_on_commit_callbacks):
    blank = io.BytesIO()
    Image.new("RGB", (1200, 850), "white").save(blank, "PNG")
    client = APIClient()
    body = result(client, submit(client, data=blank.getvalue(), capture=django_capture_on_commit_callbacks))

    assert body["verdict"] == "inconclusive" and body["score"] is None
    assert body["document"]["score"] is None
    assert body["credential"]["status"] == "unknown"


def test_the_public_result_page_of_a_valid_id_says_valid_and_shows_no_score(certificate):
    browser = Client()
    submitted = browser.post("/verify/", {"credential_id": certificate.credential_id})
    response = browser.get(submitted["Location"])
    page = response.content.decode()

    assert response.status_code == 200
    assert "Valid" in page and certificate.recipient_name in page
    assert "/100" not in page and "Too few checks" not in page and "Inconclusive" not in page


def test_the_public_result_page_of_a_superseded_certificate_links_the_replacement(
    certificate, issuer, django_capture_on_commit_callbacks
):
    new = certificate_reissue(actor=Actor(user=issuer), certificate=certificate, recipient_name="Ada King")
    browser = Client()
    submitted = browser.post("/verify/", {"credential_id": certificate.credential_id})
    response = browser.get(submitted["Location"])
    page = response.content.decode()

    assert "Superseded" in page and f"/verify/{new.credential_id}/" in page
