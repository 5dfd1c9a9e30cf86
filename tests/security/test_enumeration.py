"""Whether an e-mail address has an account cannot be learnt from the token, password reset or
registration endpoints: same status, same body, and similar time.

Same-body checks for wrong-password vs unknown-address and for password reset are also in
tests/accounts/test_auth_api.py; this file adds timing and registration.
"""

import statistics
import time

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

from .conftest import without_request_id

pytestmark = pytest.mark.django_db

TRIES = 15
KNOWN = "known@example.com"
UNKNOWN = "nobody-here@example.com"


def timed(send) -> tuple[float, object]:
    started = time.perf_counter()
    response = send()
    return time.perf_counter() - started, response


def compare(send_known, send_unknown) -> None:
    """Same status and body, and median times within a factor of two of each other."""
    send_known(), send_unknown()  # warm-up: first requests pay for imports and template loading
    known_times, unknown_times = [], []
    for _ in range(TRIES):  # interleaved, so drift on a shared machine hits both alike
        elapsed, known = timed(send_known)
        known_times.append(elapsed)
        elapsed, unknown = timed(send_unknown)
        unknown_times.append(elapsed)
        assert known.status_code == unknown.status_code
        assert without_request_id(known.json()) == without_request_id(unknown.json())
    ratio = statistics.median(known_times) / statistics.median(unknown_times)
    assert 0.5 <= ratio <= 2.0, f"known/unknown median time ratio {ratio:.2f}"


def test_token_endpoint_answers_alike_for_known_and_unknown_addresses(throttle_rates):
    UserFactory(email=KNOWN)
    client = APIClient()
    compare(
        lambda: client.post("/api/v1/auth/token/", {"email": KNOWN, "password": "not-the-password"}),
        lambda: client.post("/api/v1/auth/token/", {"email": UNKNOWN, "password": "not-the-password"}),
    )


def test_password_reset_answers_alike_for_known_and_unknown_addresses():
    UserFactory(email=KNOWN)
    client = APIClient()
    compare(
        lambda: client.post("/api/v1/auth/password/reset/", {"email": KNOWN}),
        lambda: client.post("/api/v1/auth/password/reset/", {"email": UNKNOWN}),
    )
    assert mail.outbox and all(message.to == [KNOWN] for message in mail.outbox)


def test_registration_answers_alike_for_taken_and_free_addresses():
    UserFactory(email=KNOWN)
    client = APIClient()
    counter = iter(range(10_000))
    compare(
        lambda: client.post("/api/v1/auth/register/", {"email": KNOWN, "password": PASSWORD}),
        lambda: client.post(
            "/api/v1/auth/register/", {"email": f"new{next(counter)}@example.com", "password": PASSWORD}
        ),
    )
