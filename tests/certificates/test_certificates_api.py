import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from certificates.models import Certificate, IssuanceBatch
from certificates.rendering.qr import read_qr_texts
from certificates.signing.keys import QRStatus, verify_qr_text
from organizations.models import AuditEvent
from tests.conftest import auth_client

pytestmark = pytest.mark.django_db

ISSUE = {
    "recipient_name": "Ada Lovelace",
    "title": "MSc Computer Science",
    "issue_date": "2026-06-30",
    "grade": "A",
    "recipient_email": "ada@example.com",
}


def issue(client, org, **extra):
    response = client.post(
        "/api/v1/certificates/", {**ISSUE, "organization": org.slug, **extra}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_issue_download_public_revoke_public_shows_revoked(org, issuer, django_capture_on_commit_callbacks):
    client = auth_client(issuer)
    with django_capture_on_commit_callbacks(execute=True):
        body = issue(client, org)
    credential_id = body["credential_id"]
    assert body["status"] == "issued" and len(body["content_hash"]) == 64
    assert AuditEvent.objects.filter(action="certificate.issued", organization=org).exists()

    image = client.get(f"/api/v1/certificates/{credential_id}/image/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert "inline" in image["Content-Disposition"] and "max-age" in image["Cache-Control"]
    png = b"".join(image.streaming_content)
    assert Image.open(io.BytesIO(png)).size[0] >= 1000
    pdf = client.get(f"/api/v1/certificates/{credential_id}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]

    anonymous = APIClient()
    public = anonymous.get(f"/api/v1/public/certificates/{credential_id}/").json()
    assert public["status"] == "valid" and public["issuer"]["slug"] == org.slug
    assert "recipient_email" not in public
    page = anonymous.get(f"/verify/{credential_id}/")
    assert page.status_code == 200 and b"This certificate is valid." in page.content
    assert b'property="og:title"' in page.content and b"linkedin.com/profile/add" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        revoked = client.post(f"/api/v1/certificates/{credential_id}/revoke/", {"reason": "Plagiarism found"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    public = anonymous.get(f"/api/v1/public/certificates/{credential_id}/").json()
    assert public["status"] == "revoked" and public["status_reason"] == "Plagiarism found"
    page = anonymous.get(f"/verify/{credential_id}/")
    assert b"has been revoked" in page.content and b"Plagiarism found" in page.content


def test_qr_on_the_rendering_verifies_with_the_published_key(org, issuer, django_capture_on_commit_callbacks):
    client = auth_client(issuer)
    with django_capture_on_commit_callbacks(execute=True):
        credential_id = issue(client, org)["credential_id"]
    png = b"".join(client.get(f"/api/v1/certificates/{credential_id}/image/").streaming_content)
    texts = read_qr_texts(Image.open(io.BytesIO(png)))
    assert len(texts) == 1 and f"/verify/{credential_id}/" in texts[0]
    keys = APIClient().get(f"/api/v1/public/organizations/{org.slug}/keys/").json()["keys"]
    public_keys = {k["key_id"]: k["public_key"] for k in keys}
    fields, status = verify_qr_text(texts[0], public_keys)
    assert status == QRStatus.VALID and fields["name"] == "Ada Lovelace" and fields["cid"] == credential_id
    cert = Certificate.objects.get(credential_id=credential_id)
    assert fields["hash"] == cert.content_hash


def test_issue_validates_fields_and_never_accepts_status_or_hash(org, issuer):
    client = auth_client(issuer)
    response = client.post(
        "/api/v1/certificates/",
        {"organization": org.slug, "recipient_name": "", "title": "X", "issue_date": "31/12/2026"},
        format="json",
    )
    assert response.status_code == 400
    assert {"recipient_name", "issue_date"} <= set(response.json()["error"]["fields"])
    response = client.post(
        "/api/v1/certificates/", {**ISSUE, "organization": org.slug, "expiry_date": "2020-01-01"}
    )
    assert response.status_code == 400 and "expiry_date" in response.json()["error"]["fields"]
    body = issue(client, org, status="revoked", content_hash="0" * 64, merkle_proof=[{"x": 1}])
    assert body["status"] == "issued" and body["content_hash"] != "0" * 64 and body["merkle_proof"] is None


def test_external_id_makes_single_issue_idempotent(org, issuer):
    client = auth_client(issuer)
    first = issue(client, org, external_id="sis-42")
    again = client.post("/api/v1/certificates/", {**ISSUE, "organization": org.slug, "external_id": "sis-42"})
    assert again.status_code == 200 and again.json()["credential_id"] == first["credential_id"]
    assert Certificate.objects.filter(external_id="sis-42").count() == 1


def test_viewer_cannot_issue_or_revoke(org, viewer, issuer):
    credential_id = issue(auth_client(issuer), org)["credential_id"]
    client = auth_client(viewer)
    assert client.post("/api/v1/certificates/", {**ISSUE, "organization": org.slug}).status_code == 403
    assert client.post(f"/api/v1/certificates/{credential_id}/revoke/", {"reason": "x"}).status_code == 403
    assert client.get(f"/api/v1/certificates/{credential_id}/").status_code == 200


def test_outsider_cannot_issue_into_another_organization(org, outsider):
    response = auth_client(outsider).post("/api/v1/certificates/", {**ISSUE, "organization": org.slug})
    assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_unrevoke_within_grace_and_reissue_links_the_superseded(org, issuer, admin_user):
    credential_id = issue(auth_client(issuer), org)["credential_id"]
    admin = auth_client(admin_user)
    admin.post(f"/api/v1/certificates/{credential_id}/revoke/", {"reason": "mistake"})
    assert admin.post(f"/api/v1/certificates/{credential_id}/unrevoke/").json()["status"] == "issued"
    reissued = admin.post(f"/api/v1/certificates/{credential_id}/reissue/", {"recipient_name": "Ada King"})
    assert reissued.status_code == 201
    new = reissued.json()
    assert new["supersedes"] == credential_id and new["recipient_name"] == "Ada King"
    old = admin.get(f"/api/v1/certificates/{credential_id}/").json()
    assert old["status"] == "revoked" and new["credential_id"] in old["status_reason"]


def test_expired_certificate_is_never_shown_valid(org, issuer):
    body = issue(auth_client(issuer), org, issue_date="2020-01-01", expiry_date="2021-01-01")
    assert body["status"] == "expired"
    public = APIClient().get(f"/api/v1/public/certificates/{body['credential_id']}/").json()
    assert public["status"] == "expired"


def test_mistyped_credential_id_is_recognised_on_the_public_page(org, issuer):
    credential_id = issue(auth_client(issuer), org)["credential_id"]
    typo = credential_id[:-3] + ("A" if credential_id[-3] != "A" else "B") + credential_id[-2:]
    assert APIClient().get(f"/api/v1/public/certificates/{typo}/").status_code == 404
    # lower case and missing dashes are the same id
    relaxed = credential_id.lower().replace("-", "")
    assert APIClient().get(f"/api/v1/public/certificates/{relaxed}/").json()["credential_id"] == credential_id


def test_search_and_filters_and_csv_export(org, issuer):
    client = auth_client(issuer)
    issue(client, org, recipient_name="Grace Hopper", title="Compilers")
    issue(
        client,
        org,
        recipient_name="Alan Turing",
        title="Cryptography",
        issue_date="2020-01-01",
        expiry_date="2021-01-01",
    )
    assert [c["recipient_name"] for c in client.get("/api/v1/certificates/?q=hopp").json()["results"]] == [
        "Grace Hopper"
    ]
    assert client.get("/api/v1/certificates/?q=crypto").json()["count"] == 1
    assert (
        client.get("/api/v1/certificates/?status=expired").json()["results"][0]["recipient_name"]
        == "Alan Turing"
    )
    nul = client.get("/api/v1/certificates/?q=%00")  # a NUL byte is a clear 400, never a 500
    assert nul.status_code == 400 and "q" in nul.json()["error"]["fields"]
    export = client.get("/api/v1/certificates/export/?q=grace")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][0] == "credential_id" and len(rows) == 2 and rows[1][2] == "Grace Hopper"


BULK_CSV = """recipient_name,title,issue_date,recipient_email,external_id,grade,meta_credits
Ada Lovelace,Analytical Engines,2026-01-10,ada@example.com,s-1,A,30
Bob Bad Date,Math,2026-13-45,bob@example.com,s-2,B,5
,Missing Name,2026-01-10,x@example.com,s-3,C,5
Carol Dup,Chemistry,2026-01-10,carol@example.com,s-1,A,5
Dan Email,Databases,2026-01-10,not-an-email,s-4,B,5
Eve Good,Economics,2026-01-11,eve@example.com,s-5,A,10
"""


def test_bulk_csv_issues_exactly_the_good_rows_with_a_per_row_error_report(
    org, issuer, django_capture_on_commit_callbacks
):
    client = auth_client(issuer)
    upload = SimpleUploadedFile("students.csv", BULK_CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/certificates/bulk/", {"organization": org.slug, "file": upload}, format="multipart"
        )
    assert response.status_code == 202
    batch = client.get(f"/api/v1/issuance-batches/{response.json()['id']}/").json()
    assert batch["status"] == "completed" and batch["progress_percent"] == 100
    assert (batch["total_rows"], batch["issued_count"], batch["failed_count"]) == (6, 2, 4)
    errors = {(e["row"], e["column"]) for e in batch["errors"]}
    assert errors == {(3, "issue_date"), (4, "recipient_name"), (5, "external_id"), (6, "recipient_email")}
    assert set(Certificate.objects.values_list("external_id", flat=True)) == {"s-1", "s-5"}
    assert Certificate.objects.get(external_id="s-1").metadata == {"credits": "30"}
    report = client.get(batch["error_report_url"]).content.decode()
    assert (
        report.splitlines()[0].startswith("row,column,message,recipient_name,") and "not-an-email" in report
    )

    # The same file again issues nothing new and answers with the same batch.
    again = SimpleUploadedFile("students.csv", BULK_CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/certificates/bulk/", {"organization": org.slug, "file": again}, format="multipart"
        )
    assert response.status_code == 202 and response.json()["id"] == batch["id"]
    # A different file reusing issued external ids skips them.
    edited = BULK_CSV + "Fay New,Finance,2026-01-12,fay@example.com,s-6,A,5\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/certificates/bulk/",
            {
                "organization": org.slug,
                "file": SimpleUploadedFile("students2.csv", edited.encode(), content_type="text/csv"),
            },
            format="multipart",
        )
    second = IssuanceBatch.objects.get(pk=response.json()["id"])
    assert (second.issued_count, second.skipped_count) == (1, 2)
    assert Certificate.objects.count() == 3


def test_bulk_rejects_a_file_without_required_columns(org, issuer):
    upload = SimpleUploadedFile("bad.csv", b"name,course\nA,B\n", content_type="text/csv")
    response = auth_client(issuer).post(
        "/api/v1/certificates/bulk/", {"organization": org.slug, "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "recipient_name" in response.json()["error"]["fields"]["file"][0]
    assert not IssuanceBatch.objects.exists()
