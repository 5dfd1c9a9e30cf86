"""Issue L (4, 5, 7): a document is only as trustworthy as its issuer's identity.

A genuine document of an `unverified` issuer is at best `inconclusive`, saying so in plain words;
`authentic` needs a domain or a review and names it; a look-alike's document is `fraudulent`, and
the verified organization whose name it uses hears of it. All through the HTTP API.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from certificates.lifecycle.services import certificate_issue
from certificates.rendering.services import certificate_render
from organizations.access import Actor
from organizations.identity import lookalike_refresh, organization_review
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory
from tests.verification.conftest import png_of
from tests.verification.test_verification_api import result, submit
from webhooks.models import Event

pytestmark = pytest.mark.django_db

NOT_VERIFIED = (
    "matches the records of 'Demo University', an organization whose identity CertVerify has not verified"
)


def issued_by(organization):
    issuer = MembershipFactory(organization=organization, role=Role.ISSUER).user
    certificate = certificate_issue(
        actor=Actor(user=issuer),
        organization=organization,
        recipient_name="Ada Lovelace",
        title="MSc Computer Science",
        issue_date=dt.date(2026, 6, 30),
    )
    return certificate_render(certificate=certificate)


def verify_image(certificate, capture) -> dict:
    client = APIClient()
    return result(client, submit(client, data=png_of(certificate), capture=capture))


def flagged(organization) -> list[Event]:
    return list(Event.objects.filter(organization=organization, type="verification.flagged"))


@pytest.fixture
def impostor():
    """Anyone can register "Demo University": nobody has verified who this one is."""
    return OrganizationFactory(
        name="Demo University", slug="demo-university-unverified", verification_level="unverified"
    )


def test_an_unverified_issuers_genuine_document_is_inconclusive_saying_why(
    impostor, django_capture_on_commit_callbacks
):
    certificate = issued_by(impostor)

    body = verify_image(certificate, django_capture_on_commit_callbacks)

    assert body["verdict"] == "inconclusive" and body["document"]["verdict"] == "inconclusive"
    assert any(NOT_VERIFIED in reason for reason in body["reasons"]), body["reasons"]
    assert body["issuer"]["verification"]["level"] == "unverified"
    assert body["credential"]["status"] == "valid"
    assert flagged(impostor) == []


def test_the_public_result_page_says_the_issuers_identity_is_not_verified(
    impostor, django_capture_on_commit_callbacks
):
    certificate = issued_by(impostor)
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        submitted = browser.post("/verify/", {"file": SimpleUploadedFile("cert.png", png_of(certificate))})
    page = browser.get(submitted["Location"]).content.decode()

    assert "Inconclusive" in page and "Issuer identity not verified" in page
    assert "an organization whose identity CertVerify has not verified" in page


def test_the_same_issuer_once_reviewed_is_authentic_and_the_reason_names_the_review(
    impostor, django_capture_on_commit_callbacks
):
    certificate = issued_by(impostor)
    organization_review(actor=Actor(), organization=impostor, note="Accreditation register entry checked")

    body = verify_image(certificate, django_capture_on_commit_callbacks)

    assert body["verdict"] == "authentic", body["reasons"]
    assert any("reviewed by CertVerify" in reason for reason in body["reasons"]), body["reasons"]
    assert body["issuer"]["verification"]["level"] == "reviewed"


def test_a_domain_verified_issuers_genuine_document_is_authentic_naming_the_domain(
    django_capture_on_commit_callbacks,
):
    organization = OrganizationFactory(verification_level="domain", verified_domain="uni.example")
    certificate = issued_by(organization)

    body = verify_image(certificate, django_capture_on_commit_callbacks)

    assert body["verdict"] == "authentic", body["reasons"]
    assert any("uni.example" in reason for reason in body["reasons"]), body["reasons"]
    assert body["issuer"]["verification"] == {
        "level": "domain",
        "domain": "uni.example",
        "verified_at": None,
        "warning": None,
    }


def test_a_lookalikes_genuine_document_is_fraudulent_and_alerts_the_organization_it_imitates(
    django_capture_on_commit_callbacks,
):
    real = OrganizationFactory(
        name="Demo University",
        slug="demo-university",
        verification_level="domain",
        verified_domain="demo.example",
    )
    fake = OrganizationFactory(
        name="Dеmo Univеrsity", slug="dmo-univ", verification_level="unverified"
    )  # Cyrillic е
    lookalike_refresh(fake)
    assert fake.lookalike_of == real
    certificate = issued_by(fake)

    body = verify_image(certificate, django_capture_on_commit_callbacks)

    assert body["verdict"] == "fraudulent"
    assert body["reasons"][0] == (
        "The document claims to be from Demo University (demo.example) but its records belong to "
        f"another organization that uses a similar name ('Dеmo Univеrsity', registered as {fake.slug})."
    )
    assert body["score"] <= 20
    assert body["issuer"]["verification"]["warning"] == "Not the verified Demo University (demo.example)"
    [alert] = flagged(real)
    assert alert.data["verdict"] == "fraudulent" and alert.data["credential_id"] == certificate.credential_id
    assert len(flagged(fake)) == 1  # the usual recipient, the matched organization, still hears of it


def test_an_id_check_of_an_unverified_issuers_certificate_shows_its_identity(impostor):
    certificate = issued_by(impostor)
    client = APIClient()

    body = result(client, submit(client, credential_id=certificate.credential_id))

    assert body["checked"] == "id" and body["verdict"] == "not_checked"
    assert body["issuer"]["verification"]["level"] == "unverified"
    assert body["credential"]["record"]["issuer"]["verification"]["level"] == "unverified"


def test_the_public_id_check_page_says_the_issuers_identity_is_not_verified(impostor):
    certificate = issued_by(impostor)
    browser = Client()
    submitted = browser.post("/verify/", {"credential_id": certificate.credential_id})
    page = browser.get(submitted["Location"]).content.decode()

    assert "Valid" in page and "Issuer identity not verified" in page
