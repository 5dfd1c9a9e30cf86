"""Redis dies during traffic and comes back: the API keeps serving and nothing is lost.

The cache is configured exactly as in production (django-redis with IGNORE_EXCEPTIONS) but points
at a private redis-server on a spare port, which the test kills and restarts. Expected, and
documented in docs/operations.md:

* reads fall through to PostgreSQL (a cache outage is a cache miss);
* rate limits fail open while Redis is away (their counters live there), logging a warning for
  each request they let through uncounted; the sign-in lockouts, which live in the database, still
  stop password guessing, and still only for the guessing address;
* readiness answers 503 naming `cache`, and 200 again once Redis is back;
* writes (verifications) never depended on Redis and are all there afterwards.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor
from tests.conftest import auth_client
from tests.factories import PASSWORD, UserFactory
from verification.models import VerificationRequest

from .conftest import PartitionableLink, PrivateRedis, redis_cache_settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server to run a private Redis"),
]

LOGIN_LIMIT = 3
FAST = 5.0  # seconds: generous for a busy CI machine, far below a hung connection or retry backoff


@pytest.fixture
def private_redis(tmp_path, settings):
    redis = PrivateRedis(tmp_path)
    redis.start()
    settings.CACHES = redis_cache_settings(redis.url)
    settings.REDIS_URL = redis.url
    yield redis
    redis.kill()
    caches["default"].close()


@pytest.fixture
def credential_id(org, issuer) -> str:
    certificate = certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc",
        issue_date=dt.date(2026, 6, 30),
    )
    return certificate.credential_id


def timed(send):
    started = time.perf_counter()
    response = send()
    elapsed = time.perf_counter() - started
    assert elapsed < FAST, f"took {elapsed:.1f} s"
    return response


def login_codes(client: APIClient, email: str, tries: int) -> list[int]:
    return [
        timed(
            lambda: client.post("/api/v1/auth/token/", {"email": email, "password": "wrong-password"})
        ).status_code
        for _ in range(tries)
    ]


def traffic(client, member, credential_id) -> None:
    """What a busy minute looks like: public lookups, an authenticated list, a verification."""
    assert timed(lambda: client.get(f"/api/v1/public/certificates/{credential_id}/")).status_code == 200
    assert timed(lambda: member.get("/api/v1/certificates/")).status_code == 200
    created = timed(
        lambda: client.post("/api/v1/verifications/", {"credential_id": credential_id}, format="multipart")
    )
    assert created.status_code == 202, created.content


def test_redis_dies_and_returns_while_the_api_keeps_serving(
    private_redis, throttle_rates, credential_id, viewer, caplog
):
    throttle_rates(login=f"{LOGIN_LIMIT}/min", anon_verify="1000/min", public_lookup="1000/min")
    client, member = APIClient(), auth_client(viewer)
    target = UserFactory()

    # Redis up: the public lookup is cached, throttles count.
    traffic(client, member, credential_id)
    assert caches["default"].get(f"public-cert:{credential_id}") is not None
    assert login_codes(APIClient(REMOTE_ADDR="203.0.113.1"), target.email, LOGIN_LIMIT + 1)[-1] == 429
    assert client.get("/health/ready").status_code == 200

    private_redis.kill()

    # Redis down: everything still answers, quickly.
    for _ in range(3):
        traffic(client, member, credential_id)
    ready = timed(lambda: client.get("/health/ready"))
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    assert ready.json()["failed"] == ["cache"]
    # Throttles fail open (their counters were in Redis), not silently ...
    with caplog.at_level("WARNING", logger="core.throttling"):
        assert 429 not in login_codes(APIClient(REMOTE_ADDR="203.0.113.2"), target.email, LOGIN_LIMIT + 2)
    assert "throttle: cache unavailable, request not counted" in caplog.text
    # ... but the lockout in the database still stops guessing: ten failures lock that address out,
    guesser = APIClient(REMOTE_ADDR="203.0.113.3")
    login_codes(guesser, target.email, 10)
    right = guesser.post("/api/v1/auth/token/", {"email": target.email, "password": PASSWORD})
    assert right.status_code == 401
    # and only that address: the owner signs in from elsewhere.
    owner = APIClient(REMOTE_ADDR="198.51.100.20")
    assert owner.post("/api/v1/auth/token/", {"email": target.email, "password": PASSWORD}).status_code == 200

    private_redis.start()  # same port, empty: as after a restart without persistence

    assert timed(lambda: client.get("/health/ready")).status_code == 200
    traffic(client, member, credential_id)
    assert caches["default"].get(f"public-cert:{credential_id}") is not None
    assert login_codes(APIClient(REMOTE_ADDR="203.0.113.4"), UserFactory().email, LOGIN_LIMIT + 1)[-1] == 429
    # Nothing written during the outage was lost: 1 + 3 + 1 verifications.
    assert VerificationRequest.objects.count() == 5


def test_a_revocation_during_a_partition_reaches_the_public_lookup_once_redis_is_back(
    private_redis, settings, credential_id, issuer, django_capture_on_commit_callbacks
):
    """Redis keeps its data but the app cannot reach it while a certificate is revoked: the
    invalidation is lost on the way, so the old status stays cached. The purge recorded with the
    revocation is applied by the beat task once the link is back."""
    from certificates.lifecycle.services import certificate_revoke
    from certificates.models import Certificate, PublicStatusPurge
    from certificates.public_status.purges import RETRY_AFTER, retry_pending

    link = PartitionableLink(private_redis.port)
    settings.CACHES = redis_cache_settings(link.url)
    client = APIClient()
    assert client.get(f"/api/v1/public/certificates/{credential_id}/").json()["status"] == "valid"

    link.cut.set()
    with django_capture_on_commit_callbacks(execute=True):
        timed(
            lambda: certificate_revoke(
                actor=Actor(user=issuer),
                certificate=Certificate.objects.get(credential_id=credential_id),
                reason="Issued in error",
            )
        )
    assert PublicStatusPurge.objects.filter(credential_id=credential_id).exists()
    link.cut.clear()

    # Redis still holds the status from before the revocation ...
    assert client.get(f"/api/v1/public/certificates/{credential_id}/").json()["status"] == "valid"
    # ... until the beat task's next run applies the recorded purge.
    assert retry_pending(now=timezone.now() + RETRY_AFTER) == 1
    assert client.get(f"/api/v1/public/certificates/{credential_id}/").json()["status"] == "revoked"
    assert not PublicStatusPurge.objects.exists()
    caches["default"].close()
    link.close()
