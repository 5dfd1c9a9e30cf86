"""The issuing API without traps (issue P.6): a re-sent external_id, another organization's
template, and links a client can follow as given."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.models import Certificate, CertificateTemplate
from tests.conftest import auth_client

pytestmark = pytest.mark.django_db

ISSUE = {
    "recipient_name": "Ada Lovelace",
    "title": "MSc Computer Science",
    "issue_date": "2026-06-30",
    "recipient_email": "ada@example.edu",
    "external_id": "sis-1",
    "metadata": {"student_number": "S1815"},
}


def test_a_resent_external_id_answers_200_with_the_same_data_and_409_with_the_differences(org, issuer):
    client = auth_client(issuer)
    body = {**ISSUE, "organization": org.slug}
    first = client.post("/api/v1/certificates/", body, format="json")
    assert first.status_code == 201
    # Spacing and an e-mail's case are no difference: they hash the same.
    same = client.post(
        "/api/v1/certificates/",
        {**body, "recipient_email": "ADA@example.edu", "title": " MSc Computer Science "},
        format="json",
    )
    assert same.status_code == 200 and same.json() == first.json()
    changed = client.post(
        "/api/v1/certificates/", {**body, "title": "MSc Mathematics", "metadata": {}}, format="json"
    )
    assert changed.status_code == 409
    error = changed.json()["error"]
    assert error["code"] == "external_id_conflict" and first.json()["credential_id"] in error["message"]
    assert set(error["fields"]) == {"title", "metadata"}
    assert (
        "MSc Computer Science" in error["fields"]["title"][0]
        and "MSc Mathematics" in error["fields"]["title"][0]
    )
    assert Certificate.objects.count() == 1


def test_another_organizations_template_is_a_400_naming_the_field(org, other_org, issuer):
    elsewhere = CertificateTemplate.objects.create(organization=other_org, name="Theirs", layout={})
    client = auth_client(issuer)
    single = client.post(
        "/api/v1/certificates/", {**ISSUE, "organization": org.slug, "template": elsewhere.pk}, format="json"
    )
    assert single.status_code == 400 and list(single.json()["error"]["fields"]) == ["template"]
    bulk = client.post(
        "/api/v1/certificates/bulk/",
        {
            "organization": org.slug,
            "template": elsewhere.pk,
            "file": SimpleUploadedFile("c.csv", b"recipient_name,title,issue_date\nA,B,2026-01-02\n"),
        },
        format="multipart",
    )
    assert bulk.status_code == 400 and list(bulk.json()["error"]["fields"]) == ["template"]
    assert not Certificate.objects.exists()


def test_every_link_in_an_issuing_response_is_absolute(org, issuer, django_capture_on_commit_callbacks):
    client = auth_client(issuer)
    issued = client.post("/api/v1/certificates/", {**ISSUE, "organization": org.slug}, format="json").json()
    listed = client.get("/api/v1/certificates/").json()["results"][0]
    with django_capture_on_commit_callbacks(execute=True):
        batch = client.post(
            "/api/v1/certificates/bulk/",
            {
                "organization": org.slug,
                "file": SimpleUploadedFile("c.csv", b"recipient_name,title,issue_date\nA,B,2026-01-02\n"),
            },
            format="multipart",
        ).json()
    links = [
        v for body in (issued, listed, batch) for k, v in body.items() if k == "url" or k.endswith("_url")
    ]
    assert len(links) == 8 and all(link.startswith(settings.SITE_URL + "/") for link in links), links
