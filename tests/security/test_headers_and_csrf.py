"""Browser-facing protections: security headers with a CSP on every page, CSRF on portal forms,
and an API that ignores session cookies (so it has no CSRF surface at all)."""

import datetime as dt

import pytest
from django.test import Client

from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor
from tests.conftest import auth_client
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/portal/login/",
    "/portal/password-reset/",
    "/verify/",
    "/verify/CV-0000-0000-0000-0000-0/",  # the not-found page of the public site
]


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp, f"{directive!r} missing from {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", PAGES)
def test_public_and_portal_pages_carry_security_headers(path):
    response = Client().get(path)
    assert response.status_code in (200, 404)
    assert_security_headers(response)


def test_signed_in_portal_pages_carry_security_headers(owner):
    client = Client()
    client.force_login(owner)
    for path in ("/portal/", "/portal/account/", "/portal/members/", "/portal/api-keys/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)


def test_public_certificate_page_carries_security_headers(org, issuer):
    certificate = certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc",
        issue_date=dt.date(2026, 6, 30),
    )
    response = Client().get(f"/verify/{certificate.credential_id}/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_api_responses_are_not_sniffable(user):
    response = auth_client(user).get("/api/v1/auth/me/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("application/json")


def test_portal_login_without_a_csrf_token_is_refused():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post("/portal/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_portal_login_with_the_csrf_token_works():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.get("/portal/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/portal/login/", {"email": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signed_in_portal_forms_need_the_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    for path, data in [
        ("/portal/account/", {"full_name": "Mallory"}),
        ("/portal/api-keys/", {"name": "exfiltrate", "role": "admin"}),
        ("/portal/logout/", {}),
    ]:
        assert client.post(path, data).status_code == 403, path
    owner.refresh_from_db()
    assert owner.full_name != "Mallory"


def test_public_verify_form_needs_the_csrf_token():
    response = Client(enforce_csrf_checks=True).post(
        "/verify/", {"credential_id": "CV-0000-0000-0000-0000-0"}
    )
    assert response.status_code == 403


def test_the_api_ignores_a_portal_session_cookie(owner):
    """A signed-in browser cannot be made to call the API: it only accepts JWTs and API keys."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post("/api/v1/organizations/", {"name": "Forged Org"}, content_type="application/json")
    assert response.status_code == 401
    assert client.get("/api/v1/auth/me/").status_code == 401
