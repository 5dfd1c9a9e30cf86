"""Certificate pages of the portal: list, export, detail and lifecycle, issue form and preview, bulk
issuance with its progress endpoint, templates and the dashboard tiles. Each page is checked for an
owner, an issuer, a viewer and an outsider (a member of another organization, who gets 404s)."""

import csv
import datetime as dt
import io
import json
import zipfile
from unittest.mock import ANY

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from certificates.lifecycle.services import certificate_issue, certificate_revoke
from certificates.models import Certificate, CertificateTemplate, IssuanceBatch
from organizations.access import Actor
from organizations.models import AuditEvent

from .conftest import signed_in

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "recipient_name,title,issue_date,grade,external_id\n"
    "Ada Lovelace,MSc Computer Science,2026-06-30,A,r-1\n"
    "Alan Turing,MSc Computer Science,30/02/2026,B,r-2\n"
    "Grace Hopper,MSc Computer Science,2026-06-30,A,r-3\n"
)


def issue(org, user, name="Ada Lovelace", **extra):
    fields = {"title": "MSc Computer Science", "issue_date": dt.date(2026, 6, 30), **extra}
    return certificate_issue(actor=Actor(user=user), organization=org, recipient_name=name, **fields)


@pytest.fixture
def issuer_client(issuer):
    return signed_in(issuer)


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


@pytest.fixture
def certificate(org, issuer):
    return issue(org, issuer, recipient_email="ada@example.edu", grade="A")


@pytest.fixture
def foreign_certificate(other_org, outsider):
    return issue(other_org, outsider, name="Outsider Person")


def detail_url(certificate) -> str:
    return f"/portal/certificates/{certificate.credential_id}/"


# --- List, search, export ---------------------------------------------------------------------------


def test_list_shows_this_organizations_certificates_only(owner_client, certificate, foreign_certificate):
    body = owner_client.get("/portal/certificates/").content.decode()
    assert certificate.credential_id in body and "Ada Lovelace" in body
    assert foreign_certificate.credential_id not in body


def test_outsider_sees_none_of_them(outsider_client, certificate):
    body = outsider_client.get("/portal/certificates/").content.decode()
    assert certificate.credential_id not in body


def test_search_status_and_date_filters(viewer_client, org, issuer):
    ada = issue(org, issuer, "Ada Lovelace")
    alan = issue(org, issuer, "Alan Turing", issue_date=dt.date(2025, 1, 10))
    certificate_revoke(actor=Actor(user=issuer), certificate=alan, reason="Issued in error")

    body = viewer_client.get("/portal/certificates/?q=lovelace").content.decode()
    assert ada.credential_id in body and alan.credential_id not in body
    body = viewer_client.get("/portal/certificates/?status=revoked").content.decode()
    assert alan.credential_id in body and ada.credential_id not in body
    body = viewer_client.get("/portal/certificates/?issued_after=2026-01-01").content.decode()
    assert ada.credential_id in body and alan.credential_id not in body
    body = viewer_client.get(f"/portal/certificates/?q={ada.credential_id.lower()}").content.decode()
    assert ada.credential_id in body and alan.credential_id not in body


def test_contradictory_dates_are_explained_next_to_the_field(viewer_client):
    response = viewer_client.get("/portal/certificates/?issued_after=2026-02-01&issued_before=2026-01-01")
    assert response.status_code == 200
    assert "before the “Issued from” date" in response.content.decode()


def test_empty_list_invites_an_issuer_to_issue(issuer_client, viewer_client):
    assert "Issue a certificate" in issuer_client.get("/portal/certificates/").content.decode()
    body = viewer_client.get("/portal/certificates/").content.decode()
    assert "No certificates yet" in body and 'href="/portal/certificates/new/"' not in body


def test_list_queries_do_not_grow_with_60_certificates(
    owner_client, org, issuer, django_assert_max_num_queries
):
    for i in range(5):
        issue(org, issuer, f"Student {i}")
    owner_client.get("/portal/")  # stores the current organization in the session
    with django_assert_max_num_queries(10) as small:
        assert owner_client.get("/portal/certificates/").status_code == 200
    for i in range(55):
        issue(org, issuer, f"Student {i + 5}")
    with django_assert_max_num_queries(10) as large:
        response = owner_client.get("/portal/certificates/")
    assert response.content.count(b'data-label="Credential id"') == 25
    assert b"of 60" in response.content
    assert len(large.captured_queries) == len(small.captured_queries)


def test_export_is_the_filtered_list_as_csv(viewer_client, org, issuer, foreign_certificate):
    issue(org, issuer, "Ada Lovelace")
    issue(org, issuer, "Alan Turing")
    response = viewer_client.get("/portal/certificates/export.csv?q=turing")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["recipient_name"] for row in rows] == ["Alan Turing"]
    assert rows[0]["effective_status"] == "issued"
    everything = b"".join(viewer_client.get("/portal/certificates/export.csv").streaming_content).decode()
    assert foreign_certificate.credential_id not in everything


def test_export_never_hands_a_spreadsheet_a_formula(viewer_client, org, issuer):
    issue(org, issuer, '=HYPERLINK("http://evil.example","Click")')
    body = b"".join(viewer_client.get("/portal/certificates/export.csv").streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["recipient_name"].startswith("'=HYPERLINK")


# --- Detail and lifecycle ------------------------------------------------------------------------------


def test_detail_shows_fields_anchor_qr_and_history(viewer_client, certificate):
    body = viewer_client.get(detail_url(certificate)).content.decode()
    assert certificate.credential_id in body and "ada@example.edu" in body
    assert "Not anchored yet" in body
    assert (
        "QR code" in body
        and certificate.signing_key.key_id in body
        and "The certificate’s content hash" in body
    )
    assert "Not checked yet" in body
    assert "Revoke the certificate" not in body  # a viewer gets no actions


def test_outsider_gets_404_for_every_certificate_page(outsider_client, certificate):
    cid = certificate.credential_id
    for path in ["", "image.png", "certificate.pdf", "reissue/"]:
        assert outsider_client.get(f"/portal/certificates/{cid}/{path}").status_code == 404
    for action in ["revoke", "suspend", "unsuspend", "unrevoke", "reissue"]:
        response = outsider_client.post(f"/portal/certificates/{cid}/{action}/", {"revoke-reason": "x"})
        assert response.status_code in (403, 404)
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_rendering_is_served_as_png(viewer_client, certificate):
    response = viewer_client.get(f"{detail_url(certificate)}image.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (2000, 1414)


def test_revoke_needs_a_reason_then_revokes(issuer_client, certificate):
    response = issuer_client.post(f"{detail_url(certificate)}revoke/", {"revoke-reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == "issued"

    response = issuer_client.post(f"{detail_url(certificate)}revoke/", {"revoke-reason": "Degree withdrawn"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.status_reason == "Degree withdrawn"
    assert AuditEvent.objects.filter(action="certificate.revoked", target_id=str(certificate.pk)).exists()
    body = issuer_client.get(detail_url(certificate)).content.decode()
    assert "This certificate is revoked" in body and "Degree withdrawn" in body


def test_revoking_twice_is_a_clear_error(issuer_client, certificate, issuer):
    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="first")
    response = issuer_client.post(
        f"{detail_url(certificate)}revoke/", {"revoke-reason": "again"}, follow=True
    )
    assert "already revoked" in response.content.decode()


def test_viewer_cannot_revoke(viewer_client, certificate):
    response = viewer_client.post(f"{detail_url(certificate)}revoke/", {"revoke-reason": "x"})
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_only_admins_undo_a_revocation(issuer_client, admin_client, certificate, issuer):
    certificate_revoke(actor=Actor(user=issuer), certificate=certificate, reason="mistake")
    assert "Undo the revocation" not in issuer_client.get(detail_url(certificate)).content.decode()
    assert issuer_client.post(f"{detail_url(certificate)}unrevoke/").status_code == 403
    assert "Undo the revocation" in admin_client.get(detail_url(certificate)).content.decode()
    assert admin_client.post(f"{detail_url(certificate)}unrevoke/").status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_suspend_and_lift(issuer_client, certificate):
    issuer_client.post(f"{detail_url(certificate)}suspend/", {"suspend-reason": "Under review"})
    certificate.refresh_from_db()
    assert certificate.status == "suspended" and certificate.status_reason == "Under review"
    issuer_client.post(f"{detail_url(certificate)}unsuspend/")
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_reissue_links_the_new_certificate_and_revokes_the_old(issuer_client, certificate):
    page = issuer_client.get(f"{detail_url(certificate)}reissue/").content.decode()
    assert 'value="Ada Lovelace"' in page
    response = issuer_client.post(
        f"{detail_url(certificate)}reissue/",
        {
            "recipient_name": "Ada King",
            "title": "MSc Computer Science",
            "issue_date": "2026-06-30",
            "grade": "A",
        },
    )
    new = Certificate.objects.get(supersedes=certificate)
    assert response.status_code == 302 and response["Location"] == detail_url(new)
    certificate.refresh_from_db()
    assert new.recipient_name == "Ada King" and certificate.status == "revoked"
    assert new.credential_id in issuer_client.get(detail_url(certificate)).content.decode()


# --- Issue form and preview -------------------------------------------------------------------------------


def test_issuer_issues_through_the_form(issuer_client, org):
    response = issuer_client.post(
        "/portal/certificates/new/",
        {
            "recipient_name": "Mary Somerville",
            "recipient_email": "mary@example.edu",
            "title": "Astronomy",
            "issue_date": "2026-05-01",
            "grade": "Distinction",
            "external_id": "ms-1",
        },
    )
    certificate = Certificate.objects.get(organization=org, external_id="ms-1")
    assert response.status_code == 302 and response["Location"] == detail_url(certificate)
    assert certificate.recipient_name == "Mary Somerville" and certificate.grade == "Distinction"

    again = issuer_client.post(
        "/portal/certificates/new/",
        {
            "recipient_name": "Mary Somerville",
            "title": "Astronomy",
            "issue_date": "2026-05-01",
            "external_id": "ms-1",
        },
        follow=True,
    )
    assert "issued before" in again.content.decode()
    assert Certificate.objects.filter(organization=org).count() == 1


def test_issue_form_shows_errors_and_issues_nothing(issuer_client, org):
    response = issuer_client.post(
        "/portal/certificates/new/",
        {
            "recipient_name": "",
            "title": "Astronomy",
            "issue_date": "2026-05-01",
            "expiry_date": "2026-01-01",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_recipient_name_error"' in body and "The expiry date is before the issue date." in body
    assert not Certificate.objects.filter(organization=org).exists()


def test_service_errors_appear_next_to_their_field(issuer_client, org):
    response = issuer_client.post(
        "/portal/certificates/new/",
        {
            "recipient_name": "Mary",
            "title": "Astronomy",
            "issue_date": "2099-01-01",
        },
    )
    assert "more than a year in the future" in response.content.decode()
    assert 'id="id_issue_date_error"' in response.content.decode()


def test_viewer_cannot_open_the_issue_form(viewer_client):
    assert viewer_client.get("/portal/certificates/new/").status_code == 403
    assert viewer_client.get("/portal/certificates/preview.png").status_code == 403


def test_live_preview_draws_the_forms_values(issuer_client):
    response = issuer_client.get(
        "/portal/certificates/preview.png?recipient_name=Mary+Somerville&issue_date=bad"
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.width == 1200


# --- Bulk issuance -------------------------------------------------------------------------------------------


def upload(client, content: str, name="students.csv", capture=None):
    """Upload, then issue from the preview with what it proposes."""
    data = {"file": SimpleUploadedFile(name, content.encode(), content_type="text/csv")}
    uploaded = client.post("/portal/bulk-issue/", data)
    assert uploaded.status_code == 302 and uploaded["Location"].endswith("/preview/"), uploaded
    preview = client.get(uploaded["Location"])
    choices = {name: field.initial for name, field in preview.context["form"].fields.items() if field.initial}
    with capture(execute=True):
        return client.post(uploaded["Location"], {**choices, "action": "issue"})


def test_bulk_upload_runs_the_batch_and_reports_row_errors(
    issuer_client, org, django_capture_on_commit_callbacks
):
    response = upload(issuer_client, GOOD_CSV, capture=django_capture_on_commit_callbacks)
    batch = IssuanceBatch.objects.get(organization=org)
    assert response.status_code == 302 and response["Location"] == f"/portal/batches/{batch.pk}/"

    progress = issuer_client.get(f"/portal/batches/{batch.pk}/progress/").json()
    assert progress["percent"] == 100 and progress["done"] is True
    assert (progress["issued"], progress["failed"]) == (2, 1)

    page = issuer_client.get(f"/portal/batches/{batch.pk}/").content.decode()
    assert 'value="100"' in page and "Row 3" in page and "not a real date in the form DD/MM/YYYY" in page
    assert "Alan Turing" in page  # the row's data is shown with its error
    report = issuer_client.get(f"/portal/batches/{batch.pk}/errors.csv")
    assert response.status_code == 302 and "attachment" in report["Content-Disposition"]
    assert list(csv.reader(io.StringIO(report.content.decode())))[1][:4] == [
        "3",
        "issue_date",
        ANY,
        "Alan Turing",
    ]

    listed = issuer_client.get(f"/portal/certificates/?batch={batch.pk}").content.decode()
    assert "Ada Lovelace" in listed and "Grace Hopper" in listed


def test_running_batch_page_polls_until_done(issuer_client, org, issuer):
    batch = IssuanceBatch.objects.create(
        organization=org,
        created_by=issuer,
        file_sha256="x" * 64,
        total_rows=10,
        processed_rows=4,
        status=IssuanceBatch.Status.RUNNING,
    )
    page = issuer_client.get(f"/portal/batches/{batch.pk}/").content.decode()
    assert f'data-progress-url="/portal/batches/{batch.pk}/progress/"' in page and "batch-progress.js" in page
    assert issuer_client.get(f"/portal/batches/{batch.pk}/progress/").json()["percent"] == 40


def test_same_file_twice_shows_the_first_batch(issuer_client, org, django_capture_on_commit_callbacks):
    upload(issuer_client, GOOD_CSV, capture=django_capture_on_commit_callbacks)
    response = upload(issuer_client, GOOD_CSV, capture=django_capture_on_commit_callbacks)
    assert IssuanceBatch.objects.filter(organization=org).count() == 1
    assert "was issued before" in issuer_client.get(response["Location"]).content.decode()


def test_headers_that_differ_are_mapped_in_the_preview_before_anything_is_issued(
    issuer_client, org, django_capture_on_commit_callbacks
):
    content = "Name;Course;Date;Notes\nAda Lovelace;MSc;03/04/2026;x\nAlan Turing;MSc;2026-06-30;y\n"
    uploaded = issuer_client.post(
        "/portal/bulk-issue/", {"file": SimpleUploadedFile("s.csv", content.encode("utf-16"))}
    )
    preview = issuer_client.get(uploaded["Location"]).content.decode()
    assert "Unknown column(s): Notes" in preview  # Name, Course and Date were guessed; Notes was not
    assert not Certificate.objects.exists()
    choices = {"col_0": "recipient_name", "col_1": "title", "col_2": "issue_date", "col_3": "__ignore__"}
    page = issuer_client.post(uploaded["Location"], {**choices, "action": "preview"}).content.decode()
    assert "1 ready, 1 with errors" in page and "could be 3 April 2026 or 4 March 2026" in page
    page = issuer_client.post(uploaded["Location"], {**choices, "date_order": "dmy", "action": "preview"})
    assert "2 ready, 0 with errors" in page.content.decode() and "3 April 2026" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        issued = issuer_client.post(uploaded["Location"], {**choices, "date_order": "dmy", "action": "issue"})
    batch = IssuanceBatch.objects.get(organization=org)
    assert issued["Location"] == f"/portal/batches/{batch.pk}/" and batch.issued_count == 2
    assert Certificate.objects.get(recipient_name="Ada Lovelace").issue_date.isoformat() == "2026-04-03"
    assert issuer_client.get(uploaded["Location"]).status_code == 404  # the draft is now a batch

    with django_capture_on_commit_callbacks(execute=True):
        issuer_client.post(f"/portal/batches/{batch.pk}/archive/")
    detail = issuer_client.get(f"/portal/batches/{batch.pk}/").content.decode()
    assert "Download the ZIP (2 PDFs)" in detail
    archive = issuer_client.get(f"/portal/batches/{batch.pk}/archive.zip")
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()) == 2


def test_bulk_issue_page_documents_the_columns(issuer_client):
    body = issuer_client.get("/portal/bulk-issue/").content.decode()
    for column in ["recipient_name", "issue_date", "external_id", "meta_&lt;name&gt;"]:
        assert column in body
    assert issuer_client.get("/portal/bulk-issue/example.csv")["Content-Type"].startswith("text/csv")


def test_viewer_cannot_bulk_issue_and_outsider_cannot_see_batches(
    viewer_client, outsider_client, issuer_client, org, django_capture_on_commit_callbacks
):
    assert viewer_client.get("/portal/bulk-issue/").status_code == 403
    upload(issuer_client, GOOD_CSV, capture=django_capture_on_commit_callbacks)
    batch = IssuanceBatch.objects.get(organization=org)
    for path in ["", "progress/", "errors.csv"]:
        assert outsider_client.get(f"/portal/batches/{batch.pk}/{path}").status_code == 404
    assert viewer_client.get(f"/portal/batches/{batch.pk}/").status_code == 200


# --- Templates -------------------------------------------------------------------------------------------------


def png_bytes(size=(400, 283), colour=(240, 230, 210)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_admin_creates_a_template_with_background_and_layout(admin_client, org):
    layout = {"elements": {"heading": {"text": "Certificate of Excellence"}}}
    response = admin_client.post(
        "/portal/templates/new/",
        {
            "name": "Gold",
            "layout": json.dumps(layout),
            "background": SimpleUploadedFile("bg.png", png_bytes(), content_type="image/png"),
        },
    )
    template = CertificateTemplate.objects.get(organization=org, name="Gold")
    assert response.status_code == 302 and response["Location"] == f"/portal/templates/{template.pk}/"
    assert template.layout == layout and template.background.name.endswith(".png")
    assert AuditEvent.objects.filter(action="template.created", organization=org).exists()
    preview = admin_client.get(f"/portal/templates/{template.pk}/preview.png")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert "Gold" in admin_client.get("/portal/templates/").content.decode()


def test_template_layout_errors_are_shown_on_the_layout_field(admin_client, org):
    response = admin_client.post("/portal/templates/new/", {"name": "Bad", "layout": "{not json"})
    assert response.status_code == 400 and "This is not valid JSON" in response.content.decode()
    response = admin_client.post(
        "/portal/templates/new/",
        {
            "name": "Bad",
            "layout": json.dumps({"elements": {"qr": {"x": 99999}}}),
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and 'id="id_layout_error"' in body and "elements.qr.x" in body
    assert not CertificateTemplate.objects.filter(organization=org).exists()


def test_live_template_preview_returns_png_or_the_layout_errors(admin_client):
    ok = admin_client.post("/portal/templates/preview.png", {"layout": "{}"})
    assert ok.status_code == 200 and ok["Content-Type"] == "image/png"
    bad = admin_client.post("/portal/templates/preview.png", {"layout": '{"elements": {"qr": {"size": 5}}}'})
    assert bad["Content-Type"] == "application/json" and "elements.qr.size" in bad.json()["errors"][0]


def test_admin_edits_a_template_and_issuers_and_outsiders_cannot(
    admin_client, issuer_client, outsider_client, org, admin_user
):
    from certificates.designs.services import template_create

    template = template_create(actor=Actor(user=admin_user), organization=org, name="Plain", layout={})
    assert issuer_client.get("/portal/templates/").status_code == 403
    assert outsider_client.get(f"/portal/templates/{template.pk}/").status_code == 404
    assert outsider_client.get(f"/portal/templates/{template.pk}/preview.png").status_code == 404
    response = admin_client.post(f"/portal/templates/{template.pk}/", {"name": "Plain v2", "layout": "{}"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "Plain v2"


def test_issue_form_offers_the_organizations_templates(issuer_client, org, admin_user, other_org, outsider):
    from certificates.designs.services import template_create

    ours = template_create(actor=Actor(user=admin_user), organization=org, name="Ours", layout={})
    theirs = template_create(actor=Actor(user=outsider), organization=other_org, name="Theirs", layout={})
    body = issuer_client.get("/portal/certificates/new/").content.decode()
    assert f'value="{ours.pk}"' in body and "Theirs" not in body
    issuer_client.post(
        "/portal/certificates/new/",
        {"recipient_name": "Ada", "title": "MSc", "issue_date": "2026-06-30", "template": str(theirs.pk)},
    )
    assert not Certificate.objects.filter(template=theirs).exists()


# --- Dashboard -------------------------------------------------------------------------------------------------


def test_dashboard_counts_certificates_and_suggests_issuing(owner_client, org, issuer):
    assert "Issue your first certificate" in owner_client.get("/portal/").content.decode()
    issue(org, issuer)
    body = owner_client.get("/portal/").content.decode()
    assert "Certificates issued" in body and "1 in the last 30 days" in body
    assert 'id="verifications-chart"' in body


def test_the_gallery_offers_landscape_and_portrait_designs_that_open_in_the_editor(admin_client, org):
    from certificates.designs.gallery import GALLERY
    from certificates.rendering.layout import layout_schema_errors

    page = admin_client.get("/portal/templates/").content.decode()
    assert {design.orientation for design in GALLERY} == {"landscape", "portrait"} and len(GALLERY) >= 4
    for design in GALLERY:
        assert layout_schema_errors(design.layout) == []
        assert f"?start={design.key}" in page
    preview = admin_client.get("/portal/templates/gallery/portrait-classic.png")
    width, height = Image.open(io.BytesIO(preview.content)).size
    assert preview["Content-Type"] == "image/png" and height > width  # drawn upright
    editor = admin_client.get("/portal/templates/new/?start=modern")
    assert json.loads(editor.context["form"].initial["layout"])["colors"]["primary"] == "#0f4c5c"
    response = admin_client.post(
        "/portal/templates/new/", {"name": "Modern", "layout": editor.context["form"].initial["layout"]}
    )
    assert response.status_code == 302
    assert (
        CertificateTemplate.objects.get(organization=org, name="Modern").layout["elements"]["seal"]["x"]
        == 1640
    )


def test_an_uploaded_logo_and_signature_print_where_the_layout_places_them_and_stay_on_issued_certificates(
    admin_client, org, admin_user
):
    from certificates.lifecycle.services import certificate_issue
    from certificates.rendering.services import certificate_render

    layout = {
        "elements": {
            "logo": {"x": 1700, "y": 150, "width": 160, "height": 160},
            "signature": {"name": "Dr Ada Byron"},
        }
    }
    response = admin_client.post(
        "/portal/templates/new/",
        {
            "name": "With logo",
            "layout": json.dumps(layout),
            "logo": SimpleUploadedFile(
                "logo.png", png_bytes((200, 200), (200, 20, 20)), content_type="image/png"
            ),
            "signature_image": SimpleUploadedFile(
                "sig.png", png_bytes((300, 100), (20, 20, 160)), content_type="image/png"
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    template = CertificateTemplate.objects.get(organization=org, name="With logo")
    certificate = certificate_issue(
        actor=Actor(user=admin_user), organization=org, recipient_name="Ada", title="MSc",
        issue_date=dt.date(2026, 6, 30), template=template,
    )  # fmt: skip
    png = Image.open(certificate_render(certificate=certificate, force=True).image).convert("RGB")
    assert png.getpixel((1780, 230)) == (200, 20, 20)  # the logo, where it was placed
    assert png.getpixel((210 + 220, 1150 - 70)) == (20, 20, 160)  # the signature, above its line

    admin_client.post(
        f"/portal/templates/{template.pk}/",
        {
            "name": "With logo",
            "layout": json.dumps(layout),
            "logo": SimpleUploadedFile(
                "logo2.png", png_bytes((200, 200), (20, 160, 20)), content_type="image/png"
            ),
        },
    )
    certificate.refresh_from_db()
    again = Image.open(certificate_render(certificate=certificate, force=True).image).convert("RGB")
    assert again.getpixel((1780, 230)) == (200, 20, 20)  # the issued certificate keeps its version's logo
