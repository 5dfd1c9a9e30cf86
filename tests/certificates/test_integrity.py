"""An issued certificate is an immutable record: its stored fields always hash to its content hash,
and nothing (admin, API, model, queryset) changes them afterwards. Corrections are reissues."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.errors import CertificateError
from certificates.lifecycle.hashing import canonical_fields, content_hash
from certificates.lifecycle.services import certificate_issue, certificate_reissue, certificate_revoke
from certificates.models import ISSUED_FIELDS, Certificate, IssuanceBatch
from certificates.signing.keys import verify_qr_text
from organizations.access import Actor
from organizations.models import AuditEvent
from tests.conftest import auth_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MESSY = {  # values normalization must reach the stored columns the same way it reaches the hash
    "recipient_name": "  Ada\u00a0 Lovelace ",
    "recipient_email": "Ada@Example.COM",
    "title": "MSc  Computer Science",
    "issue_date": "2026-06-30",
    "expiry_date": "2031-06-30",
    "grade": " A ",
    "metadata": {"credits": "  90 ", "honours": True},
}
BULK_CSV = """recipient_name,title,issue_date,recipient_email,expiry_date,grade,external_id,meta_credits
  Ada  Lovelace ,Mathematics,2026-01-10,ADA@example.com,2030-01-10, First ,s-1,30
Alan Turing,Computing  Science,2026-01-11,,,,s-2,
"""


def assert_hash_matches_fields(certificate: Certificate) -> None:
    """Recompute the canonical fields from the stored columns; they and their hash must match."""
    certificate = Certificate.objects.select_related("organization", "signing_key").get(pk=certificate.pk)
    fields = canonical_fields(
        credential_id=certificate.credential_id,
        organization_slug=certificate.organization.slug,
        recipient_name=certificate.recipient_name,
        recipient_email=certificate.recipient_email,
        title=certificate.title,
        issue_date=certificate.issue_date,
        expiry_date=certificate.expiry_date,
        grade=certificate.grade,
        metadata=certificate.metadata,
    )
    assert certificate.canonical_fields == fields
    assert certificate.content_hash == content_hash(fields)
    signed, status = verify_qr_text(
        certificate.qr_text, {certificate.signing_key.key_id: certificate.signing_key.public_key_b64}
    )
    assert status == "valid" and signed["hash"] == certificate.content_hash


@pytest.fixture
def issued(org, issuer) -> Certificate:
    return certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc Computer Science",
        issue_date=dt.date(2026, 6, 30),
        recipient_email="ada@example.com",
        grade="A",
    )


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


# --- every issuing path stores fields that hash to the stored hash --------------------------------


def test_a_single_issue_stores_fields_that_hash_to_its_content_hash(org, issuer):
    response = auth_client(issuer).post(
        "/api/v1/certificates/", {**MESSY, "organization": org.slug, "external_id": "x-1"}, format="json"
    )

    assert response.status_code == 201
    certificate = Certificate.objects.get(credential_id=response.json()["credential_id"])
    assert certificate.recipient_name == "Ada Lovelace"
    assert_hash_matches_fields(certificate)


def test_a_bulk_issue_stores_fields_that_hash_to_each_content_hash(
    org, issuer, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("students.csv", BULK_CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(issuer).post(
            "/api/v1/certificates/bulk/", {"organization": org.slug, "file": upload}, format="multipart"
        )

    assert response.status_code == 202
    assert IssuanceBatch.objects.get().issued_count == 2
    for certificate in Certificate.objects.all():
        assert_hash_matches_fields(certificate)


def test_a_reissue_stores_fields_that_hash_to_its_content_hash_and_keeps_the_old_one(issued, issuer):
    client = auth_client(issuer)
    changes = {"recipient_name": " Ada  King ", "recipient_email": "ADA@king.example", "grade": ""}
    response = client.post(f"/api/v1/certificates/{issued.credential_id}/reissue/", changes, format="json")

    assert response.status_code == 201
    new = Certificate.objects.get(credential_id=response.json()["credential_id"])
    assert (new.recipient_name, new.supersedes_id) == ("Ada King", issued.pk)
    assert_hash_matches_fields(new)
    assert_hash_matches_fields(issued)


def test_status_changes_leave_the_fields_and_their_hash_as_issued(issued, issuer):
    before = Certificate.objects.filter(pk=issued.pk).values().get()
    certificate_revoke(actor=Actor(user=issuer), certificate=issued, reason="Issued in error")

    after = Certificate.objects.filter(pk=issued.pk).values().get()
    assert after["status"] == "revoked"
    columns = [Certificate._meta.get_field(name).attname for name in ISSUED_FIELDS]
    assert {c: after[c] for c in columns} == {c: before[c] for c in columns}
    assert_hash_matches_fields(issued)


# --- the Django admin shows certificates and cannot change, add or delete them --------------------


def test_the_admin_change_form_cannot_change_a_recipient_name(superuser_client, issued):
    url = f"/admin/certificates/certificate/{issued.pk}/change/"
    form = {
        "recipient_name": "Mallory",
        "recipient_email": issued.recipient_email,
        "title": issued.title,
        "issue_date": issued.issue_date.isoformat(),
        "grade": issued.grade,
        "metadata": "{}",
        "status": issued.status,
        "_save": "Save",
    }

    response = superuser_client.post(url, form)

    issued.refresh_from_db()
    assert issued.recipient_name == "Ada Lovelace"
    assert_hash_matches_fields(issued)
    assert response.status_code == 403


def test_the_admin_shows_a_certificate_and_points_to_reissue_for_corrections(superuser_client, issued):
    response = superuser_client.get(f"/admin/certificates/certificate/{issued.pk}/change/")

    body = response.content.decode()
    assert response.status_code == 200 and issued.credential_id in body
    assert "/api/v1/certificates/&lt;credential_id&gt;/reissue/" in body
    assert 'name="recipient_name"' not in body  # shown as text, not as an input


def test_the_admin_offers_no_way_to_add_or_delete_a_certificate(superuser_client, issued):
    add = superuser_client.post("/admin/certificates/certificate/add/", {"recipient_name": "Mallory"})
    delete = superuser_client.post(
        f"/admin/certificates/certificate/{issued.pk}/delete/", {"post": "yes"}, follow=False
    )
    bulk_delete = superuser_client.post(
        "/admin/certificates/certificate/",
        {"action": "delete_selected", "_selected_action": [issued.pk], "post": "yes"},
    )
    changelist = superuser_client.get("/admin/certificates/certificate/")

    assert add.status_code == 403 and delete.status_code == 403
    assert bulk_delete.status_code in (200, 302)
    assert Certificate.objects.filter(pk=issued.pk).exists() and Certificate.objects.count() == 1
    assert changelist.status_code == 200 and "delete_selected" not in changelist.content.decode()


def test_the_admin_cannot_add_or_change_an_issuance_batch(superuser_client, org, issuer, monkeypatch):
    from certificates.batches.services import batch_start

    monkeypatch.setattr("certificates.batches.services._enqueue", lambda batch_id: None)
    batch, _ = batch_start(actor=Actor(user=issuer), organization=org, data=BULK_CSV.encode())
    url = f"/admin/certificates/issuancebatch/{batch.pk}/change/"

    assert superuser_client.get(url).status_code == 200
    assert superuser_client.post(url, {"status": "pending", "total_rows": 99}).status_code == 403
    assert superuser_client.post("/admin/certificates/issuancebatch/add/", {}).status_code == 403
    batch.refresh_from_db()
    assert batch.total_rows == 2


def test_the_admin_cannot_change_an_organizations_slug_which_every_hash_contains(
    superuser_client, org, issued
):
    url = f"/admin/organizations/organization/{org.pk}/change/"
    form = {
        "name": org.name,
        "slug": "renamed",
        "country": org.country,
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "_save": "Save",
    }

    response = superuser_client.post(url, form)

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.slug != "renamed"
    assert_hash_matches_fields(issued)


# --- no other path writes an issued field ---------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_has_no_edit_or_delete_for_a_certificate(issued, owner, method):
    client = auth_client(owner)
    response = getattr(client, method)(
        f"/api/v1/certificates/{issued.credential_id}/", {"recipient_name": "Mallory"}, format="json"
    )

    assert response.status_code == 405
    issued.refresh_from_db()
    assert issued.recipient_name == "Ada Lovelace"


def test_saving_a_changed_issued_field_is_refused(issued):
    issued.recipient_name = "Mallory"

    with pytest.raises(CertificateError) as refused:
        issued.save()

    assert (refused.value.code, refused.value.field) == ("certificate_immutable", "recipient_name")
    assert Certificate.objects.get(pk=issued.pk).recipient_name == "Ada Lovelace"


def test_saving_with_update_fields_naming_an_issued_field_is_refused(issued):
    issued.content_hash = "0" * 64

    with pytest.raises(CertificateError):
        issued.save(update_fields=["content_hash", "updated_at"])

    assert_hash_matches_fields(issued)


def test_saving_an_unchanged_certificate_is_allowed(issued):
    issued.status_reason = "noted"
    issued.save()

    assert Certificate.objects.get(pk=issued.pk).status_reason == "noted"


@pytest.mark.parametrize(
    "changes",
    [{"recipient_name": "Mallory"}, {"issue_date": dt.date(2020, 1, 1)}, {"canonical_fields": {}}],
)
def test_queryset_updates_of_issued_fields_are_refused(issued, changes):
    with pytest.raises(CertificateError):
        Certificate.objects.filter(pk=issued.pk).update(**changes)

    assert_hash_matches_fields(issued)


def test_bulk_updates_of_issued_fields_are_refused(issued):
    issued.title = "PhD"

    with pytest.raises(CertificateError):
        Certificate.objects.bulk_update([issued], ["title"])

    assert Certificate.objects.get(pk=issued.pk).title == "MSc Computer Science"


def test_a_certificate_is_never_deleted(issued):
    with pytest.raises(CertificateError):
        issued.delete()
    with pytest.raises(CertificateError):
        Certificate.objects.filter(pk=issued.pk).delete()

    assert Certificate.objects.filter(pk=issued.pk).exists()


def test_a_reissue_remains_the_audited_way_to_correct_a_certificate(issued, issuer):
    new = certificate_reissue(actor=Actor(user=issuer), certificate=issued, recipient_name="Ada King")

    assert AuditEvent.objects.filter(action="certificate.reissued", target_id=str(new.pk)).exists()
    issued.refresh_from_db()
    assert (issued.recipient_name, issued.status, new.supersedes_id) == ("Ada Lovelace", "revoked", issued.pk)
