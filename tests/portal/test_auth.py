"""Signing in (with two-factor), signing out, password reset and e-mail verification."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.services import email_verification_token
from core.throttling import LoginThrottle
from tests.factories import PASSWORD, UserFactory

from .conftest import enable_totp

pytestmark = pytest.mark.django_db

LOGIN = "/portal/login/"
OTP = "/portal/login/code/"


def test_login_page_renders_a_csrf_protected_form(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert b'name="email"' in response.content and b'name="password"' in response.content


def test_login_with_password_signs_in_and_goes_to_the_dashboard(client, owner):
    response = client.post(LOGIN, {"email": owner.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_login_follows_a_safe_next_url_only(client, owner):
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD, "next": "/portal/members/"})
    assert response["Location"] == "/portal/members/"
    client.logout()
    response = client.post(
        LOGIN, {"email": owner.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("portal:dashboard")


def test_wrong_password_and_unknown_address_fail_the_same_way(client, owner):
    wrong = client.post(LOGIN, {"email": owner.email, "password": "not-the-password"})
    unknown = client.post(LOGIN, {"email": "nobody@example.com", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 200
    message = b"No active account found with the given credentials."
    assert message in wrong.content and message in unknown.content
    assert "_auth_user_id" not in client.session
    owner.refresh_from_db()
    assert owner.failed_login_count == 1


def test_empty_login_form_shows_field_errors_next_to_the_fields(client):
    response = client.post(LOGIN, {"email": "not-an-address", "password": ""})
    body = response.content.decode()
    assert 'id="id_email_error"' in body and 'id="id_password_error"' in body
    assert 'aria-invalid="true"' in body


def test_unverified_address_cannot_sign_in(client):
    user = UserFactory(email_verified=False)
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert b"Verify your e-mail address first" in response.content
    assert "_auth_user_id" not in client.session


def test_two_factor_login_asks_for_the_code_before_signing_in(client, owner):
    totp = enable_totp(owner)
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == OTP
    assert "_auth_user_id" not in client.session  # not signed in before the second factor
    page = client.get(OTP)
    assert b"Two-factor authentication" in page.content

    response = client.post(OTP, {"code": totp.now()})
    assert response.status_code == 302 and response["Location"] == reverse("portal:dashboard")
    assert client.session["_auth_user_id"] == str(owner.pk)
    assert "portal_pending_2fa" not in client.session


def test_a_wrong_code_is_an_error_and_too_many_restart_the_sign_in(client, owner):
    enable_totp(owner)
    client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    response = client.post(OTP, {"code": "000000"})
    assert response.status_code == 200
    assert b"That code is not valid." in response.content
    assert 'id="id_code_error"' in response.content.decode()
    for _ in range(4):
        response = client.post(OTP, {"code": "000000"})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert client.get(OTP)["Location"] == LOGIN


def test_a_backup_code_works_once_as_the_second_factor(client, owner):
    from accounts.twofactor import _replace_backup_codes

    enable_totp(owner)
    code = _replace_backup_codes(owner)[0]
    client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    assert client.post(OTP, {"code": code})["Location"] == reverse("portal:dashboard")
    client.post("/portal/logout/")
    client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    assert client.post(OTP, {"code": code}).status_code == 200  # spent


def test_the_code_page_without_a_password_step_goes_back_to_login(client):
    assert client.get(OTP)["Location"] == LOGIN


def test_a_forged_pending_token_is_refused(client, owner):
    enable_totp(owner)
    session = client.session
    session["portal_pending_2fa"] = "forged:token"
    session.save()
    assert client.get(OTP)["Location"] == LOGIN


def test_login_is_throttled_per_client(client, owner, monkeypatch):
    monkeypatch.setattr(LoginThrottle, "rate", "2/min", raising=False)
    for _ in range(2):
        client.post(LOGIN, {"email": owner.email, "password": "wrong-password-1"})
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(owner_client):
    assert owner_client.get("/portal/logout/").status_code == 405
    response = owner_client.post("/portal/logout/")
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in owner_client.session


def test_portal_pages_redirect_anonymous_visitors_to_login(client):
    response = client.get("/portal/members/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/portal/members/"


def _reset_link() -> str:
    return re.search(r"/portal/password-reset/[^/\s]+/[^/\s]+/", mail.outbox[-1].body).group(0)


def test_password_reset_e_mails_a_link_that_sets_a_new_password(client, owner):
    response = client.post("/portal/password-reset/", {"email": owner.email})
    assert b"If an account uses this address" in response.content
    link = _reset_link()
    assert client.get(link).status_code == 200
    response = client.post(
        link, {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"}
    )
    assert response["Location"] == LOGIN
    owner.refresh_from_db()
    assert owner.check_password("a-new-long-passphrase")
    assert client.post(
        link, {"new_password1": "another-passphrase-1", "new_password2": "another-passphrase-1"}
    )
    owner.refresh_from_db()
    assert owner.check_password("a-new-long-passphrase")  # the link works once


def test_password_reset_answers_the_same_for_unknown_addresses(client):
    response = client.post("/portal/password-reset/", {"email": "nobody@example.com"})
    assert b"If an account uses this address" in response.content
    assert mail.outbox == []


def test_password_reset_confirm_shows_errors_next_to_the_fields(client, owner):
    client.post("/portal/password-reset/", {"email": owner.email})
    link = _reset_link()
    mismatch = client.post(
        link, {"new_password1": "a-new-long-passphrase", "new_password2": "different-one-22"}
    )
    assert 'id="id_new_password2_error"' in mismatch.content.decode()
    weak = client.post(link, {"new_password1": "1234567890", "new_password2": "1234567890"})
    assert 'id="id_new_password1_error"' in weak.content.decode()
    bad = client.post(
        "/portal/password-reset/MQ/bad-token/",
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert b"This reset link is invalid or has expired." in bad.content


def test_verify_email_link_confirms_on_post_only(client):
    user = UserFactory(email_verified=False)
    token = email_verification_token(user)
    page = client.get(f"/accounts/verify-email/?token={token}")
    assert page.status_code == 200 and b"Confirm my e-mail address" in page.content
    user.refresh_from_db()
    assert not user.email_verified  # a link scanner's GET changes nothing
    response = client.post("/accounts/verify-email/", {"token": token})
    assert b"E-mail address verified" in response.content
    assert User.objects.get(pk=user.pk).email_verified


def test_verify_email_with_a_bad_token_explains_the_problem(client):
    response = client.post("/accounts/verify-email/", {"token": "garbage"})
    assert b"This verification link is invalid or has expired." in response.content


@pytest.mark.parametrize("code", ["１２３４５６", "١٢٣٤٥٦"])
def test_a_code_in_digits_of_another_script_is_refused_on_the_code_step(client, owner, code):
    # Was a 500: the code reached secrets.compare_digest, which refuses non-ASCII text.
    enable_totp(owner)
    client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    response = client.post(OTP, {"code": code})
    assert response.status_code == 200
    assert b"That code is not valid." in response.content
    assert "_auth_user_id" not in client.session
