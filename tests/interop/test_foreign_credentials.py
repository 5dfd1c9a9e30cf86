"""Credentials signed by other issuers with the reference libraries (@digitalbazaar's eddsa-rdfc-2022,
eddsa-jcs-2022 and Ed25519Signature2020 suites, each with a fresh did:key), uploaded to the
verification API: each is authentic; one changed character makes it fraudulent."""

import json
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.interop.verifiers import NODE_DIR, skip_reason

pytestmark = [pytest.mark.interop, pytest.mark.django_db]

SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "Ed25519Signature2020")
V2_BADGE = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:2f1a1f9e-7c43-4c2b-9a0e-51d1c2a4b8e0",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"type": ["Profile"], "name": "Another College"},
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "urn:uuid:0c5a9c52-56a5-4e0e-b0c4-8f6a3f3c2d11",
            "type": ["Achievement"],
            "name": "Diploma in Nursing",
            "criteria": {"narrative": "Two years of study and placements."},
        },
    },
}
V1_CREDENTIAL = {
    "@context": [
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    ],
    "id": "urn:uuid:7a8f3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b",
    "type": ["VerifiableCredential"],
    "issuer": "did:example:replaced",
    "issuanceDate": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:holder", "https://schema.org/name": "Diploma in Nursing"},
}


@pytest.fixture(scope="module")
def signed():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    credentials = {suite: V1_CREDENTIAL if suite == "Ed25519Signature2020" else V2_BADGE for suite in SUITES}
    result = subprocess.run(
        ["node", str(NODE_DIR / "sign.mjs")],
        input=json.dumps({"credentials": credentials}),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def verify(credential: dict) -> dict:
    client = APIClient()
    upload = SimpleUploadedFile("credential.json", json.dumps(credential).encode())
    response = client.post("/api/v1/verifications/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    return client.get(response.json()["status_url"]).json()


@pytest.mark.parametrize("suite", SUITES)
def test_a_credential_signed_by_the_reference_library_is_authentic(signed, suite):
    credential = signed[suite]
    assert credential["issuer"] if isinstance(credential["issuer"], str) else credential["issuer"]["id"]
    body = verify(credential)
    assert body["document"]["verdict"] == "authentic", body["document"]
    assert body["credential"]["status"] == "valid"
    assert suite in body["document"]["reasons"][0]


@pytest.mark.parametrize("suite", SUITES)
def test_one_changed_character_makes_it_fraudulent(signed, suite):
    credential = json.loads(json.dumps(signed[suite]).replace("Diploma in Nursing", "Diploma in Nursinh"))
    body = verify(credential)
    assert body["document"]["verdict"] == "fraudulent", body["document"]
    assert "changed after it was signed" in body["document"]["reasons"][0]
