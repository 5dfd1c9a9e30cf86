"""Fuzz every operation of the app's own OpenAPI schema in-process (WSGI) with schemathesis.

Each operation is a subtest run through schemathesis' examples, coverage (boundary values, NUL
bytes, wrong types, missing fields) and fuzzing phases, with a fixed seed, no shrinking (so a
failure cannot turn into minutes of re-runs), and a JWT of an organization owner whose
organization has a member, an API key, a certificate and a webhook endpoint. The whole run is
made twice: once as that person (a JWT) and once as the organization's API key, so endpoints meant
for people are fuzzed with a machine caller too.

The token endpoint is fuzzed with the real e-mail and password of a person who has two-factor on,
so its `otp_code` (generated, or one of `OTP_CODE_SHAPES`: full-width and other non-ASCII digits,
NUL bytes, wrong lengths) reaches the code check instead of stopping at the password.

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

import pyotp
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import LoginFailure, User
from certificates.lifecycle.services import certificate_issue
from core.crypto import encrypt_text
from organizations.access import Actor
from organizations.models import Organization
from organizations.roles import Role
from organizations.services import api_key_create
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from webhooks.services import endpoint_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SEED = 20260105
MAX_EXAMPLES = 25
OTP_CODE_SHAPES = [
    "１２３４５６",  # full-width digits
    "١٢٣٤٥٦",  # Arabic-Indic digits
    "۱۲۳۴۵۶",  # Persian digits
    "12345６",
    "123456\x00",
    " 123456",
    "12345",
    "1234567",
    "ａｂｃｄｅｆ-ａｂｃｄｅｆ",
    "abcdef-abcdef",
    "",
]

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
    _, api_key = api_key_create(actor=Actor(user=owner), organization=org, name="fuzz key", role=Role.ISSUER)
    two_factor_person = UserFactory()
    User.objects.filter(pk=two_factor_person.pk).update(
        totp_secret_encrypted=encrypt_text(pyotp.random_base32()), totp_enabled=True
    )
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
    yield {
        "org": org,
        "owner": owner,
        "two_factor_person": two_factor_person,
        "headers": {
            "jwt": {"Authorization": f"Bearer {RefreshToken.for_user(owner).access_token}"},
            "api_key": {"Authorization": f"Api-Key {api_key}"},
        },
    }
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)
    request_logger.setLevel(level)


def _is_token_operation(context) -> bool:
    operation = context.operation
    return (
        operation is not None
        and operation.method.upper() == "POST"
        and operation.path.endswith("/auth/token/")
    )


def sign_in_with_codes(schema, person: User) -> None:
    """Hooks giving token requests the person's real e-mail and password: one example for each of
    OTP_CODE_SHAPES, and generated bodies with a generated otp_code or one of those shapes."""

    def with_credentials(body, code: str):
        if not isinstance(body, dict):
            return body
        return {**body, "email": person.email, "password": PASSWORD, "otp_code": code}

    def before_add_examples(context, examples):
        if _is_token_operation(context):
            examples.extend(
                context.operation.Case(body=with_credentials({}, code), media_type="application/json")
                for code in OTP_CODE_SHAPES
            )

    def before_generate_body(context, strategy):
        if not _is_token_operation(context):
            return strategy
        codes = st.sampled_from(OTP_CODE_SHAPES) | st.text(max_size=16)
        return st.tuples(strategy, codes).map(lambda pair: with_credentials(*pair))

    schema.hooks.register_hook_with_name(before_add_examples, "before_add_examples")
    schema.hooks.register_hook_with_name(before_generate_body, "before_generate_body")


@pytest.fixture
def api_schema(fuzz_world):
    config = schemathesis.Config.from_dict(CONFIG)
    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=config)
    sign_in_with_codes(loaded, fuzz_world["two_factor_person"])
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


def call_and_restore(case, fuzz_world, caller: str) -> None:
    try:
        case.call_and_validate(headers=fuzz_world["headers"][caller])
    finally:
        if case.method.upper() == "DELETE":  # may have closed the account or the organization
            User.objects.filter(pk=fuzz_world["owner"].pk).update(is_active=True)
            Organization.objects.filter(pk=fuzz_world["org"].pk).update(is_active=True, deactivated_at=None)
        # Wrong codes lock the two-factor person out, and a locked sign-in stops before the code check.
        person = fuzz_world["two_factor_person"]
        LoginFailure.objects.filter(user=person).delete()
        User.objects.filter(pk=person.pk).update(failed_login_count=0, locked_until=None)


@schema.parametrize()
def test_no_operation_fails_a_check(case, fuzz_world):
    call_and_restore(case, fuzz_world, "jwt")


@schema.parametrize()
def test_no_operation_fails_a_check_for_an_api_key(case, fuzz_world):
    call_and_restore(case, fuzz_world, "api_key")
