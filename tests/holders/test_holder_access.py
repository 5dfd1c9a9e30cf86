"""The holder's control: a magic link to the recipient address opens their certificates across
organizations; hiding one leaves only its status public."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from holders.models import HolderChoice, MagicLink
from organizations.access import Actor
from organizations.models import AuditEvent
from tests.conftest import auth_client
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_certificates(org, other_org, issuer, django_capture_on_commit_callbacks):
    other_issuer = MembershipFactory(organization=other_org, role="issuer").user
    ids = []
    for organization, user, title in ((org, issuer, "MSc Physics"), (other_org, other_issuer, "First Aid")):
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client(user).post(
                "/api/v1/certificates/",
                {
                    "organization": organization.slug,
                    "recipient_name": "Grace Hopper",
                    "recipient_email": "grace@example.com",
                    "title": title,
                    "issue_date": "2026-05-01",
                },
                format="json",
            )
        ids.append(response.json()["credential_id"])
    mail.outbox.clear()
    return ids


def signed_in_holder(capture) -> Client:
    holder = Client()
    with capture(execute=True):
        assert holder.post("/holder/", {"email": "Grace@Example.com"}).status_code == 200
    link = re.search(r"https?://\S+(/holder/link/\S+/)", mail.outbox[-1].body).group(1)
    assert holder.get(link).status_code == 200  # a button, so a mail scanner's fetch spends nothing
    assert holder.post(link)["Location"] == "/holder/certificates/"
    return holder, link


def test_a_magic_link_opens_the_holders_certificates_once(
    two_certificates, django_capture_on_commit_callbacks
):
    holder, link = signed_in_holder(django_capture_on_commit_callbacks)
    page = holder.get("/holder/certificates/").content.decode()
    assert "MSc Physics" in page and "First Aid" in page
    assert not MagicLink.objects.filter(token_hash__in=[link.split("/")[-2]]).exists()  # stored hashed

    again = Client().post(link)
    assert again.status_code == 400 and "expired or was already used" in again.content.decode()
    assert Client().get("/holder/certificates/")["Location"] == "/holder/"


def test_an_expired_link_does_not_open_and_an_unknown_address_gets_the_same_answer(
    two_certificates, django_capture_on_commit_callbacks
):
    holder = Client()
    with django_capture_on_commit_callbacks(execute=True):
        holder.post("/holder/", {"email": "grace@example.com"})
    MagicLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    link = re.search(r"(/holder/link/\S+/)", mail.outbox[-1].body).group(1)
    assert holder.post(link).status_code == 400

    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post("/holder/", {"email": "nobody@example.com"})
    assert answer.status_code == 200 and "sign-in link is on its way" in answer.content.decode()
    assert len(mail.outbox) == 1
    assert Client().post("/holder/", {"email": "not an address"}).status_code == 400


def test_hiding_leaves_only_the_status_and_verification_by_id_still_answers(
    two_certificates, org, django_capture_on_commit_callbacks
):
    credential_id = two_certificates[0]
    holder, _ = signed_in_holder(django_capture_on_commit_callbacks)
    response = holder.post(f"/holder/certificates/{credential_id}/visibility/", {"hidden": "1"})
    assert response.status_code == 302 and HolderChoice.objects.get().hidden
    assert AuditEvent.objects.filter(action="holder.page_hidden", organization=org).exists()

    visitor = Client()
    for url in (f"/c/{credential_id}/", f"/verify/{credential_id}/"):
        page = visitor.get(url).content.decode()
        assert "Valid" in page and credential_id in page
        assert "Grace Hopper" not in page and "MSc Physics" not in page and "LinkedIn" not in page
    assert visitor.get(f"/c/{credential_id}/certificate.pdf").status_code == 404
    assert visitor.get(f"/verify/{credential_id}/image.png").status_code == 404

    submitted = visitor.post("/verify/", {"credential_id": credential_id})
    result = visitor.get(submitted["Location"]).content.decode()
    assert "Valid" in result and "Grace Hopper" not in result

    holder.post(f"/holder/certificates/{credential_id}/visibility/", {"hidden": "0"})
    assert "Grace Hopper" in visitor.get(f"/c/{credential_id}/").content.decode()


def test_a_holder_cannot_touch_someone_elses_certificate(
    two_certificates, org, issuer, django_capture_on_commit_callbacks
):
    from certificates.lifecycle.services import certificate_issue

    theirs = certificate_issue(
        actor=Actor(user=issuer), organization=org, recipient_name="Alan", title="BA",
        issue_date=dt.date(2026, 1, 1), recipient_email="alan@example.com",
    )  # fmt: skip
    holder, _ = signed_in_holder(django_capture_on_commit_callbacks)
    assert (
        holder.post(f"/holder/certificates/{theirs.credential_id}/visibility/", {"hidden": "1"}).status_code
        == 404
    )
    assert holder.get(f"/holder/certificates/{theirs.credential_id}/report/").status_code == 404
    assert not HolderChoice.objects.exists()


def test_a_holder_reports_an_error_from_their_list(two_certificates, org, django_capture_on_commit_callbacks):
    holder, _ = signed_in_holder(django_capture_on_commit_callbacks)
    url = f"/holder/certificates/{two_certificates[0]}/report/"
    assert holder.post(url, {"message": "  "}).status_code == 400
    sent = holder.post(url, {"message": "The grade should be A"})
    assert sent.status_code == 200 and "Sent to" in sent.content.decode()
    event = AuditEvent.objects.get(action="holder.error_reported")
    assert event.organization == org and event.details["message"] == "The grade should be A"


def test_an_address_gets_at_most_five_links_an_hour(two_certificates, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(7):
            assert Client().post("/holder/", {"email": "grace@example.com"}).status_code == 200
    assert len(mail.outbox) == 5 and MagicLink.objects.count() == 5


def test_the_public_status_api_of_a_hidden_certificate_says_only_its_status(
    two_certificates, django_capture_on_commit_callbacks
):
    credential_id = two_certificates[0]
    api = f"/api/v1/public/certificates/{credential_id}/"
    assert Client().get(api).json()["recipient_name"] == "Grace Hopper"  # now cached in full
    holder, _ = signed_in_holder(django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        holder.post(f"/holder/certificates/{credential_id}/visibility/", {"hidden": "1"})
    assert Client().get(api).json() == {
        "credential_id": credential_id,
        "status": "valid",
        "hidden_by_holder": True,
    }

    with django_capture_on_commit_callbacks(execute=True):
        holder.post(f"/holder/certificates/{credential_id}/visibility/", {"hidden": "0"})
    assert Client().get(api).json()["recipient_name"] == "Grace Hopper"
