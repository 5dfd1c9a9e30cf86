"""Listing and rotating an organization's QR signing keys through the API."""

import base64

import pytest
from rest_framework.test import APIClient

from certificates.models import Certificate, SigningKey
from certificates.signing.keys import QRStatus, parse_qr_text, verify_qr_text
from certificates.signing.services import signing_key_current
from organizations.access import Actor
from organizations.models import AuditEvent
from organizations.roles import Role
from organizations.services import api_key_create
from tests.conftest import auth_client
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ISSUE = {"recipient_name": "Ada Lovelace", "title": "MSc Computer Science", "issue_date": "2026-06-30"}


def keys_url(org) -> str:
    return f"/api/v1/organizations/{org.slug}/signing-keys/"


def rotate_url(org) -> str:
    return f"/api/v1/organizations/{org.slug}/signing-keys/rotate/"


def issue(client, org) -> Certificate:
    response = client.post("/api/v1/certificates/", {**ISSUE, "organization": org.slug}, format="json")
    assert response.status_code == 201, response.json()
    return Certificate.objects.get(credential_id=response.json()["credential_id"])


def published_keys(org) -> dict[str, dict]:
    keys = APIClient().get(f"/api/v1/public/organizations/{org.slug}/keys/").json()["keys"]
    return {k["key_id"]: k for k in keys}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admin_or_owner_rotation_retires_the_old_key_and_keeps_it_published(org, role):
    user = MembershipFactory(organization=org, role=role).user
    old = signing_key_current(organization=org)
    client = auth_client(user)

    response = client.post(rotate_url(org))

    assert response.status_code == 201, response.json()
    new = response.json()
    assert new["key_id"] != old.key_id and new["current"] is True and new["valid_until"] is None
    assert base64.b64decode(new["public_key"]) and len(base64.b64decode(new["public_key"])) == 32
    old.refresh_from_db()
    current = SigningKey.objects.get(organization=org, valid_until__isnull=True)
    assert current.key_id == new["key_id"]
    assert old.valid_until == current.valid_from
    public = published_keys(org)
    assert set(public) == {old.key_id, current.key_id}
    assert public[old.key_id]["valid_until"] is not None and public[current.key_id]["valid_until"] is None


def test_qr_signed_with_the_old_key_still_verifies_after_rotation(org, admin_user, issuer):
    certificate = issue(auth_client(issuer), org)
    old_key_id = parse_qr_text(certificate.qr_text).key_id

    assert auth_client(admin_user).post(rotate_url(org)).status_code == 201

    public_keys = {key_id: k["public_key"] for key_id, k in published_keys(org).items()}
    fields, status = verify_qr_text(certificate.qr_text, public_keys)
    assert status == QRStatus.VALID and fields["cid"] == certificate.credential_id
    assert fields["kid"] == old_key_id
    later = issue(auth_client(issuer), org)
    new_key = SigningKey.objects.get(organization=org, valid_until__isnull=True)
    assert later.signing_key_id == new_key.pk and new_key.key_id != old_key_id
    later_fields, later_status = verify_qr_text(later.qr_text, public_keys)
    assert later_status == QRStatus.VALID and later_fields["kid"] == new_key.key_id
    assert verify_qr_text(later.qr_text, {old_key_id: public_keys[old_key_id]})[1] == QRStatus.UNKNOWN_KEY


def test_list_shows_every_key_newest_first_with_only_public_fields(org, viewer, owner):
    first = signing_key_current(organization=org)
    client = auth_client(owner)
    second = client.post(rotate_url(org)).json()

    response = auth_client(viewer).get(keys_url(org))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and "next" in body
    assert [k["key_id"] for k in body["results"]] == [second["key_id"], first.key_id]
    assert [k["current"] for k in body["results"]] == [True, False]
    assert set(body["results"][1]) == {"key_id", "public_key", "valid_from", "valid_until", "current"}
    assert body["results"][1]["public_key"] == first.public_key_b64
    assert body["results"][1]["valid_until"] is not None
    assert base64.b64encode(bytes(first.private_key_encrypted)).decode() not in response.content.decode()


@pytest.mark.parametrize("role", [Role.ISSUER, Role.VIEWER])
def test_issuer_and_viewer_can_list_but_get_403_on_rotate(org, role):
    user = MembershipFactory(organization=org, role=role).user
    key = signing_key_current(organization=org)
    client = auth_client(user)

    assert client.get(keys_url(org)).json()["results"][0]["key_id"] == key.key_id
    response = client.post(rotate_url(org))

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "permission_denied" and "admin" in error["message"]
    assert list(SigningKey.objects.filter(organization=org)) == [key]
    assert not AuditEvent.objects.filter(action="signing_key.rotated").exists()


def test_issuer_api_key_cannot_rotate_but_an_admin_api_key_can(org, owner):
    actor = Actor(user=owner)
    _, issuer_secret = api_key_create(actor=actor, organization=org, name="ci", role=Role.ISSUER)
    _, admin_secret = api_key_create(actor=actor, organization=org, name="ops", role=Role.ADMIN)
    machine = APIClient()

    machine.credentials(HTTP_AUTHORIZATION=f"Api-Key {issuer_secret}")
    assert machine.post(rotate_url(org)).status_code == 403
    machine.credentials(HTTP_AUTHORIZATION=f"Api-Key {admin_secret}")
    assert machine.post(rotate_url(org)).status_code == 201


def test_outsider_gets_404_listing_or_rotating(org, outsider):
    key = signing_key_current(organization=org)
    client = auth_client(outsider)

    assert client.get(keys_url(org)).status_code == 404
    response = client.post(rotate_url(org))

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert list(SigningKey.objects.filter(organization=org)) == [key]


def test_anonymous_caller_cannot_list_or_rotate(org):
    client = APIClient()
    assert client.get(keys_url(org)).status_code == 401
    assert client.post(rotate_url(org)).status_code == 401


def test_rotation_is_recorded_in_the_audit_log(org, admin_user):
    new = auth_client(admin_user).post(rotate_url(org)).json()

    event = AuditEvent.objects.get(organization=org, action="signing_key.rotated")
    key = SigningKey.objects.get(key_id=new["key_id"])
    assert event.actor == admin_user and event.details == {"key_id": key.key_id}
    assert (event.target_type, event.target_id) == ("certificates.signingkey", str(key.pk))
