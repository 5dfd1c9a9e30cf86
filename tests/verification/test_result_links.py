"""The detail of a finished verification is cached without any access token; each caller's links
carry the token only that caller presented, and only when it is the verification's own."""

import io
import json
import secrets

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from tests.conftest import auth_client
from verification.models import LayerResult, VerificationRequest
from verification.services import result_cache_key

pytestmark = pytest.mark.django_db
SITE = settings.SITE_URL


@pytest.fixture
def finished(org) -> VerificationRequest:
    """An anonymous requester's finished verification concerning `org`, with a heat-map."""
    verification = VerificationRequest.objects.create(
        access_token=secrets.token_urlsafe(24),
        organization=org,
        status="completed",
        verdict="suspicious",
        score=55.0,
    )
    LayerResult.objects.create(
        verification=verification,
        layer="ela",
        status="warning",
        points=10,
        max_points=20,
        artifacts={"ela_heatmap": f"verifications/{verification.pk}/ela-ela_heatmap.png"},
    )
    return verification


def detail(client, verification, token=None):
    query = f"?token={token}" if token is not None else ""
    return client.get(f"/api/v1/verifications/{verification.pk}/{query}")


def links(body) -> list[str]:
    return [body["status_url"], *(url for layer in body["layers"] for url in layer["artifacts"].values())]


def test_a_member_reading_after_the_anonymous_requester_sees_no_token(finished, viewer):
    assert detail(APIClient(), finished, finished.access_token).status_code == 200
    member = auth_client(viewer)
    for token in (None, "not-the-members"):  # with or without a token of their own in the link
        response = detail(member, finished, token)
        assert response.status_code == 200
        assert finished.access_token not in response.content.decode()
        assert links(response.json()) == [
            f"{SITE}/api/v1/verifications/{finished.pk}/",
            f"{SITE}/api/v1/verifications/{finished.pk}/artifacts/ela/ela_heatmap/",
        ]


def test_the_requester_gets_links_with_its_own_token_after_a_member_read_with_another(finished, viewer):
    assert detail(auth_client(viewer), finished, "stale-token").status_code == 200
    body = detail(APIClient(), finished, finished.access_token).json()
    assert links(body) == [
        f"{SITE}/api/v1/verifications/{finished.pk}/?token={finished.access_token}",
        f"{SITE}/api/v1/verifications/{finished.pk}/artifacts/ela/ela_heatmap/?token={finished.access_token}",
    ]


def test_a_wrong_token_is_refused_and_does_not_poison_the_cache(finished, viewer):
    assert detail(APIClient(), finished, "wrong-token").status_code == 404
    # A member may read without a token; a wrong one they add is neither echoed nor cached.
    member = detail(auth_client(viewer), finished, "wrong-token")
    assert member.status_code == 200 and "wrong-token" not in member.content.decode()
    requester = detail(APIClient(), finished, finished.access_token)
    assert "wrong-token" not in requester.content.decode()
    assert finished.access_token in requester.json()["status_url"]
    assert detail(APIClient(), finished, "wrong-token").status_code == 404  # still refused once cached


def test_a_token_that_is_not_ascii_is_refused_not_a_server_error(finished):
    assert detail(APIClient(), finished, "t%C3%A9st").status_code == 404


def test_the_cached_result_holds_no_token(finished, viewer):
    detail(auth_client(viewer), finished, "wrong-token")
    detail(APIClient(), finished, finished.access_token)
    cached = cache.get(result_cache_key(finished.pk))
    assert cached is not None and cached["verdict"] == "suspicious"
    text = json.dumps(cached, default=str)
    assert finished.access_token not in text and "wrong-token" not in text and "token=" not in text


def test_the_public_result_page_polls_with_the_requesters_own_token():
    browser = Client()
    # A document (an id alone is answered at once, so there would be nothing to poll).
    image = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(image, "PNG")
    response = browser.post("/verify/", {"file": SimpleUploadedFile("cert.png", image.getvalue())})
    verification = VerificationRequest.objects.get()
    assert verification.status == "pending"  # the pipeline starts on commit, which a test never reaches
    page = browser.get(response["Location"]).content.decode()
    assert f'data-poll="/api/v1/verifications/{verification.pk}/?token={verification.access_token}"' in page


def _urls(value) -> list[str]:
    """Every string in a JSON body that names a link (a path or an address)."""
    if isinstance(value, dict):
        return [url for item in value.values() for url in _urls(item)]
    if isinstance(value, list):
        return [url for item in value for url in _urls(item)]
    return [value] if isinstance(value, str) and (value.startswith("/") or "://" in value) else []


def test_every_link_in_a_verification_response_is_absolute_and_answers(certificate):
    client = APIClient()
    created = client.post(
        "/api/v1/verifications/", {"credential_id": certificate.credential_id}, format="json"
    )
    assert created.status_code == 202 and created.json()["status_url"].startswith(f"{SITE}/api/v1/")
    body = client.get(created.json()["status_url"]).json()
    links = _urls(body)
    assert body["status"] == "completed" and body["credential"]["status"] == "valid"
    assert links and all(link.startswith(f"{SITE}/") for link in links), links
    assert client.get(body["status_url"]).status_code == 200  # the link works as given


def test_artifact_links_are_absolute_and_serve_the_image(finished):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    image = io.BytesIO()
    Image.new("RGB", (4, 4)).save(image, "PNG")
    default_storage.save(f"verifications/{finished.pk}/ela-ela_heatmap.png", ContentFile(image.getvalue()))
    body = detail(APIClient(), finished, finished.access_token).json()
    link = body["layers"][0]["artifacts"]["ela_heatmap"]
    assert link.startswith(f"{SITE}/api/v1/verifications/{finished.pk}/artifacts/")
    response = APIClient().get(link)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_the_schema_documents_absolute_verification_links():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"]["schemas"]
    for name in ("Verification", "VerificationCreated"):
        status_url = schema[name]["properties"]["status_url"]
        assert status_url["format"] == "uri" and status_url["example"].startswith("https://"), name
    artifacts = schema["LayerResult"]["properties"]["artifacts"]["example"]
    assert all(url.startswith("https://") for url in artifacts.values())
