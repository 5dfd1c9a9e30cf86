"""Delivery e-mails: one per certificate, sent after commit, with working links; the holder's
page; revocation and reissue tell the holder; the issuer's settings and what they see."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from holders.models import Delivery, DeliverySettings, ErrorReport
from holders.tasks import send_delivery, sweep_deliveries
from organizations.models import AuditEvent
from tests.conftest import auth_client

pytestmark = pytest.mark.django_db

ISSUE = {
    "recipient_name": "Ada Lovelace",
    "title": "MSc Computer Science",
    "issue_date": "2026-06-30",
    "expiry_date": "2031-06-30",
    "recipient_email": "ada@example.com",
}


def issue(client, org, capture, **extra) -> dict:
    with capture(execute=True):
        response = client.post(
            "/api/v1/certificates/", {**ISSUE, "organization": org.slug, **extra}, format="json"
        )
    assert response.status_code == 201, response.json()
    return response.json()


def link_in(text: str, path: str) -> str:
    return re.search(rf"https?://[^\s\"<>]*{re.escape(path)}[^\s\"<>]*", text).group(0)


def local(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def test_an_api_issue_sends_one_email_whose_links_work_and_revoke_tells_the_holder(
    org, issuer, django_capture_on_commit_callbacks
):
    client = auth_client(issuer)
    body = issue(client, org, django_capture_on_commit_callbacks)
    credential_id = body["credential_id"]

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"] and message.from_email.startswith(f"{org.name} via CertVerify <")
    assert org.name in message.subject and "MSc Computer Science" in message.subject
    assert f"/c/{credential_id}/certificate.pdf" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and org.name in html and "/c/o/" in html  # the open pixel

    # The task runs again (a retry, acks_late, the sweeper): nothing more goes out.
    delivery = Delivery.objects.get(certificate__credential_id=credential_id)
    assert send_delivery.apply(kwargs={"delivery_id": delivery.pk}).get() == "not-due"
    sweep_deliveries.apply().get()
    assert len(mail.outbox) == 1 and Delivery.objects.get(pk=delivery.pk).sends == 1

    # The e-mail's link opens the holder's page (and counts as opened).
    browser = Client()
    followed = browser.get(local(link_in(message.body, f"/c/{credential_id}/?d=")))
    assert followed.status_code == 302 and followed["Location"] == f"/c/{credential_id}/"
    assert Delivery.objects.get(pk=delivery.pk).opened_at is not None
    page = browser.get(f"/c/{credential_id}/").content.decode()
    assert "Add to LinkedIn profile" in page and "Valid" in page
    assert f"/c/{credential_id}/certificate.pdf" in page and f"/c/{credential_id}/certificate.png" in page
    assert f"/api/v1/public/certificates/{credential_id}/credential/" in page
    assert "Copy link" in page and "Share by e-mail" in page and "<svg" in page  # the wallet QR

    linkedin = browser.get(f"/c/{credential_id}/share/linkedin/")
    params = parse_qs(urlparse(linkedin["Location"]).query)
    assert linkedin["Location"].startswith("https://www.linkedin.com/profile/add?")
    assert params["startTask"] == ["CERTIFICATION_NAME"] and params["name"] == ["MSc Computer Science"]
    assert params["organizationName"] == [org.name] and params["certId"] == [credential_id]
    assert (params["issueYear"], params["issueMonth"]) == (["2026"], ["6"])
    assert (params["expirationYear"], params["expirationMonth"]) == (["2031"], ["6"])
    pdf = browser.get(local(link_in(message.body, "/certificate.pdf")))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")

    with django_capture_on_commit_callbacks(execute=True):
        revoked = client.post(f"/api/v1/certificates/{credential_id}/revoke/", {"reason": "Plagiarism found"})
    assert revoked.status_code == 200
    assert len(mail.outbox) == 2
    notice = mail.outbox[1]
    assert (
        "revoked" in notice.subject and "Plagiarism found" in notice.body and notice.to == ["ada@example.com"]
    )
    page = browser.get(f"/c/{credential_id}/").content.decode()
    assert "has been revoked" in page and "nothing to share" in page
    assert "Add to LinkedIn" not in page and "Copy link" not in page and "linkedin.com" not in page
    assert browser.get(f"/c/{credential_id}/share/linkedin/")["Location"] == f"/c/{credential_id}/"
    verify_page = browser.get(f"/verify/{credential_id}/").content.decode()
    assert "Add to LinkedIn" not in verify_page


def test_a_reissue_sends_the_new_certificate_once_and_no_separate_revocation(
    org, issuer, admin_user, django_capture_on_commit_callbacks
):
    old = issue(auth_client(issuer), org, django_capture_on_commit_callbacks)["credential_id"]
    with django_capture_on_commit_callbacks(execute=True):
        reissued = auth_client(admin_user).post(
            f"/api/v1/certificates/{old}/reissue/", {"recipient_name": "Ada King"}
        )
    assert reissued.status_code == 201
    new = reissued.json()["credential_id"]
    assert len(mail.outbox) == 2
    notice = mail.outbox[1]
    assert "corrected" in notice.subject and old in notice.body and f"/c/{new}/" in notice.body
    assert not Delivery.objects.filter(kind="revoked").exists()


def csv_of(count: int) -> bytes:
    rows = ["recipient_name,title,issue_date,recipient_email,external_id"]
    rows += [f"Student {i},BSc Nursing,2026-07-01,student{i}@example.com,n-{i}" for i in range(count)]
    return ("\n".join(rows) + "\n").encode()


def bulk(client, org, capture, data: bytes, name: str = "cohort.csv") -> int:
    with capture(execute=True):
        response = client.post(
            "/api/v1/certificates/bulk/",
            {"organization": org.slug, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_a_batch_of_fifty_sends_one_email_each_and_running_again_sends_none(
    org, issuer, django_capture_on_commit_callbacks
):
    bulk(auth_client(issuer), org, django_capture_on_commit_callbacks, csv_of(50))

    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"student{i}@example.com" for i in range(50))
    for pk in Delivery.objects.values_list("pk", flat=True):
        assert send_delivery.apply(kwargs={"delivery_id": pk}).get() == "not-due"
    sweep_deliveries.apply().get()
    assert len(mail.outbox) == 50 and Delivery.objects.filter(status="sent").count() == 50
    link = link_in(mail.outbox[7].body, "/c/")
    assert Client().get(local(link), follow=True).status_code == 200


def test_send_later_holds_a_batch_until_released_from_the_portal(
    org, issuer, django_capture_on_commit_callbacks
):
    DeliverySettings.objects.create(organization=org, hold_batches=True)
    batch_id = bulk(auth_client(issuer), org, django_capture_on_commit_callbacks, csv_of(3))
    assert mail.outbox == [] and Delivery.objects.filter(status="held").count() == 3

    browser = Client()
    browser.force_login(issuer)
    page = browser.get("/portal/delivery/").content.decode()
    assert "Send now (3 held)" in page
    with django_capture_on_commit_callbacks(execute=True):
        released = browser.post(f"/portal/delivery/batches/{batch_id}/send/")
    assert released.status_code == 302
    assert len(mail.outbox) == 3
    assert AuditEvent.objects.filter(action="delivery.batch_released", organization=org).exists()


def test_delivery_off_sends_nothing(org, issuer, django_capture_on_commit_callbacks):
    DeliverySettings.objects.create(organization=org, enabled=False)
    issue(auth_client(issuer), org, django_capture_on_commit_callbacks)
    assert mail.outbox == [] and not Delivery.objects.exists()


def test_a_failure_is_shown_per_certificate_and_a_resend_delivers(
    org, issuer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    credential_id = issue(auth_client(issuer), org, django_capture_on_commit_callbacks)["credential_id"]
    delivery = Delivery.objects.get(certificate__credential_id=credential_id)
    assert delivery.status == "failed" and "Connection" in delivery.last_error and delivery.attempts == 1

    browser = Client()
    browser.force_login(issuer)
    page = browser.get("/portal/delivery/?status=failed").content.decode()
    assert credential_id in page and "Failed" in page and delivery.last_error[:20] in page
    assert credential_id in browser.get(f"/portal/delivery/?q={credential_id}").content.decode()
    assert credential_id not in browser.get("/portal/delivery/?q=CV-NONE").content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(f"/portal/delivery/{delivery.pk}/resend/").status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(mail.outbox) == 1


def test_another_organizations_delivery_cannot_be_resent(
    org, other_org, issuer, django_capture_on_commit_callbacks
):
    from tests.factories import MembershipFactory

    stranger = MembershipFactory(organization=other_org, role="admin").user
    issue(auth_client(issuer), org, django_capture_on_commit_callbacks)
    browser = Client()
    browser.force_login(stranger)
    assert browser.post(f"/portal/delivery/{Delivery.objects.get().pk}/resend/").status_code == 404
    assert "ada@example.com" not in browser.get("/portal/delivery/").content.decode()


def test_the_message_is_previewed_and_user_text_is_never_a_template(
    org, owner, issuer, django_capture_on_commit_callbacks
):
    issue(auth_client(issuer), org, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    browser = Client()
    browser.force_login(owner)
    form = {
        "enabled": "on",
        "subject": "Hi {recipient_name} {{ settings.SECRET_KEY }}",
        "body": "{% debug %} <script>alert(1)</script> {title}\n\nSee {holder_url}",
        "reminder_days": "30, 7",
    }
    preview = browser.post("/portal/delivery/", {**form, "preview": "1"}).content.decode()
    assert "Hi Ada Lovelace {{ settings.SECRET_KEY }}" in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt; MSc Computer Science" in preview
    assert browser.post("/portal/delivery/", form).status_code == 302
    assert DeliverySettings.objects.get(organization=org).reminder_days == "30,7"

    bad = browser.post("/portal/delivery/", {**form, "body": "Dear {recipient.password}"})
    assert bad.status_code == 400 and "Unknown placeholder" in bad.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        auth_client(issuer).post(
            "/api/v1/certificates/",
            {**ISSUE, "organization": org.slug, "title": "{holder_url}"},
            format="json",
        )
    message = mail.outbox[0]
    assert message.subject == "Hi Ada Lovelace {{ settings.SECRET_KEY }}"
    assert "{% debug %} <script>alert(1)</script> {holder_url}" in message.body  # a value is not re-filled
    html = message.alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_issuer_sees_deliveries_opens_views_downloads_shares_and_verifications(
    org, issuer, django_capture_on_commit_callbacks
):
    credential_id = issue(auth_client(issuer), org, django_capture_on_commit_callbacks)["credential_id"]
    token = Delivery.objects.get().token
    visitor = Client()
    assert visitor.get(f"/c/o/{token}.gif")["Content-Type"] == "image/gif"
    visitor.get(f"/c/{credential_id}/")
    visitor.get(f"/c/{credential_id}/")
    visitor.get(f"/c/{credential_id}/certificate.png")
    visitor.get(f"/c/{credential_id}/share/email/")
    visitor.get(f"/verify/{credential_id}/")

    browser = Client()
    browser.force_login(issuer)
    response = browser.get("/portal/delivery/")
    totals = response.context["totals"]
    assert (totals["delivered"], totals["opened"], totals["view"]) == (1, 1, 2)
    assert (totals["download"], totals["share"], totals["verification"]) == (1, 1, 1)
    page = response.content.decode()
    assert '<svg class="chart"' in page and "<polyline" in page and "<script" not in page.split("</head>")[1]
    assert "Delivered" in page
    dashboard = browser.get("/portal/").content.decode()
    assert "Delivered to recipients" in dashboard and "Recipients over time" in dashboard
    assert '<svg class="chart"' in dashboard


def test_a_holder_reports_an_error_that_reaches_the_portal_and_audit_log(
    org, issuer, django_capture_on_commit_callbacks
):
    from holders.access import error_report_create

    credential_id = issue(auth_client(issuer), org, django_capture_on_commit_callbacks)["credential_id"]
    error_report_create(email="ADA@example.com", credential_id=credential_id, message="My name is misspelt")
    assert ErrorReport.objects.get().organization == org
    assert AuditEvent.objects.filter(action="holder.error_reported", organization=org).exists()
    browser = Client()
    browser.force_login(issuer)
    assert "My name is misspelt" in browser.get("/portal/delivery/").content.decode()


@pytest.mark.parametrize("state", ["expired", "suspended"])
def test_an_expired_or_suspended_certificate_offers_nothing_to_share(
    org, issuer, admin_user, state, django_capture_on_commit_callbacks
):
    from certificates.lifecycle.services import certificate_suspend
    from certificates.models import Certificate
    from organizations.access import Actor

    dates = {"issue_date": "2020-01-01", "expiry_date": "2021-01-01"} if state == "expired" else {}
    credential_id = issue(auth_client(issuer), org, django_capture_on_commit_callbacks, **dates)[
        "credential_id"
    ]
    if state == "suspended":
        certificate = Certificate.objects.get(credential_id=credential_id)
        certificate_suspend(actor=Actor(user=admin_user), certificate=certificate, reason="Under review")
    page = Client().get(f"/c/{credential_id}/").content.decode()
    assert state.capitalize() in page and "nothing to share" in page
    assert "Add to LinkedIn" not in page and "Copy link" not in page and "Add to a wallet" not in page
