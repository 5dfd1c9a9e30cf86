"""API keys authenticate only from the Authorization header, only while their organization is
active, and only for their own organization. Revocation and forged keys are pinned in
tests/organizations/test_organizations_api.py."""

import pytest
from rest_framework.test import APIClient

from organizations.access import Actor
from organizations.models import APIKey
from organizations.roles import Role
from organizations.services import api_key_create, organization_deactivate

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(org, owner) -> str:
    _row, secret = api_key_create(
        actor=Actor(user=owner), organization=org, name="HR system", role=Role.ADMIN
    )
    return secret


def machine(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def test_a_key_works_from_the_authorization_header(org, key):
    assert machine(key).get(f"/api/v1/organizations/{org.slug}/audit-events/").status_code == 200


@pytest.mark.parametrize("param", ["api_key", "key", "apikey", "Authorization", "token", "access_token"])
def test_a_key_in_the_query_string_is_not_accepted(org, key, param):
    response = APIClient().get(f"/api/v1/organizations/{org.slug}/audit-events/", {param: key})
    assert response.status_code == 401
    assert APIKey.objects.get().last_used_at is None


def test_a_key_in_a_form_field_or_cookie_is_not_accepted(org, key):
    client = APIClient()
    client.cookies["api_key"] = key
    assert client.post("/api/v1/webhooks/", {"api_key": key, "organization": org.slug}).status_code == 401


def test_a_key_of_a_deactivated_organization_is_refused(org, owner, key):
    organization_deactivate(actor=Actor(user=owner), organization=org)
    response = machine(key).get(f"/api/v1/organizations/{org.slug}/audit-events/")
    assert response.status_code == 401
    assert machine(key).get("/api/v1/certificates/").status_code == 401


def test_a_key_cannot_reach_another_organization(org, other_org, key):
    assert machine(key).get(f"/api/v1/organizations/{other_org.slug}/audit-events/").status_code == 404
    assert machine(key).get(f"/api/v1/organizations/{other_org.slug}/api-keys/").status_code == 404


def test_a_key_cannot_mint_an_owner_key_or_a_key_for_another_organization(org, other_org, key):
    response = machine(key).post(
        f"/api/v1/organizations/{org.slug}/api-keys/", {"name": "x", "role": "owner"}
    )
    assert response.status_code in (400, 403)
    response = machine(key).post(
        f"/api/v1/organizations/{other_org.slug}/api-keys/", {"name": "x", "role": "viewer"}
    )
    assert response.status_code == 404
    assert APIKey.objects.count() == 1
