"""The signing keys page: admins see the organization's keys and rotate; nobody else can."""

import re

import pytest
from django.test import Client

from certificates.models import SigningKey
from certificates.signing.services import signing_key_current, signing_key_rotate
from organizations.access import Actor
from organizations.models import AuditEvent
from organizations.roles import Role

from .conftest import add_member, signed_in

pytestmark = pytest.mark.django_db

PAGE = "/portal/signing-keys/"
ROTATE = "/portal/signing-keys/rotate/"


def test_admin_sees_the_current_key_marked_and_retired_keys_with_their_window(org, admin_user):
    retired = signing_key_current(organization=org)
    current = signing_key_rotate(actor=Actor(user=admin_user), organization=org)
    retired.refresh_from_db()

    body = signed_in(admin_user).get(PAGE).content.decode()

    assert current.key_id in body and retired.key_id in body
    assert current.public_key_b64 in body and retired.public_key_b64 in body
    assert body.count(">Current<") == 1 and body.count(">Retired<") == 1
    assert f'datetime="{retired.valid_until.isoformat()}"' in body
    assert body.index(current.key_id) < body.index(retired.key_id)


def test_rotate_button_confirms_that_old_qr_codes_keep_verifying(owner_client):
    body = owner_client.get(PAGE).content.decode()
    form = re.search(
        r'<form method="post" action="/portal/signing-keys/rotate/" data-confirm="([^"]+)">', body
    )
    assert form is not None
    assert "issued from now on are signed with the new key" in form.group(1)
    assert "keep verifying" in form.group(1)


def test_admin_rotates_with_the_csrf_token(org, admin_user):
    old = signing_key_current(organization=org)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    client.get(PAGE)

    assert client.post(ROTATE).status_code == 403  # no token: nothing happens
    assert SigningKey.objects.filter(organization=org).count() == 1

    response = client.post(ROTATE, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}, follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    new = SigningKey.objects.get(organization=org, valid_until__isnull=True)
    old.refresh_from_db()
    assert new != old and old.valid_until == new.valid_from
    assert f"Key {new.key_id} now signs new certificates" in response.content.decode()
    assert AuditEvent.objects.get(action="signing_key.rotated").actor == admin_user


def test_rotating_a_first_key_works_before_any_certificate_was_issued(org, owner_client):
    assert b"No signing key yet" in owner_client.get(PAGE).content
    owner_client.post(ROTATE)
    assert SigningKey.objects.filter(organization=org, valid_until__isnull=True).count() == 1


@pytest.mark.parametrize("role", [Role.ISSUER, Role.VIEWER])
def test_issuer_and_viewer_can_neither_see_nor_use_the_page(org, role):
    key = signing_key_current(organization=org)
    client = signed_in(add_member(org, role).user)

    page = client.get(PAGE)
    assert page.status_code == 403 and key.key_id.encode() not in page.content
    assert client.post(ROTATE).status_code == 403
    assert list(SigningKey.objects.filter(organization=org)) == [key]
    assert f'href="{PAGE}"' not in client.get("/portal/").content.decode()


def test_admin_navigation_links_the_signing_keys_page(owner_client):
    body = owner_client.get(PAGE).content.decode()
    assert re.search(rf'href="{PAGE}" aria-current="page"', body)


def test_outsider_rotates_only_their_own_organizations_key(org, other_org, outsider_client):
    victim_key = signing_key_current(organization=org)

    assert victim_key.key_id.encode() not in outsider_client.get(PAGE).content
    outsider_client.post(ROTATE)

    assert list(SigningKey.objects.filter(organization=org)) == [victim_key]
    assert victim_key.key_id.encode() not in outsider_client.get(PAGE).content
    assert SigningKey.objects.filter(organization=other_org, valid_until__isnull=True).count() == 1
