import pyotp
import pytest
from django.test import Client

from accounts.models import User
from core.crypto import encrypt_text
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _portal_urls(settings):
    # Until config/urls.py mounts accounts.urls, serve it from the test URLconf.
    settings.ROOT_URLCONF = "tests.portal.urls"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return signed_in(owner)


@pytest.fixture
def viewer_client(viewer):
    return signed_in(viewer)


@pytest.fixture
def outsider_client(outsider):
    return signed_in(outsider)


def enable_totp(user: User) -> pyotp.TOTP:
    """Turn two-factor on for a test user and return a TOTP generator for its secret."""
    secret = pyotp.random_base32()
    User.objects.filter(pk=user.pk).update(totp_secret_encrypted=encrypt_text(secret), totp_enabled=True)
    user.refresh_from_db()
    return pyotp.TOTP(secret)


def add_member(org, role=Role.VIEWER, **user_fields):
    return MembershipFactory(organization=org, role=role, **user_fields)


@pytest.fixture
def second_org(owner):
    """Another organization the owner also belongs to (as a viewer), for the switcher."""
    org = OrganizationFactory(name="Zeta Academy")
    MembershipFactory(organization=org, user=owner, role=Role.VIEWER)
    return org
