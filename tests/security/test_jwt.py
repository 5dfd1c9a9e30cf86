"""Forged, altered, expired or misused JWTs are refused, and refresh tokens die with the account.

Refresh rotation (a rotated refresh token is refused) and password change revoking every refresh
token are pinned in tests/accounts/test_auth_api.py.
"""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.services import user_deactivate
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def signed(claims: dict, *, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=algorithm)


def me_with(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(ME).status_code


@pytest.fixture
def valid_claims(user) -> dict:
    claims = claims_of(str(AccessToken.for_user(user)))
    assert me_with(signed(claims)) == 200, "the baseline token must work for the attacks to mean anything"
    return claims


def test_unsigned_alg_none_token_is_refused(valid_claims):
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(valid_claims).encode())
    assert me_with(f"{header}.{payload}.") == 401


def test_payload_changed_after_signing_is_refused(user, valid_claims):
    victim = UserFactory()
    header, _payload, signature = signed(valid_claims).split(".")
    forged = b64(json.dumps({**valid_claims, "user_id": str(victim.pk)}).encode())
    assert me_with(f"{header}.{forged}.{signature}") == 401


@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_token_signed_with_another_key_or_algorithm_is_refused(valid_claims):
    assert me_with(signed(valid_claims, key="not-the-server-key-" * 4)) == 401
    assert me_with(signed(valid_claims, algorithm="HS512")) == 401


def test_refresh_token_is_not_accepted_as_an_access_token(user):
    refresh = RefreshToken.for_user(user)
    assert me_with(str(refresh.access_token)) == 200
    assert me_with(str(refresh)) == 401


def test_expired_access_token_is_refused(valid_claims):
    past = int((timezone.now() - timedelta(minutes=1)).timestamp())
    assert me_with(signed({**valid_claims, "exp": past})) == 401


def test_wrong_or_missing_audience_and_issuer_are_refused(valid_claims):
    assert valid_claims["aud"] == settings.SIMPLE_JWT["AUDIENCE"]
    assert valid_claims["iss"] == settings.SIMPLE_JWT["ISSUER"]
    assert me_with(signed({**valid_claims, "aud": "another-service"})) == 401
    assert me_with(signed({**valid_claims, "iss": "someone-else"})) == 401
    without_aud = {k: v for k, v in valid_claims.items() if k != "aud"}
    without_iss = {k: v for k, v in valid_claims.items() if k != "iss"}
    assert me_with(signed(without_aud)) == 401
    assert me_with(signed(without_iss)) == 401


def test_access_token_lifetime_is_at_most_fifteen_minutes():
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)


def test_a_rotated_refresh_token_cannot_mint_tokens_again(api_client):
    user = UserFactory()
    tokens = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
    first = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert first.status_code == 200 and first.json()["refresh"] != tokens["refresh"]
    replay = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert replay.status_code == 401 and "access" not in replay.json()


def test_deactivation_kills_refresh_and_access_tokens(api_client):
    user = UserFactory()
    sessions = [
        api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
        for _ in range(2)
    ]
    assert me_with(sessions[0]["access"]) == 200
    user_deactivate(user=user)
    for tokens in sessions:
        response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
        assert response.status_code == 401
        assert me_with(tokens["access"]) == 401
