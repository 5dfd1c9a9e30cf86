"""The Django admin is signed into through the portal's sign-in: password, then the second factor,
under the login throttle and the failure accounting. The admin's own password form is gone."""

import pyotp
import pytest
from django.test import Client

from accounts.models import LoginFailure, User
from core.crypto import encrypt_text
from organizations.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/"
PORTAL_LOGIN = "/portal/login/"
PORTAL_OTP = "/portal/login/code/"


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def with_totp(user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    User.objects.filter(pk=user.pk).update(totp_secret_encrypted=encrypt_text(secret), totp_enabled=True)
    return pyotp.TOTP(secret)


def sign_in_form(client: Client) -> str:
    """Where a person who opens the admin is asked for their password (following redirects)."""
    response = client.get(ADMIN, follow=True)
    assert response.status_code == 200
    return response.redirect_chain[-1][0] if response.redirect_chain else ADMIN


def post_password(client: Client, form_url: str, user: User, password: str):
    # Both field names: the admin's own form calls the e-mail field "username".
    return client.post(form_url, {"username": user.email, "email": user.email, "password": password})


def test_opening_the_admin_signed_out_leads_to_the_portal_sign_in_keeping_next(client):
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    followed = client.get(response["Location"])
    assert followed.status_code == 302
    assert followed["Location"] == f"{PORTAL_LOGIN}?next=/admin/accounts/user/"


def test_a_password_posted_to_the_admin_login_creates_no_session(client, superuser):
    response = client.post(ADMIN_LOGIN, {"username": superuser.email, "password": PASSWORD, "next": ADMIN})
    assert response.status_code == 302
    assert response["Location"].startswith(PORTAL_LOGIN)
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302


def test_a_totp_superuser_reaches_the_admin_only_after_the_code(client, superuser):
    totp = with_totp(superuser)
    form_url = sign_in_form(client)
    after_password = post_password(client, form_url, superuser, PASSWORD)
    # Half signed in (password right, code not given yet): neither the admin nor the portal opens.
    assert after_password.status_code == 302 and after_password["Location"] == PORTAL_OTP
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302
    assert client.get("/admin/accounts/user/").status_code == 302
    assert client.get("/portal/").status_code == 302

    after_code = client.post(PORTAL_OTP, {"code": totp.now()})
    assert after_code.status_code == 302 and after_code["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_the_admin_sign_in_is_under_the_login_throttle(client, superuser, throttle_rates):
    throttle_rates(login="3/min")
    form_url = sign_in_form(client)
    codes = [post_password(client, form_url, superuser, "wrong-password").status_code for _ in range(3)]
    assert 429 not in codes
    right = post_password(client, form_url, superuser, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_on_the_admin_sign_in_are_counted_as_failed_logins(client, superuser):
    form_url = sign_in_form(client)
    for _ in range(2):
        post_password(client, form_url, superuser, "wrong-password")
    assert LoginFailure.objects.get(user=superuser).failures == 2
    assert AuditEvent.objects.filter(actor=superuser, action="auth.login_failed").count() == 2


def test_signing_out_of_the_admin_is_the_portal_sign_out(client, superuser):
    client.force_login(superuser)
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and response["Location"] == PORTAL_LOGIN
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(actor=superuser, action="auth.logout").exists()


def test_a_signed_in_person_without_staff_rights_is_refused_not_sent_round_in_circles(client):
    client.force_login(UserFactory())
    assert client.get(ADMIN).status_code == 302
    assert client.get(ADMIN_LOGIN).status_code == 403


def test_the_admin_password_form_is_the_portal_one(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "x-new-pass-42-x", "new_password2": "x-new-pass-42-x"},
    )
    assert response.status_code == 302 and response["Location"] == "/portal/account/"
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)
