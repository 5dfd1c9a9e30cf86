"""Turning two-factor on ends the account's other sessions: a stolen refresh token, taken before
the second factor was there, must not outlive it."""

import pyotp
import pytest

from tests.conftest import auth_client
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_enabling_two_factor_revokes_the_accounts_refresh_tokens(api_client):
    user = UserFactory()
    earlier = [
        api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()["refresh"]
        for _ in range(2)
    ]
    client = auth_client(user)
    secret = client.post("/api/v1/auth/2fa/setup/").json()["secret"]
    assert client.post("/api/v1/auth/2fa/confirm/", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    for refresh in earlier:
        response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": refresh})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "token_not_valid"


def test_a_refresh_token_issued_after_enabling_two_factor_works(api_client):
    user = UserFactory()
    client = auth_client(user)
    totp = pyotp.TOTP(client.post("/api/v1/auth/2fa/setup/").json()["secret"])
    backup = client.post("/api/v1/auth/2fa/confirm/", {"code": totp.now()}).json()["backup_codes"]
    tokens = api_client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, "otp_code": backup[0]}
    ).json()
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 200
