"""Login, token refresh and anonymous verification are rate limited per client, with Retry-After.

The API login throttle is also pinned in tests/accounts/test_auth_api.py and the portal's in
tests/portal/test_auth.py; here every throttled surface is checked the same way.
"""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.conftest import auth_client
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 3


def assert_throttled_after_limit(send) -> None:
    codes = [send().status_code for _ in range(LIMIT)]
    assert 429 not in codes, codes
    response = send()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"


def test_login_is_throttled_per_client(throttle_rates):
    throttle_rates(login=f"{LIMIT}/min")
    user = UserFactory()
    client = APIClient()
    assert_throttled_after_limit(
        lambda: client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-password"})
    )
    # The right password does not get through the limit either.
    right = client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert right.status_code == 429
    # Another client address is counted separately.
    other = APIClient(REMOTE_ADDR="198.51.100.7")
    assert other.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).status_code == 200


def test_token_refresh_is_throttled(throttle_rates, user):
    throttle_rates(refresh=f"{LIMIT}/min")
    client = APIClient()
    refresh = str(RefreshToken.for_user(user))
    # Each call presents the same (soon spent) token: the limit counts attempts, not successes.
    assert_throttled_after_limit(lambda: client.post("/api/v1/auth/token/refresh/", {"refresh": refresh}))


def test_anonymous_verification_is_throttled_but_members_are_not(throttle_rates, user):
    throttle_rates(anon_verify=f"{LIMIT}/min")
    anonymous = APIClient()
    payload = {"credential_id": "CV-0000-0000-0000-0000-0"}
    assert_throttled_after_limit(
        lambda: anonymous.post("/api/v1/verifications/", payload, format="multipart")
    )
    member = auth_client(user)
    codes = {member.post("/api/v1/verifications/", payload, format="multipart").status_code for _ in range(5)}
    assert 429 not in codes
