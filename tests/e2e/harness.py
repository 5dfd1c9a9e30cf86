"""Helpers shared by the browser tests: seeded people and organizations, and signing in."""

from __future__ import annotations

import pyotp
from playwright.sync_api import Page, expect

from accounts.models import User
from core.crypto import encrypt_text
from organizations.access import Actor
from organizations.audit import audit_record
from organizations.models import Organization
from organizations.roles import Role
from organizations.services import api_key_create
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

__all__ = ["PASSWORD", "expect", "person", "organization", "enable_totp", "sign_in", "css_loaded"]


def person(email: str, full_name: str) -> User:
    return UserFactory(email=email, full_name=full_name)


def organization(name: str, slug: str, *, members: dict[User, str], **fields) -> Organization:
    org = OrganizationFactory(name=name, slug=slug, **fields)
    for user, role in members.items():
        MembershipFactory(organization=org, user=user, role=role)
    return org


def with_some_history(org: Organization, owner: User) -> None:
    """A few colleagues and audit rows so pages look like a live organization."""
    for email, name, role in [
        ("grace@northwind.example", "Grace Hopper", Role.ADMIN),
        ("alan@northwind.example", "Alan Turing", Role.ISSUER),
        ("katherine@northwind.example", "Katherine Johnson", Role.VIEWER),
    ]:
        MembershipFactory(organization=org, user=person(email, name), role=role)
    api_key_create(actor=Actor(user=owner), organization=org, name="Student records system", role=Role.ISSUER)
    audit_record(
        action="membership.role_changed",
        organization=org,
        actor=owner,
        ip="203.0.113.7",
        details={"user": "alan@northwind.example", "from": "viewer", "to": "issuer"},
    )


def enable_totp(user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    User.objects.filter(pk=user.pk).update(totp_secret_encrypted=encrypt_text(secret), totp_enabled=True)
    return pyotp.TOTP(secret)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/portal/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def css_loaded(page: Page) -> bool:
    """The stylesheet applied: the body has the design system's background colour."""
    colour = page.evaluate("getComputedStyle(document.body).backgroundColor")
    return colour in ("rgb(245, 247, 250)", "rgb(238, 242, 251)") or "gradient" in page.evaluate(
        "getComputedStyle(document.querySelector('.auth') || document.body).backgroundImage"
    )
