"""The Django admin cannot take an organization's last owner away, as the portal and API cannot."""

import pytest
from django import forms

from certificates.signing.services import signing_key_current
from organizations.models import Membership
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def membership_form(membership, **changes):
    data = {"user": membership.user_id, "organization": membership.organization_id, "role": membership.role}
    return {**data, **changes}


def test_the_last_owner_cannot_be_demoted_in_the_admin(admin_client):
    owner = MembershipFactory(role=Role.OWNER)

    response = admin_client.post(
        f"/admin/organizations/membership/{owner.pk}/change/", membership_form(owner, role=Role.ADMIN)
    )

    assert response.status_code == 200
    assert "needs at least one owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_an_owner_can_be_demoted_when_another_owner_remains(admin_client):
    org = OrganizationFactory()
    first, _second = (MembershipFactory(organization=org, role=Role.OWNER) for _ in range(2))

    response = admin_client.post(
        f"/admin/organizations/membership/{first.pk}/change/", membership_form(first, role=Role.ADMIN)
    )

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.role == Role.ADMIN


def test_the_last_owner_cannot_be_deleted_in_the_admin(admin_client):
    owner = MembershipFactory(role=Role.OWNER)

    response = admin_client.post(f"/admin/organizations/membership/{owner.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert Membership.objects.filter(pk=owner.pk).exists()
    listing = admin_client.get("/admin/organizations/membership/")
    assert "delete_selected" not in listing.content.decode()


def test_the_organization_inline_cannot_remove_every_owner(admin_client):
    owner = MembershipFactory(role=Role.OWNER)
    org = owner.organization
    page = admin_client.get(f"/admin/organizations/organization/{org.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: form[name].value()
        for name, field in form.fields.items()
        if form[name].value() is not None and not isinstance(field, forms.FileField)
    }
    prefix = "memberships" if "memberships-TOTAL_FORMS" in page.content.decode() else "membership_set"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-0-id": owner.pk,
            f"{prefix}-0-organization": org.pk,
            f"{prefix}-0-user": owner.user_id,
            f"{prefix}-0-role": Role.OWNER,
            f"{prefix}-0-DELETE": "on",
        }
    )

    response = admin_client.post(f"/admin/organizations/organization/{org.pk}/change/", data)

    assert response.status_code == 200
    assert "needs at least one owner" in response.content.decode()
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_a_signing_key_is_read_only_in_the_admin(admin_client, org):
    key = signing_key_current(organization=org)
    other = OrganizationFactory()

    admin_client.post(
        f"/admin/certificates/signingkey/{key.pk}/change/",
        {"organization": other.pk, "valid_until": "2020-01-01 00:00:00"},
    )

    key.refresh_from_db()
    assert key.organization_id == org.pk and key.valid_until is None
    assert admin_client.get("/admin/certificates/signingkey/add/").status_code == 403
