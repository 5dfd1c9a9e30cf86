"""Credentials served by the running app, verified by the ecosystem's own verifiers from npm,
offline: @digitalbazaar/vc (+ eddsa-rdfc-2022 and the Bitstring Status List checker) and
@digitalcredentials/verifier-core (the Learner Credential Wallet's)."""

import datetime as dt

import httpx
import pytest

from certificates.lifecycle.services import (
    certificate_issue,
    certificate_revoke,
    certificate_suspend,
    certificate_unsuspend,
)
from certificates.models import Certificate
from certificates.signing.services import signing_key_rotate
from organizations.access import Actor
from tests.interop.verifiers import node_verifiers  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def certificate(app, org, issuer):
    return certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        recipient_email="ada@example.com",
        title="MSc Computer Science",
        issue_date=dt.date(2026, 6, 30),
        grade="A",
    )


def served_credential(app, certificate) -> dict:
    response = httpx.get(f"{app}/api/v1/public/certificates/{certificate.credential_id}/credential/")
    assert response.status_code == 200
    return response.json()


def vc_check(node_verifiers, app, credential) -> dict:  # noqa: F811
    return node_verifiers.ask({"verifier": "vc", "app": app, "credential": credential})


def statuses(answer) -> dict:
    assert answer["statusVerified"] is True, answer
    return {entry["purpose"]: entry["status"] for entry in answer["statuses"]}


def test_digitalbazaar_vc_verifies_then_sees_revocation(node_verifiers, app, certificate, issuer):  # noqa: F811
    credential = served_credential(app, certificate)
    answer = vc_check(node_verifiers, app, credential)
    assert answer["verified"] is True, answer
    assert statuses(answer) == {"revocation": False, "suspension": False}

    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Plagiarism")
    answer = vc_check(node_verifiers, app, credential)
    # @digitalbazaar/vc keeps `verified` for a sound signature; the revocation is in statusResult.
    assert statuses(answer) == {"revocation": True, "suspension": False}


def test_digitalbazaar_vc_sees_suspension_come_and_go(node_verifiers, app, certificate, issuer):  # noqa: F811
    credential = served_credential(app, certificate)
    actor = Actor(user=issuer)
    certificate_suspend(actor=actor, certificate=certificate, reason="Under review")
    assert statuses(vc_check(node_verifiers, app, credential)) == {"revocation": False, "suspension": True}
    certificate_unsuspend(actor=actor, certificate=Certificate.objects.get(pk=certificate.pk))
    assert statuses(vc_check(node_verifiers, app, credential)) == {"revocation": False, "suspension": False}


def test_digitalbazaar_vc_rejects_one_changed_character(node_verifiers, app, certificate):  # noqa: F811
    credential = served_credential(app, certificate)
    credential["credentialSubject"]["achievement"]["name"] = "MSc Computer Sciencf"
    answer = vc_check(node_verifiers, app, credential)
    assert answer["verified"] is False and "Invalid signature" in answer["error"], answer


def test_key_rotation_keeps_old_credentials_verifying(node_verifiers, app, certificate, org, owner):  # noqa: F811
    before = served_credential(app, certificate)
    signing_key_rotate(actor=Actor(user=owner), organization=org)
    after = served_credential(app, certificate)
    assert before["proof"]["verificationMethod"] != after["proof"]["verificationMethod"]
    for credential in (before, after):
        answer = vc_check(node_verifiers, app, credential)
        assert answer["verified"] is True, answer


def core_check(node_verifiers, app, credential, registry) -> dict:  # noqa: F811
    answer = node_verifiers.ask(
        {"verifier": "verifier-core", "app": app, "credential": credential, "registry": registry}
    )
    assert not answer["errors"], answer
    return {step["id"]: step for step in answer["log"]}


def test_verifier_core_checks_signature_registry_and_revocation(
    node_verifiers,  # noqa: F811
    app,
    certificate,
    org,
    issuer,
):
    credential = served_credential(app, certificate)
    registry = {"registry": {credential["issuer"]["id"]: {"name": org.name, "url": "https://uni.example"}}}
    steps = core_check(node_verifiers, app, credential, registry)
    assert steps["valid_signature"]["valid"] is True, steps
    assert steps["registered_issuer"]["valid"] is True and steps["registered_issuer"]["matchingIssuers"] == 1
    assert steps["revocation_status"]["valid"] is True, steps
    assert steps["expiration"]["valid"] is True, steps

    unregistered = core_check(node_verifiers, app, credential, {"registry": {}})
    assert unregistered["registered_issuer"]["valid"] is False

    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Plagiarism")
    steps = core_check(node_verifiers, app, credential, registry)
    assert steps["valid_signature"]["valid"] is True and steps["revocation_status"]["valid"] is False, steps
