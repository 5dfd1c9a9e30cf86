"""Input and callers the account endpoints refuse with a 4xx in the documented error shape."""

import pyotp
import pytest
from rest_framework.test import APIClient

from accounts.models import User
from core.crypto import encrypt_text
from organizations.access import Actor
from organizations.roles import Role
from organizations.services import api_key_create
from tests.conftest import auth_client
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NOT_ASCII_DIGITS = ["１２３４５６", "١٢٣٤٥٦", "12345６", "12345", "1234567", "12 3456", "123456\x00"]


def with_totp(user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    User.objects.filter(pk=user.pk).update(totp_secret_encrypted=encrypt_text(secret), totp_enabled=True)
    return pyotp.TOTP(secret)


def assert_field_error(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert field in body["error"]["fields"]
    assert body["request_id"] == response["X-Request-ID"]


@pytest.mark.parametrize("code", NOT_ASCII_DIGITS)
def test_an_otp_code_that_is_not_six_ascii_digits_is_a_field_error(api_client, code):
    user = UserFactory()
    with_totp(user)
    response = api_client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, "otp_code": code}
    )
    assert_field_error(response, "otp_code")


def test_a_backup_code_is_still_accepted_as_an_otp_code(api_client):
    user = UserFactory()
    client = auth_client(user)
    secret = client.post("/api/v1/auth/2fa/setup/").json()["secret"]
    backup = client.post("/api/v1/auth/2fa/confirm/", {"code": pyotp.TOTP(secret).now()}).json()[
        "backup_codes"
    ]
    for code in (backup[0], backup[1].upper().replace("-", "")):
        response = api_client.post(
            "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, "otp_code": code}
        )
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("code", ["１２３４５６", "١٢٣٤٥٦"])
def test_enrolment_and_disabling_refuse_a_code_that_is_not_ascii_digits(code):
    user = UserFactory()
    client = auth_client(user)
    client.post("/api/v1/auth/2fa/setup/")
    assert_field_error(client.post("/api/v1/auth/2fa/confirm/", {"code": code}), "code")
    with_totp(user)
    assert_field_error(client.post("/api/v1/auth/2fa/disable/", {"password": PASSWORD, "code": code}), "code")


@pytest.fixture
def api_key_client(org, owner):
    _, secret = api_key_create(actor=Actor(user=owner), organization=org, name="robot", role=Role.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


PERSON_ONLY = [
    ("get", "/api/v1/auth/me/", None),
    ("patch", "/api/v1/auth/me/", {"full_name": "Robot"}),
    ("delete", "/api/v1/auth/me/", None),
    ("post", "/api/v1/auth/logout/", {"all": True}),
    ("post", "/api/v1/auth/logout/", {"refresh": "x"}),
    ("post", "/api/v1/auth/password/change/", {"current_password": "a", "new_password": "b"}),
    ("post", "/api/v1/auth/2fa/setup/", None),
    ("post", "/api/v1/auth/2fa/confirm/", {"code": "123456"}),
    ("post", "/api/v1/auth/2fa/disable/", {"password": "a", "code": "123456"}),
]


@pytest.mark.parametrize(("method", "path", "body"), PERSON_ONLY)
def test_an_api_key_is_refused_by_the_endpoints_for_people(api_key_client, method, path, body):
    response = getattr(api_key_client, method)(path, body, format="json")
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "person_required"
    assert "API key" in error["message"]


@pytest.mark.parametrize(("method", "path", "body"), PERSON_ONLY)
def test_the_endpoints_for_people_still_ask_anonymous_callers_to_sign_in(api_client, method, path, body):
    response = getattr(api_client, method)(path, body, format="json")
    assert response.status_code == 401
