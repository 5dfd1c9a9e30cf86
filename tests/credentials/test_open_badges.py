"""The Open Badges credential of a certificate, the DID document and the status lists, checked
with our own verifier (the ecosystem's verifiers run in tests/interop)."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_revoke, certificate_suspend, certificate_unsuspend
from certificates.models import Certificate
from credentials import checking, jsonld, status_lists
from credentials.models import PortableCredential, StatusList
from organizations.access import Actor

pytestmark = pytest.mark.django_db


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_credential_has_the_open_badges_shape_and_never_the_email(issue_certificate, org):
    certificate = issue_certificate(expiry_date=dt.date(2030, 1, 31))
    response = APIClient().get(f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+ld+json"
    credential = response.json()
    assert credential["@context"] == [jsonld.VC_V2, jsonld.OB_V3]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"].endswith(f":organizations:{org.slug}")
    assert credential["validFrom"] == "2026-06-30T00:00:00Z"
    assert credential["validUntil"] == "2030-01-31T23:59:59Z"
    subject = credential["credentialSubject"]
    assert subject["name"] == "Ada Lovelace" and subject["achievement"]["name"] == "MSc Computer Science"
    assert subject["result"][0]["value"] == "A"
    identity = subject["identifier"][0]
    assert identity["identityHash"].startswith("sha256$") and identity["salt"]
    assert "ada@example.com" not in response.content.decode()
    assert {entry["statusPurpose"] for entry in credential["credentialStatus"]} == {
        "revocation",
        "suspension",
    }
    proof = credential["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["proofValue"].startswith("z")
    jsonld.assert_nothing_dropped({k: v for k, v in credential.items() if k != "proof"})


def test_two_downloads_are_the_same_bytes(issue_certificate):
    certificate = issue_certificate()
    url = f"/api/v1/public/certificates/{certificate.credential_id}/credential/"
    assert APIClient().get(url).content == APIClient().get(url).content


def test_did_document_lists_every_key_after_rotation(issue_certificate, org, owner):
    from certificates.signing.services import signing_key_rotate

    certificate = issue_certificate()
    client = APIClient()
    old = fetch(client, f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
    signing_key_rotate(actor=Actor(user=owner), organization=org)
    document = fetch(client, f"/organizations/{org.slug}/did.json")
    assert len(document["verificationMethod"]) == 2
    assert document["assertionMethod"] == [method["id"] for method in document["verificationMethod"]]
    new = fetch(client, f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
    assert old["proof"]["verificationMethod"] != new["proof"]["verificationMethod"]
    for credential in (old, new):
        assert checking.check_credential(credential).status == "valid"


def test_status_list_follows_revocation_through_public_status(
    issue_certificate, org, issuer, django_capture_on_commit_callbacks
):
    certificate = issue_certificate()
    client = APIClient()
    credential = fetch(client, f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
    record = PortableCredential.objects.get(certificate=certificate)
    revocation = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == "revocation")
    path = revocation["statusListCredential"].split("://", 1)[1].split("/", 1)[1]
    listed = fetch(client, "/" + path)
    bits = status_lists.decode(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131_072 and not status_lists.bit_set(bits, record.revocation_index)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Plagiarism")
    assert StatusList.objects.get(pk=record.revocation_list_id).stale is False  # rebuilt after commit
    listed = fetch(client, "/" + path)
    bits = status_lists.decode(listed["credentialSubject"]["encodedList"])
    assert status_lists.bit_set(bits, record.revocation_index)
    assert checking.check_credential(credential).status == "revoked"


def test_suspension_then_unsuspension(issue_certificate, issuer, django_capture_on_commit_callbacks):
    certificate = issue_certificate()
    credential = fetch(APIClient(), f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
    actor = Actor(user=issuer)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(actor=actor, certificate=certificate, reason="Under review")
    assert checking.check_credential(credential).status == "suspended"
    with django_capture_on_commit_callbacks(execute=True):
        certificate_unsuspend(actor=actor, certificate=Certificate.objects.get(pk=certificate.pk))
    assert checking.check_credential(credential).status == "valid"


def test_status_indexes_are_random_and_unique(issue_certificate):
    indexes = []
    for number in range(6):
        certificate = issue_certificate(recipient_name=f"Person {number}")
        APIClient().get(f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
        indexes.append(PortableCredential.objects.get(certificate=certificate).revocation_index)
    assert len(set(indexes)) == 6 and indexes != sorted(indexes)


def test_encoded_list_bit_zero_is_the_first_bytes_top_bit():
    bits = status_lists.decode(status_lists.encode([0, 9]))
    assert bits[0] == 0x80 and bits[1] == 0x40 and len(bits) == 131_072 // 8


def test_one_changed_character_is_fraudulent(issue_certificate):
    certificate = issue_certificate()
    credential = fetch(APIClient(), f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
    credential["credentialSubject"]["name"] = "Ada Lovelacf"
    result = checking.check_credential(credential)
    assert result.signature_valid is False and "changed after it was signed" in result.findings[0]


def test_unknown_ids_and_organizations_are_404(org):
    client = APIClient()
    assert client.get("/api/v1/public/certificates/CV-0000-0000-0000-0000-0/credential/").status_code == 404
    assert client.get("/organizations/nobody-here/did.json").status_code == 404
    assert client.get(f"/organizations/{org.slug}/status/revocation/99").status_code == 404
    assert client.get(f"/organizations/{org.slug}/status/other/1").status_code == 404


def test_baked_badge_png_carries_the_credential(issue_certificate):
    from credentials import baking

    certificate = issue_certificate()
    client = APIClient()
    response = client.get(f"/api/v1/public/certificates/{certificate.credential_id}/credential/badge.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    baked = json.loads(baking.unbake(response.content))
    assert baked == fetch(client, f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
    assert checking.check_credential(baked).status == "valid"


def test_profile_url_is_the_proved_domain_only_once_verified(org):
    client = APIClient()
    org.verified_domain = "uni.example"
    org.save()
    document = fetch(client, f"/organizations/{org.slug}/did.json")
    profile_url = document["service"][0]["serviceEndpoint"]
    assert (
        fetch(client, "/" + profile_url.split("://", 1)[1].split("/", 1)[1])["url"] == "https://uni.example"
    )
    org.verification_level = "unverified"
    org.save()
    assert "url" not in fetch(client, f"/organizations/{org.slug}/profile.json")


def test_our_own_credential_uploaded_is_authentic_and_read_against_the_registry(
    issue_certificate, issuer, django_capture_on_commit_callbacks
):
    certificate = issue_certificate()
    client = APIClient()
    credential = fetch(client, f"/api/v1/public/certificates/{certificate.credential_id}/credential/")

    def verify() -> dict:
        upload = SimpleUploadedFile("badge.json", json.dumps(credential).encode())
        created = client.post("/api/v1/verifications/", {"file": upload}, format="multipart")
        assert created.status_code == 202, created.content
        return client.get(created.json()["status_url"]).json()

    body = verify()
    assert body["document"]["verdict"] == "authentic" and body["credential"]["status"] == "valid"
    assert (
        body["credential_id"] == certificate.credential_id
        and body["issuer"]["slug"] == certificate.organization.slug
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Plagiarism")
    assert verify()["credential"]["status"] == "revoked"


def test_an_unknown_credential_id_under_our_issuer_is_not_found(issue_certificate):
    from credentials import signing

    certificate = issue_certificate()
    credential = fetch(APIClient(), f"/api/v1/public/certificates/{certificate.credential_id}/credential/")
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    unsigned["id"] = unsigned["id"].replace(certificate.credential_id, "CV-0000-0000-0000-0000-0")
    forged_by_key_holder = signing.sign_as(certificate.organization, unsigned)
    result = checking.check_credential(forged_by_key_holder)
    assert result.signature_valid is True and result.status == "not_found"


def test_public_page_and_portal_link_the_credential(issue_certificate, issuer):
    certificate = issue_certificate()
    credential_url = f"/api/v1/public/certificates/{certificate.credential_id}/credential/"
    page = APIClient().get(f"/verify/{certificate.credential_id}/")
    assert credential_url.encode() in page.content and b"credential/badge.png" in page.content
    client = APIClient()
    client.force_login(issuer)
    portal = client.get(f"/portal/certificates/{certificate.credential_id}/")
    assert portal.status_code == 200 and credential_url.encode() in portal.content
