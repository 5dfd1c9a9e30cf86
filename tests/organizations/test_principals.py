"""A JWT's user and roles come from the cache (organizations/principals.py), and every change that
matters reaches the next request at once: deactivation, a role change, a removed membership, a
deactivated organization. Access tokens are verified once per process but their expiry every time."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import user_change_password, user_deactivate, user_update_profile
from certificates.lifecycle.services import certificate_issue
from organizations import principals
from organizations.access import Actor
from organizations.models import Membership
from organizations.roles import Role
from organizations.services import membership_change_role, membership_remove, organization_deactivate
from tests.conftest import auth_client
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential_id(org, owner):
    certificate = certificate_issue(
        actor=Actor(user=owner),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc Computer Science",
        issue_date=dt.date(2026, 6, 30),
    )
    return certificate.credential_id


def detail(client, credential_id):
    return client.get(f"/api/v1/certificates/{credential_id}/")


def tables_read(client, credential_id) -> str:
    with CaptureQueriesContext(connection) as queries:
        assert detail(client, credential_id).status_code == 200
    return " ".join(q["sql"] for q in queries.captured_queries)


def test_a_repeated_jwt_request_reads_neither_the_user_nor_the_memberships(org, viewer, credential_id):
    client = auth_client(viewer)
    tables_read(client, credential_id)
    again = tables_read(client, credential_id)
    assert "accounts_user" not in again and "organizations_membership" not in again
    assert "certificates_certificate" in again


def test_deactivating_a_cached_user_refuses_their_access_token_at_once(org, viewer, credential_id):
    client = auth_client(viewer)
    assert detail(client, credential_id).status_code == 200
    user_deactivate(user=viewer)
    response = detail(client, credential_id)
    assert response.status_code == 401


def test_a_role_change_counts_on_the_next_request(org, owner, viewer, credential_id):
    client = auth_client(viewer)
    revoke = f"/api/v1/certificates/{credential_id}/revoke/"
    assert client.post(revoke, {"reason": "test"}).status_code == 403
    membership = Membership.objects.get(user=viewer, organization=org)
    membership_change_role(actor=Actor(user=owner), membership=membership, role=Role.ISSUER)
    assert client.post(revoke, {"reason": "test"}).status_code == 200


def test_a_removed_member_and_a_deactivated_organization_see_nothing_at_once(
    org, owner, viewer, credential_id
):
    viewer_client, owner_client = auth_client(viewer), auth_client(owner)
    assert detail(viewer_client, credential_id).status_code == 200
    assert detail(owner_client, credential_id).status_code == 200
    membership_remove(actor=Actor(user=owner), membership=Membership.objects.get(user=viewer))
    assert detail(viewer_client, credential_id).status_code == 404
    organization_deactivate(actor=Actor(user=owner), organization=org)
    assert detail(owner_client, credential_id).status_code == 404


def test_joining_an_organization_counts_within_the_same_cached_principal(org, viewer, other_org):
    client = auth_client(viewer)
    assert client.get(f"/api/v1/organizations/{other_org.slug}/").status_code == 404
    MembershipFactory(user=viewer, organization=other_org, role=Role.VIEWER)
    assert client.get(f"/api/v1/organizations/{other_org.slug}/").status_code == 200


def test_profile_and_password_changes_refresh_the_cached_user(api_client, user):
    tokens = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
    client = auth_client(user)
    assert client.get("/api/v1/auth/me/").json()["full_name"] == user.full_name
    user_update_profile(user=user, full_name="Grace Hopper")
    assert client.get("/api/v1/auth/me/").json()["full_name"] == "Grace Hopper"
    user_change_password(user=user, current_password=PASSWORD, new_password="another-long-Passw0rd")
    refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refresh.status_code == 401


def test_an_entry_built_before_a_change_is_never_served_after_it(user):
    """The race: a request reads the rows, the change commits and invalidates, then that request
    stores what it read. The stored entry carries the generation it read under, so it is ignored."""
    key, generation_key = principals._keys(user.pk)
    assert principals.principal_get(user_id=user.pk).is_active
    stale = principals.cache.get(key)
    principals.principal_invalidate(user_ids=[user.pk])
    principals.cache.set(key, stale, 60)  # the late write of the request that read before the change
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert not principals.principal_get(user_id=user.pk).is_active
    assert principals.cache.get(generation_key) is not None


def test_inactive_users_are_not_cached(user):
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert principals.principal_get(user_id=user.pk).is_active is False
    assert principals.cache.get(principals._keys(user.pk)[0]) is None


def test_the_cached_user_keeps_secrets_out_of_the_cache_and_loads_them_on_access(user):
    principals.principal_get(user_id=user.pk)
    cached = principals.principal_get(user_id=user.pk)
    assert "password" in cached.get_deferred_fields()
    assert cached.check_password(PASSWORD)  # loads the hash from the database


def test_a_token_verified_once_is_still_refused_once_it_expires(user):
    client = auth_client(user)
    assert client.get("/api/v1/auth/me/").status_code == 200
    later = timezone.now() + dt.timedelta(hours=1)
    with mock.patch("organizations.authentication.aware_utcnow", return_value=later):
        response = client.get("/api/v1/auth/me/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_not_valid"
