"""Bulk issuance: the API and the portal call one service with the same parameters (issue J.4)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.batches.services import batch_start
from certificates.errors import CertificateError
from certificates.models import Certificate, CertificateTemplate, IssuanceBatch
from organizations.access import Actor
from tests.conftest import auth_client

pytestmark = pytest.mark.django_db

CSV = "recipient_name,title,issue_date\nGrace Hopper,BSc Mathematics,2026-06-30\n"


def _template(organization, name="Gold"):
    return CertificateTemplate.objects.create(organization=organization, name=name, layout={})


def test_the_api_passes_the_named_template_on_to_every_issued_certificate(
    org, issuer, django_capture_on_commit_callbacks
):
    template = _template(org)
    upload = SimpleUploadedFile("cohort.csv", CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(issuer).post(
            "/api/v1/certificates/bulk/",
            {"organization": org.slug, "file": upload, "template": template.pk},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    assert IssuanceBatch.objects.get().template_id == template.pk
    assert Certificate.objects.get().template_id == template.pk


def test_the_api_refuses_a_template_the_caller_cannot_see(org, other_org, issuer):
    upload = SimpleUploadedFile("cohort.csv", CSV.encode(), content_type="text/csv")
    response = auth_client(issuer).post(
        "/api/v1/certificates/bulk/",
        {"organization": org.slug, "file": upload, "template": _template(other_org).pk},
        format="multipart",
    )
    assert response.status_code == 400 and "template" in response.json()["error"]["fields"]
    assert not IssuanceBatch.objects.exists()


def test_the_service_refuses_another_organizations_template(org, other_org, issuer):
    with pytest.raises(CertificateError) as refused:
        batch_start(
            actor=Actor(user=issuer),
            organization=org,
            data=CSV.encode(),
            file_name="cohort.csv",
            template=_template(other_org),
        )
    assert refused.value.field == "template"
    assert not IssuanceBatch.objects.exists()
