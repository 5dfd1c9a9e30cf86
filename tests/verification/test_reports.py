"""Signed verification reports: made through the API, read by their share link in a fresh session,
checked with the published key by cryptography itself, and re-verified against the credential now."""

import base64
import io
import json

import pypdfium2
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_revoke
from organizations.access import Actor
from tests.conftest import auth_client
from tests.verification.conftest import png_of
from verification.models import ReportSigningKey, VerificationReport
from verification.reports import report_verify

pytestmark = pytest.mark.django_db


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def verifies_with_published_key(data: bytes) -> bool:
    """What a verifier does with only the JSON file and the published key (no CertVerify code)."""
    try:
        document = json.loads(data)
        signature = document["signature"]
        keys = APIClient().get("/api/v1/public/report-keys/").json()["keys"]
        key = next(k for k in keys if k["key_id"] == signature["key_id"])
        public = Ed25519PublicKey.from_public_bytes(b64url_decode(key["public_key"]))
        public.verify(b64url_decode(signature["value"]), canonical(document["report"]))
    except (InvalidSignature, ValueError, KeyError, StopIteration):
        return False
    return True


@pytest.fixture
def anonymous_verification(certificate, django_capture_on_commit_callbacks):
    """A completed anonymous verification of a genuine rendering: (client, id, access token)."""
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/verifications/",
            {"file": SimpleUploadedFile("cert.png", png_of(certificate))},
            format="multipart",
        )
    body = response.json()
    assert client.get(body["status_url"]).json()["status"] == "completed"
    return client, body["id"], body["access_token"]


def create_report(client, verification_id, token=""):
    suffix = f"?token={token}" if token else ""
    return client.post(f"/api/v1/verifications/{verification_id}/report/{suffix}")


def test_report_json_by_share_link_verifies_with_the_published_key(anonymous_verification, certificate):
    client, verification_id, token = anonymous_verification
    response = create_report(client, verification_id, token)
    assert response.status_code == 201, response.content
    links = response.json()
    assert links["share_url"].split("/r/")[1] and len(links["share_url"].split("/r/")[1]) >= 22

    fresh = APIClient()  # no session, no credentials: a colleague's browser
    download = fresh.get(path_of(links["json_url"]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
    assert download["Cache-Control"] == "private, no-store"
    assert verifies_with_published_key(download.content)

    report = json.loads(download.content)["report"]
    assert report["type"] == "CertVerifyVerificationReport" and report["version"] == 1
    assert report["report_id"] == links["report_id"]
    assert report["verification"]["id"] == verification_id
    assert report["document"]["verdict"] == "authentic"
    assert report["document"]["sha256"] == VerificationReport.objects.get().verification.upload_sha256
    assert report["credential"]["credential_id"] == certificate.credential_id
    assert report["credential"]["status"] == "valid"
    assert report["credential"]["issuer"]["slug"] == certificate.organization.slug
    assert report["issued_at"].endswith("Z") and len(report["issued_at"]) == 20


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def shared(client, verification_id, token) -> dict:
    links = create_report(client, verification_id, token).json()
    return {name: path_of(url) for name, url in links.items() if name.endswith("_url")}


def test_changing_any_one_byte_of_the_report_json_fails_verification(anonymous_verification):
    links = shared(*anonymous_verification)
    data = APIClient().get(links["json_url"]).content
    verdict_at = data.index(b'"authentic"') + 1
    changed = data[:verdict_at] + b"A" + data[verdict_at + 1 :]
    assert verifies_with_published_key(data)
    assert not verifies_with_published_key(changed)
    for position in range(len(data)):  # every byte, through the platform's own check too
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        try:
            document = json.loads(bytes(tampered))
        except ValueError:
            continue  # no longer JSON: nothing to verify
        assert not report_verify(document)["signature_valid"], (position, chr(data[position]))


def test_share_page_is_private_and_says_the_signature_is_valid(anonymous_verification):
    links = shared(*anonymous_verification)
    page = APIClient().get(links["share_url"])
    assert page.status_code == 200
    assert page["X-Robots-Tag"].startswith("noindex")
    assert page["Referrer-Policy"] == "no-referrer"
    assert page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    assert "✓ Valid" in html and "Unchanged since the report" in html
    assert "BEGIN PUBLIC KEY" in html


def test_revoking_the_credential_shows_on_the_share_page_and_the_verify_endpoint(
    anonymous_verification, certificate, issuer
):
    links = shared(*anonymous_verification)
    document = APIClient().get(links["json_url"]).json()
    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="Degree withdrawn")

    check = APIClient().post("/api/v1/reports/verify/", document, format="json").json()
    assert check["signature_valid"] is True
    assert check["credential_status_then"] == "valid"
    assert check["credential_status_now"] == "revoked"
    assert check["changed"] is True
    assert "Changed: now revoked" in APIClient().get(links["share_url"]).content.decode()


def test_pdf_by_share_link_carries_the_same_signed_json(anonymous_verification):
    links = shared(*anonymous_verification)
    fresh = APIClient()
    pdf = fresh.get(links["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(pdf.content)
    assert len(document) == 1
    text = document[0].get_textpage().get_text_range()
    report_id = fresh.get(links["json_url"]).json()["report"]["report_id"]
    assert report_id in text and "Key id" in text
    attachment = document.get_attachment(0)
    assert attachment.get_name() == "certverify-report.json"
    attached = bytes(attachment.get_data())
    assert attached == fresh.get(links["json_url"]).content
    assert verifies_with_published_key(attached)


def test_deleted_report_is_gone_from_its_share_link(anonymous_verification):
    client, verification_id, token = anonymous_verification
    links = shared(client, verification_id, token)
    share_token = links["share_url"].rsplit("/", 1)[1]
    assert APIClient().delete(f"/api/v1/reports/{share_token}/").status_code == 404  # the link alone
    assert APIClient().delete(f"/api/v1/reports/{share_token}/?token=wrong").status_code == 404
    assert APIClient().delete(f"/api/v1/reports/{share_token}/?token={token}").status_code == 204
    for url in links.values():
        assert APIClient().get(url).status_code == 404
    report = VerificationReport.objects.get()
    assert report.deleted_at is not None and report.body == "" and report.signature == ""


def test_member_of_the_issuer_can_report_and_delete_their_own(anonymous_verification, viewer):
    _, verification_id, _ = anonymous_verification
    member = auth_client(viewer)
    response = create_report(member, verification_id)
    assert response.status_code == 201
    report = VerificationReport.objects.get()
    assert report.created_by == viewer
    assert member.delete(f"/api/v1/reports/{report.share_token}/").status_code == 204


def test_outsiders_cannot_report_on_a_verification(anonymous_verification, outsider):
    _, verification_id, _ = anonymous_verification
    assert create_report(auth_client(outsider), verification_id).status_code == 404
    assert create_report(APIClient(), verification_id, "wrong-token").status_code == 404
    assert create_report(APIClient(), verification_id).status_code == 404
    assert not VerificationReport.objects.exists()


def test_another_organizations_member_cannot_delete_a_report(anonymous_verification, outsider):
    links = shared(*anonymous_verification)
    share_token = links["share_url"].rsplit("/", 1)[1]
    assert auth_client(outsider).delete(f"/api/v1/reports/{share_token}/").status_code == 404
    assert APIClient().get(links["share_url"]).status_code == 200


def test_unknown_share_token_is_404():
    assert APIClient().get("/r/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert APIClient().get("/r/AAAAAAAAAAAAAAAAAAAAAA/report.json").status_code == 404


def test_published_keys_keep_a_rotated_key_and_its_reports_still_verify(anonymous_verification, settings):
    links = shared(*anonymous_verification)
    old = APIClient().get(links["json_url"]).json()
    settings.REPORT_SIGNING_KEY = base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode()
    keys = APIClient().get("/api/v1/public/report-keys/").json()["keys"]
    assert len(keys) == 2 and {k["alg"] for k in keys} == {"Ed25519"}
    assert old["signature"]["key_id"] in {k["key_id"] for k in keys}
    assert all(k["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----") for k in keys)
    assert APIClient().post("/api/v1/reports/verify/", old, format="json").json()["signature_valid"]
    new = APIClient().get(shared(*anonymous_verification)["json_url"]).json()
    assert new["signature"]["key_id"] != old["signature"]["key_id"]
    assert keys[0]["key_id"] == new["signature"]["key_id"]


def test_embedded_default_key_is_stored_encrypted_and_reused(anonymous_verification):
    shared(*anonymous_verification)
    shared(*anonymous_verification)
    assert ReportSigningKey.objects.count() == 1
    assert len(set(VerificationReport.objects.values_list("key_id", flat=True))) == 1
    stored = bytes(ReportSigningKey.objects.get().private_key_encrypted)
    assert len(stored) > 32  # Fernet-encrypted, not the raw key


def test_verify_page_and_command_check_an_uploaded_report(anonymous_verification, tmp_path):
    links = shared(*anonymous_verification)
    data = APIClient().get(links["json_url"]).content
    page = APIClient().post("/r/verify/", {"report": SimpleUploadedFile("r.json", data)}, format="multipart")
    assert page.status_code == 200 and "Genuine report" in page.content.decode()
    forged = data.replace(b'"authentic"', b'"authentiC"')
    page = APIClient().post(
        "/r/verify/", {"report": SimpleUploadedFile("r.json", forged)}, format="multipart"
    )
    assert "Not a genuine report" in page.content.decode()

    path = tmp_path / "report.json"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("verify_report", str(path), stdout=out)
    assert json.loads(out.getvalue())["signature_valid"] is True
    path.write_bytes(forged)
    with pytest.raises(CommandError):
        call_command("verify_report", str(path), stdout=io.StringIO())


def test_report_needs_a_completed_verification(certificate):
    client = APIClient()
    body = client.post(
        "/api/v1/verifications/",
        {"file": SimpleUploadedFile("cert.png", png_of(certificate))},
        format="multipart",
    ).json()  # on-commit callbacks not run: still pending
    response = create_report(client, body["id"], body["access_token"])
    assert response.status_code == 409


def test_result_page_button_makes_a_report_for_the_anonymous_requester(
    certificate, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/verify/", {"file": SimpleUploadedFile("cert.png", png_of(certificate))})
    result_url = response["Location"]
    assert "Get a signed report" in client.get(result_url).content.decode()
    verification_id = result_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(f"/r/new/{verification_id}/")
    assert response.status_code == 302
    report = VerificationReport.objects.get()
    assert response["Location"] == f"/r/{report.share_token}" and report.created_by is None
    assert APIClient().post(f"/r/new/{verification_id}/").status_code == 404  # no token in that session


def test_verify_endpoint_refuses_a_body_that_is_not_a_report():
    response = APIClient().post("/api/v1/reports/verify/", {"status": "revoked"}, format="json")
    assert response.status_code == 400
    forged = {"report": {"type": "CertVerifyVerificationReport", "version": 1}, "signature": {}}
    assert (
        APIClient().post("/api/v1/reports/verify/", forged, format="json").json()["signature_valid"] is False
    )
