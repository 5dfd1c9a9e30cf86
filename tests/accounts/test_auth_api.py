import re

import pyotp
import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import User
from core.crypto import decrypt_text
from organizations.models import AuditEvent
from tests.conftest import auth_client
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-passphrase-42"


def _token_from_mail(pattern: str) -> str:
    return re.search(pattern, mail.outbox[-1].body).group(1)


def _register_and_verify(client, email="ada@example.com") -> None:
    response = client.post(
        "/api/v1/auth/register/", {"email": email, "password": PASSWORD, "full_name": "Ada"}
    )
    assert response.status_code == 202
    token = _token_from_mail(r"token=(\S+)")
    assert client.post("/api/v1/auth/verify-email/", {"token": token}).status_code == 200


def test_register_verify_login_refresh_logout_then_old_refresh_is_refused(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register/", {"email": "Ada@Example.com", "password": PASSWORD, "full_name": "Ada L"}
        )
    assert response.status_code == 202
    user = User.objects.get(email="ada@example.com")
    assert not user.email_verified

    # Not verified yet: right password, but no tokens.
    response = api_client.post("/api/v1/auth/token/", {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_unverified"

    token = _token_from_mail(r"token=(\S+)")
    assert api_client.post("/api/v1/auth/verify-email/", {"token": token}).status_code == 200
    user.refresh_from_db()
    assert user.email_verified

    tokens = api_client.post("/api/v1/auth/token/", {"email": "ada@example.com", "password": PASSWORD}).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api_client.get("/api/v1/auth/me/").json()
    assert me["email"] == "ada@example.com" and me["full_name"] == "Ada L"

    refreshed = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200
    new_refresh = refreshed.json()["refresh"]
    # Rotation: the first refresh token is spent.
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401

    assert api_client.post("/api/v1/auth/logout/", {"refresh": new_refresh}).status_code == 205
    response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": new_refresh})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"
    assert AuditEvent.objects.filter(actor=user, action="auth.login").exists()


def test_registering_a_taken_address_answers_the_same_and_mails_the_owner(
    api_client, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        taken = api_client.post(
            "/api/v1/auth/register/", {"email": "taken@example.com", "password": PASSWORD}
        )
        fresh = api_client.post(
            "/api/v1/auth/register/", {"email": "fresh@example.com", "password": PASSWORD}
        )
    assert taken.status_code == fresh.status_code == 202
    assert taken.json() == fresh.json()
    assert User.objects.filter(email="taken@example.com").count() == 1
    assert "already has one" in mail.outbox[0].body


def test_wrong_password_and_unknown_email_fail_identically(api_client):
    UserFactory(email="known@example.com")
    wrong = api_client.post(
        "/api/v1/auth/token/", {"email": "known@example.com", "password": "nope-nope-nope"}
    )
    unknown = api_client.post(
        "/api/v1/auth/token/", {"email": "ghost@example.com", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    wrong_body, unknown_body = wrong.json(), unknown.json()
    wrong_body.pop("request_id"), unknown_body.pop("request_id")
    assert wrong_body == unknown_body


def test_password_reset_does_not_reveal_accounts_and_resets(api_client):
    user = UserFactory(email="reset@example.com")
    a = api_client.post("/api/v1/auth/password/reset/", {"email": "reset@example.com"})
    b = api_client.post("/api/v1/auth/password/reset/", {"email": "nobody@example.com"})
    assert a.status_code == b.status_code == 202 and a.json() == b.json()
    assert len(mail.outbox) == 1
    uid, token = re.search(r'uid "([^"]+)", token "([^"]+)"', mail.outbox[0].body).groups()
    response = api_client.post(
        "/api/v1/auth/password/reset/confirm/", {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    again = api_client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD + "x"},
    )
    assert again.status_code == 400 and again.json()["error"]["fields"]["token"]


def test_password_change_invalidates_every_refresh_token(api_client):
    user = UserFactory()
    first = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
    second = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
    client = auth_client(user)
    response = client.post(
        "/api/v1/auth/password/change/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    for pair in (first, second):
        assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 401
    assert AuditEvent.objects.filter(actor=user, action="auth.password_changed").exists()


@pytest.mark.parametrize("auth_cache_seconds", [0, 120])
def test_a_password_change_refuses_the_access_tokens_issued_before_it(
    api_client, settings, auth_cache_seconds
):
    settings.AUTH_CACHE_SECONDS = auth_cache_seconds
    user = UserFactory()
    old = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()["access"]
    other_session = APIClient()
    other_session.credentials(HTTP_AUTHORIZATION=f"Bearer {old}")
    assert other_session.get("/api/v1/auth/me/").status_code == 200  # cached, if the cache is on

    changer = auth_client(user)
    changed = changer.post(
        "/api/v1/auth/password/change/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200

    refused = other_session.get("/api/v1/auth/me/")
    assert refused.status_code == 401
    new = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": NEW_PASSWORD}).json()[
        "access"
    ]
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {new}")
    assert fresh.get("/api/v1/auth/me/").status_code == 200


def test_weak_password_is_a_field_error(api_client):
    response = api_client.post("/api/v1/auth/register/", {"email": "w@example.com", "password": "12345678"})
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "weak_password" and "password" in body["fields"]


def test_validation_errors_use_the_documented_shape(api_client):
    response = api_client.post("/api/v1/auth/register/", {"email": "not-an-email"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert set(body["error"]["fields"]) == {"email", "password"}
    assert body["request_id"] == response["X-Request-ID"]


def test_two_factor_enrolment_then_token_requires_a_code_once(api_client):
    user = UserFactory()
    client = auth_client(user)
    setup = client.post("/api/v1/auth/2fa/setup/").json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/") and setup["qr_svg_data_uri"].startswith("data:")
    totp = pyotp.TOTP(setup["secret"])
    assert client.post("/api/v1/auth/2fa/confirm/", {"code": "000000"}).status_code == 400
    confirm = client.post("/api/v1/auth/2fa/confirm/", {"code": totp.now()})
    assert confirm.status_code == 200
    backup_codes = confirm.json()["backup_codes"]
    assert len(backup_codes) == 10
    user.refresh_from_db()
    assert user.totp_enabled and decrypt_text(user.totp_secret_encrypted) == setup["secret"]

    no_code = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert no_code.status_code == 401 and no_code.json()["error"]["code"] == "otp_required"
    bad = api_client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, "otp_code": "123456"}
    )
    assert bad.status_code == 401
    backup = {"email": user.email, "password": PASSWORD, "otp_code": backup_codes[0]}
    assert api_client.post("/api/v1/auth/token/", backup).status_code == 200
    # A backup code is single-use.
    assert api_client.post("/api/v1/auth/token/", backup).status_code == 401
    assert AuditEvent.objects.filter(actor=user, action="auth.2fa_enabled").exists()


def test_repeated_failures_lock_the_account_without_saying_so(api_client):
    user = UserFactory()
    for _ in range(10):
        api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-password!"})
    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_login_is_throttled_with_retry_after(api_client, settings):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "3/min"}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            api_client.post("/api/v1/auth/token/", {"email": "x@example.com", "password": "y"}).status_code
            for _ in range(4)
        ]
        assert codes[-1] == 429
        response = api_client.post("/api/v1/auth/token/", {"email": "x@example.com", "password": "y"})
        assert int(response["Retry-After"]) > 0
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_me_patch_changes_only_the_name(user):
    client = auth_client(user)
    response = client.patch(
        "/api/v1/auth/me/", {"full_name": "New Name", "email": "evil@example.com", "email_verified": False}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.full_name == "New Name" and user.email != "evil@example.com" and user.email_verified


def test_argon2id_with_owasp_minimum_parameters_hashes_passwords(user):
    from argon2 import extract_parameters

    from accounts.hashers import TunedArgon2PasswordHasher

    encoded = TunedArgon2PasswordHasher().encode(PASSWORD, TunedArgon2PasswordHasher().salt())
    params = extract_parameters(encoded.split("argon2", 1)[1])
    assert params.type.name == "ID"
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism >= 1


def test_closing_an_account_deactivates_and_minimizes_it(api_client):
    user = UserFactory(full_name="Ada Lovelace")
    tokens = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
    client = auth_client(user)
    assert client.delete("/api/v1/auth/me/").status_code == 204
    user.refresh_from_db()
    assert not user.is_active and user.full_name == "" and "deleted" in user.email
    assert not user.has_usable_password()
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401
