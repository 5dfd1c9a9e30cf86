"""Starting a verification is rate limited on every path into it: the API, the public /verify/
page and a signed-in portal user. Anonymous callers share one bucket per client address
(THROTTLE_ANON_VERIFY); a person or an API key has its own (THROTTLE_VERIFY)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from organizations.access import Actor
from organizations.roles import Role
from organizations.services import api_key_create
from tests.conftest import auth_client
from verification.models import VerificationRequest
from webhooks.models import Event

pytestmark = pytest.mark.django_db

LIMIT = 3
CREDENTIAL_ID = "CV-0000-0000-0000-0000-0"  # well formed; no such certificate


def api_post(client, credential_id=CREDENTIAL_ID):
    return client.post("/api/v1/verifications/", {"credential_id": credential_id}, format="multipart")


def form_post(client, credential_id=CREDENTIAL_ID):
    return client.post("/verify/", {"credential_id": credential_id})


def assert_api_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"


def assert_form_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert "Too many verification requests" in body and "try again in" in body
    assert 'name="credential_id"' in body  # the form is shown again, not an error page


def test_public_form_is_throttled_at_the_anonymous_api_rate(throttle_rates):
    throttle_rates(anon_verify=f"{LIMIT}/min")
    browser = Client()
    assert [form_post(browser).status_code for _ in range(LIMIT)] == [302] * LIMIT
    assert_form_throttled(form_post(browser))
    assert VerificationRequest.objects.count() == LIMIT
    # Another client address has its own bucket.
    assert form_post(Client(REMOTE_ADDR="198.51.100.7")).status_code == 302


def test_api_and_form_posts_from_one_address_count_in_one_bucket(throttle_rates):
    throttle_rates(anon_verify=f"{LIMIT}/min")
    api, browser = APIClient(), Client()
    assert api_post(api).status_code == 202
    assert form_post(browser).status_code == 302
    assert api_post(api).status_code == 202
    assert_form_throttled(form_post(browser))
    assert_api_throttled(api_post(api))
    assert VerificationRequest.objects.count() == LIMIT


def test_a_throttled_request_creates_no_verification_and_sends_no_alert(
    throttle_rates, org, issuer, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.fraud import corpus

    certificate, donor = corpus.issue_certificates(organization=org, actor=Actor(user=issuer), count=2)
    forged = corpus.tampered_item(corpus.TAMPER_CATEGORIES[0], certificate, donor=donor)

    def forged_post(client):  # a forgery in the issuer's name: what raises verification.flagged
        return client.post("/verify/", {"file": SimpleUploadedFile(forged.filename, forged.data)})

    throttle_rates(anon_verify="1/min")
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert forged_post(browser).status_code == 302
    assert Event.objects.filter(organization=org, type="verification.flagged").count() == 1
    rows = VerificationRequest.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        assert_form_throttled(forged_post(browser))
        assert_api_throttled(api_post(APIClient(), certificate.credential_id))
    assert VerificationRequest.objects.count() == rows == 1
    assert Event.objects.filter(organization=org, type="verification.flagged").count() == 1


def test_a_signed_in_portal_user_is_throttled_by_the_per_person_rate_on_every_path(throttle_rates, user):
    throttle_rates(verify=f"{LIMIT}/min")
    portal = Client()
    portal.force_login(user)
    api = auth_client(user)
    assert form_post(portal).status_code == 302
    assert api_post(api).status_code == 202
    assert form_post(portal).status_code == 302
    assert_form_throttled(form_post(portal))
    assert_api_throttled(api_post(api))
    assert VerificationRequest.objects.filter(requested_by=user).count() == LIMIT
    # The person's bucket is theirs alone: the same address, signed out, is not refused.
    assert form_post(Client()).status_code == 302


def test_an_api_key_has_its_own_verification_rate(throttle_rates, org, owner):
    throttle_rates(verify=f"{LIMIT}/min")
    _row, secret = api_key_create(actor=Actor(user=owner), organization=org, name="HR", role=Role.VIEWER)
    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert [api_post(machine).status_code for _ in range(LIMIT)] == [202] * LIMIT
    assert_api_throttled(api_post(machine))
    assert api_post(auth_client(owner)).status_code == 202  # the key's owner is counted apart


def test_polling_a_result_does_not_spend_the_budget_for_starting_verifications(throttle_rates):
    throttle_rates(anon_verify="2/min", public_lookup="100/min")
    api = APIClient()
    created = api_post(api).json()
    for _ in range(5):
        assert api.get(created["status_url"]).status_code == 200

    assert api_post(api).status_code == 202
    assert_api_throttled(api_post(api))


def test_polling_is_limited_at_the_lookup_rate(throttle_rates):
    throttle_rates(anon_verify="100/min", public_lookup=f"{LIMIT}/min")
    api = APIClient()
    created = api_post(api).json()
    assert [api.get(created["status_url"]).status_code for _ in range(LIMIT)] == [200] * LIMIT
    assert_api_throttled(api.get(created["status_url"]))
