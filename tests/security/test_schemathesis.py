"""Fuzz every operation of the app's own OpenAPI schema in-process (WSGI) with schemathesis.

Each operation is a subtest run through schemathesis' examples, coverage (boundary values, NUL
bytes, wrong types, missing fields) and fuzzing phases, with a fixed seed, no shrinking (so a
failure cannot turn into minutes of re-runs), and a JWT of an organization owner whose
organization has a member, an API key, a certificate and a webhook endpoint.

Checks: every schemathesis check runs except three whose premise the API does not share, each
for a stated reason:

* `status_code_conformance` — the schema documents success responses only; the error envelope
  (400/401/403/404/429, core/errors.py) is documented once in the README, not per operation.
* `positive_data_acceptance` — schema-valid input is still refused by business rules (a weak
  password, an expired token, a duplicate), which is a 400 by design.
* `negative_data_rejection` — DRF is lenient by design where the schema is strict: it ignores
  unknown query parameters and an invalid `page_size`, and reads multipart text as strings.

`response_schema_conformance` runs without format validation: optional URL and e-mail fields
are "" when unset, which JSON Schema's `uri`/`email` formats do not allow.

Operations that close the account or the organization are fuzzed too; the owner and the
organization are restored after them so later operations still get past authentication.
Server errors it found are pinned in tests/security/test_fuzz_findings.py.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor
from organizations.models import Organization
from organizations.roles import Role
from organizations.services import api_key_create
from tests.factories import MembershipFactory
from webhooks.services import endpoint_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SEED = 20260105
MAX_EXAMPLES = 25

CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "no-shrink": True},
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        "status_code_conformance": {"enabled": False},
        "positive_data_acceptance": {"enabled": False},
        "negative_data_rejection": {"enabled": False},
        "response_schema_conformance": {"validate-formats": False},
    },
}


@pytest.fixture
def fuzz_world(db, org, owner, settings):
    settings.ALLOWED_HOSTS = ["*"]
    # Hashing cost is not under test here; keep Argon2 for verifying the fixtures' hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    MembershipFactory(organization=org, role=Role.VIEWER)
    api_key_create(actor=Actor(user=owner), organization=org, name="fuzz key", role=Role.ISSUER)
    certificate_issue(
        actor=Actor(user=owner),
        organization=org,
        recipient_name="Fuzz Target",
        title="BSc",
        issue_date=dt.date(2026, 1, 5),
    )
    endpoint_create(
        actor=Actor(user=owner),
        organization=org,
        url="http://127.0.0.1:9/hook",
        event_types=["certificate.issued"],
    )
    # Thousands of expected 4xx would each be logged as a warning; keep errors only.
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.ERROR)
    # The WSGI app would close the test's connection (it is inside the test transaction) at the end
    # of each request, as Django's own test client prevents by the same means.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield {"org": org, "owner": owner, "token": str(RefreshToken.for_user(owner).access_token)}
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)
    request_logger.setLevel(level)


@pytest.fixture
def api_schema(fuzz_world):
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_no_operation_fails_a_check(case, fuzz_world):
    try:
        case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_world['token']}"})
    finally:
        if case.method.upper() == "DELETE":  # may have closed the account or the organization
            User.objects.filter(pk=fuzz_world["owner"].pk).update(is_active=True)
            Organization.objects.filter(pk=fuzz_world["org"].pk).update(is_active=True, deactivated_at=None)
