import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from organizations.models import APIKey, AuditEvent, Invitation, Membership, Organization
from organizations.roles import Role
from tests.conftest import auth_client
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def members_url(org):
    return f"/api/v1/organizations/{org.slug}/members/"


def test_creating_an_organization_makes_the_creator_owner_and_audits(user):
    client = auth_client(user)
    response = client.post(
        "/api/v1/organizations/", {"name": "Tech Institute", "country": "de", "is_verified": True}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "tech-institute" and body["country"] == "DE" and body["role"] == "owner"
    org = Organization.objects.get(slug="tech-institute")
    assert not org.is_verified  # not writable by clients
    assert Membership.objects.get(organization=org, user=user).role == Role.OWNER
    assert AuditEvent.objects.filter(organization=org, action="organization.created", actor=user).exists()


def test_bad_country_code_is_a_field_error(user):
    response = auth_client(user).post("/api/v1/organizations/", {"name": "X", "country": "Germany"})
    assert response.status_code == 400 and "country" in response.json()["error"]["fields"]


# role × action: (method, url builder, payload builder, minimum role)
ROLE_MATRIX = [
    ("get", lambda o, m: f"/api/v1/organizations/{o.slug}/", None, Role.VIEWER),
    (
        "patch",
        lambda o, m: f"/api/v1/organizations/{o.slug}/",
        lambda: {"website": "https://x.example"},
        Role.ADMIN,
    ),
    ("get", lambda o, m: members_url(o), None, Role.VIEWER),
    ("patch", lambda o, m: f"{members_url(o)}{m.pk}/", lambda: {"role": "issuer"}, Role.ADMIN),
    ("get", lambda o, m: f"/api/v1/organizations/{o.slug}/invitations/", None, Role.ADMIN),
    (
        "post",
        lambda o, m: f"/api/v1/organizations/{o.slug}/invitations/",
        lambda: {"email": "new@example.com", "role": "viewer"},
        Role.ADMIN,
    ),
    ("get", lambda o, m: f"/api/v1/organizations/{o.slug}/api-keys/", None, Role.ADMIN),
    (
        "post",
        lambda o, m: f"/api/v1/organizations/{o.slug}/api-keys/",
        lambda: {"name": "ci", "role": "viewer"},
        Role.ADMIN,
    ),
    ("get", lambda o, m: f"/api/v1/organizations/{o.slug}/audit-events/", None, Role.VIEWER),
    ("delete", lambda o, m: f"/api/v1/organizations/{o.slug}/", None, Role.OWNER),
]
RANKS = [Role.VIEWER, Role.ISSUER, Role.ADMIN, Role.OWNER]


@pytest.mark.parametrize("role", RANKS)
@pytest.mark.parametrize("method,url,payload,minimum", ROLE_MATRIX)
def test_role_matrix(org, role, method, url, payload, minimum):
    MembershipFactory(organization=org, role=Role.OWNER)  # so the org never lacks an owner
    actor = MembershipFactory(organization=org, role=role).user
    target = MembershipFactory(organization=org, role=Role.VIEWER)
    response = getattr(auth_client(actor), method)(
        url(org, target), payload() if payload else None, format="json"
    )
    allowed = RANKS.index(role) >= RANKS.index(minimum)
    if allowed:
        assert response.status_code < 300, (role, method, response.json() if response.content else None)
    else:
        assert response.status_code == 403, (role, method, response.status_code)


def test_admin_cannot_make_an_owner_but_owner_can(org, owner, admin_user, viewer):
    membership = Membership.objects.get(user=viewer)
    response = auth_client(admin_user).patch(f"{members_url(org)}{membership.pk}/", {"role": "owner"})
    assert response.status_code == 403
    response = auth_client(owner).patch(f"{members_url(org)}{membership.pk}/", {"role": "owner"})
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert AuditEvent.objects.filter(action="membership.role_changed", organization=org).exists()


def test_the_last_owner_cannot_step_down_or_leave(org, owner):
    membership = Membership.objects.get(user=owner)
    client = auth_client(owner)
    response = client.patch(f"{members_url(org)}{membership.pk}/", {"role": "admin"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "last_owner"
    assert client.delete(f"{members_url(org)}{membership.pk}/").status_code == 400
    assert Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()


def test_invitation_for_an_existing_user_is_emailed_and_accepted(
    org, admin_user, django_capture_on_commit_callbacks
):
    invitee = UserFactory(email="invitee@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(admin_user).post(
            f"/api/v1/organizations/{org.slug}/invitations/",
            {"email": "Invitee@Example.com", "role": "issuer"},
        )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    token = re.search(r'"token": "([^"]+)"', mail.outbox[-1].body).group(1)
    other = UserFactory()
    assert auth_client(other).post("/api/v1/invitations/accept/", {"token": token}).status_code == 403
    response = auth_client(invitee).post("/api/v1/invitations/accept/", {"token": token})
    assert response.status_code == 200
    assert Membership.objects.get(user=invitee, organization=org).role == Role.ISSUER
    assert auth_client(invitee).post("/api/v1/invitations/accept/", {"token": token}).status_code == 400


def test_invitation_for_a_new_person_creates_a_verified_account(
    org, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        auth_client(owner).post(
            f"/api/v1/organizations/{org.slug}/invitations/", {"email": "fresh@example.com", "role": "viewer"}
        )
    token = re.search(r'"token": "([^"]+)"', mail.outbox[-1].body).group(1)
    response = APIClient().post(
        "/api/v1/invitations/register/", {"token": token, "password": PASSWORD, "full_name": "Fresh Person"}
    )
    assert response.status_code == 201
    tokens = APIClient().post("/api/v1/auth/token/", {"email": "fresh@example.com", "password": PASSWORD})
    assert tokens.status_code == 200
    assert Invitation.objects.get(email="fresh@example.com").status == "accepted"


def test_api_key_secret_is_shown_once_and_authenticates_with_its_role(org, admin_user):
    client = auth_client(admin_user)
    response = client.post(
        f"/api/v1/organizations/{org.slug}/api-keys/", {"name": "HR system", "role": "viewer"}
    )
    assert response.status_code == 201
    secret = response.json()["key"]
    key = APIKey.objects.get(name="HR system")
    assert secret not in key.key_hash and secret.startswith(f"cvk_{key.prefix}_")
    listed = client.get(f"/api/v1/organizations/{org.slug}/api-keys/").json()["results"]
    assert "key" not in listed[0]

    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert machine.get(f"/api/v1/organizations/{org.slug}/audit-events/").status_code == 200
    # A viewer key cannot manage keys.
    assert machine.get(f"/api/v1/organizations/{org.slug}/api-keys/").status_code == 403
    key.refresh_from_db()
    assert key.last_used_at is not None

    assert client.delete(f"/api/v1/organizations/{org.slug}/api-keys/{key.pk}/").status_code == 200
    assert machine.get(f"/api/v1/organizations/{org.slug}/audit-events/").status_code == 401
    assert AuditEvent.objects.filter(action="api_key.created", organization=org).exists()
    assert AuditEvent.objects.filter(action="api_key.revoked", organization=org).exists()


def test_a_forged_api_key_is_refused(org):
    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION="Api-Key cvk_00000000_notreal")
    assert machine.get("/api/v1/organizations/").status_code == 401


def test_audit_events_are_append_only(org):
    event = AuditEvent.objects.create(organization=org, action="x")
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="y")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_list_endpoints_are_paginated(org, viewer):
    for _ in range(30):
        MembershipFactory(organization=org)
    body = auth_client(viewer).get(members_url(org)).json()
    assert body["count"] == 31 and len(body["results"]) == 25 and body["next"]


def test_deactivating_an_organization_keeps_it_but_hides_it(org, owner):
    client = auth_client(owner)
    assert client.delete(f"/api/v1/organizations/{org.slug}/").status_code == 204
    org.refresh_from_db()
    assert not org.is_active
    assert client.get(f"/api/v1/organizations/{org.slug}/").status_code == 404
