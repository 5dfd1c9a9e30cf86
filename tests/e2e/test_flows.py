"""The product's main flows in a real browser: sign in with two-factor, issue a certificate with the
form, bulk-issue from a CSV and watch the progress bar reach 100 %, verify a forged copy on the public
page (fraudulent, with heat-maps), revoke the certificate and see the public page change.

Screenshots of the key pages land in test-artifacts/screenshots/ (dashboard.png,
certificate-detail.png, verification-detail.png, public-verify-result.png and a few more).
"""

from __future__ import annotations

import io
import random
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from certificates.anchoring.tasks import anchor_pending_certificates, confirm_anchors
from certificates.batches import services as batches
from certificates.models import Certificate, IssuanceBatch
from certificates.rendering.fonts import font_path
from organizations.roles import Role
from verification.models import VerificationRequest

from .conftest import PHONE
from .harness import enable_totp, expect, organization, person, sign_in, with_some_history

pytestmark = pytest.mark.e2e

VERIFY_TIMEOUT = 90_000  # the whole pipeline runs inside the request here (eager Celery, local OCR)
CSV = (
    "recipient_name,recipient_email,title,issue_date,grade,external_id\n"
    "Grace Hopper,grace@students.example,Compiler Construction,2026-06-30,A,cc-001\n"
    "Alan Turing,alan@students.example,Compiler Construction,2026-06-30,B,cc-002\n"
    "Katherine Johnson,katherine@students.example,Compiler Construction,31.06.2026,A,cc-003\n"
    "Edsger Dijkstra,edsger@,Compiler Construction,2026-06-30,A,cc-004\n"
)


@pytest.fixture
def ada(transactional_db):
    return person("ada@northwind.example", "Ada Lovelace")


@pytest.fixture
def northwind(ada):
    org = organization(
        "Northwind University",
        "northwind",
        members={ada: Role.OWNER},
        country="GB",
        website="https://northwind.example",
        domain="northwind.example",
    )
    with_some_history(org, ada)
    return org


def sign_in_with_code(page, user, totp) -> None:
    sign_in(page, user.email)
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def forge(certificate: Certificate, name: str = "Mallory Forger") -> bytes:
    """The certificate's own rendering with another name painted over the recipient's."""
    with certificate.image.open("rb") as fh:
        image = Image.open(io.BytesIO(fh.read())).convert("RGB")
    width, height = image.size
    box = (int(width * 0.2), int(height * 0.36), int(width * 0.8), int(height * 0.47))
    draw = ImageDraw.Draw(image)
    draw.rectangle(box, fill=image.getpixel((box[0] - 4, box[1])))
    path = font_path("serif-bold")
    font = ImageFont.truetype(path, 100) if path else ImageFont.load_default(100)
    draw.text((width / 2, int(height * 0.417)), name, fill=(20, 20, 20), font=font, anchor="ms")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def console_errors(page) -> list[str]:
    """Console errors with their source. The public pages' base template has no <link rel=icon>, so
    Chromium asks for /favicon.ico (a 404); that one is not counted (public/base.html is not ours)."""
    errors: list[str] = []

    def record(message):
        url = (message.location or {}).get("url", "")
        if message.type == "error" and not url.endswith("/favicon.ico"):
            errors.append(f"{message.text} ({url})")

    page.on("console", record)
    return errors


def with_verification_history(org, certificates: list[Certificate]) -> None:
    """A month of earlier checks, so the dashboard chart and verdict mix look like a live organization."""
    rng = random.Random(7)
    now = timezone.now()
    verdicts = ["authentic"] * 12 + ["suspicious"] * 2 + ["fraudulent"] * 2 + ["inconclusive"]
    for day in range(1, 30):
        for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):
            verdict = rng.choice(verdicts)
            score = {"authentic": 92, "suspicious": 61, "fraudulent": 18, "inconclusive": 50}[verdict]
            certificate = rng.choice(certificates)
            v = VerificationRequest.objects.create(
                access_token="seed",
                organization=org,
                certificate=certificate,
                status="completed",
                verdict=verdict,
                score=score + rng.randint(-6, 6),
                client_country=rng.choice(["GB", "DE", "KE", "US"]),
                credential_id_input=certificate.credential_id,
            )
            VerificationRequest.objects.filter(pk=v.pk).update(
                created_at=now - timedelta(days=day, hours=rng.randint(0, 12))
            )


def test_issue_bulk_verify_forgery_and_revoke(page, new_page, live_server, screenshot, ada, northwind):
    totp = enable_totp(ada)
    sign_in_with_code(page, ada, totp)

    # --- Issue one certificate with the form; the preview follows the typing ----------------------------
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Certificates").click()
    expect(page.get_by_role("heading", name="No certificates yet")).to_be_visible()
    page.get_by_role("link", name="Issue a certificate").first.click()
    preview = page.locator("#issue-preview")
    initial_src = preview.get_attribute("src")
    page.get_by_label("Recipient’s full name").fill("Mary Somerville")
    page.get_by_label("Recipient’s e-mail").fill("mary@students.example")
    page.get_by_label("Course or programme").fill("MSc Astronomy and Mathematics")
    page.get_by_label("Grade").fill("Distinction")
    expect(preview).not_to_have_attribute("src", initial_src)
    expect(preview).to_have_attribute("src", re.compile(r"recipient_name=Mary\+Somerville"))
    page.wait_for_function(
        "() => { const i = document.getElementById('issue-preview'); "
        "return i.complete && i.naturalWidth > 0 && !i.classList.contains('is-loading'); }"
    )
    screenshot(page, "issue-form")
    page.get_by_role("button", name="Issue certificate").click()
    expect(page.get_by_role("status")).to_contain_text("issued to Mary Somerville")
    certificate = Certificate.objects.get(organization=northwind, recipient_name="Mary Somerville")
    expect(page.locator("#credential-id")).to_have_text(certificate.credential_id)
    page.wait_for_function("() => document.getElementById('certificate-image').naturalWidth > 0")

    # --- Bulk issue: upload a CSV, the bar reaches 100 %, rows with errors are listed --------------------
    nav.get_by_role("link", name="Bulk issue").click()
    page.get_by_label("Spreadsheet", exact=True).set_input_files(
        files=[{"name": "compilers-2026.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#preview-errors")).to_contain_text("not a valid e-mail address")  # before issuing
    screenshot(page, "batch-preview")
    page.get_by_role("button", name=re.compile(r"^Issue \d+ certificates?$")).click()
    bar = page.locator("#batch-progress")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    expect(page.locator("[data-progress-text]")).to_have_text("100 %")
    expect(page.locator("[data-count=issued]")).to_have_text("2")
    expect(page.locator("#batch-errors")).to_contain_text("Row 4")
    expect(page.locator("#batch-errors")).to_contain_text("not a valid e-mail address")
    screenshot(page, "batch-completed")

    # --- ... and a batch that is still running: the page polls and the bar moves to 100 % -----------------
    data = CSV.replace("cc-00", "cc-10").encode()
    pending = IssuanceBatch(
        organization=northwind,
        created_by=ada,
        file_name="late-enrolments.csv",
        file_sha256="0" * 64,
        total_rows=4,
    )
    pending.file.save("late.csv", ContentFile(data), save=False)
    pending.save()
    page.goto(f"/portal/batches/{pending.pk}/")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    screenshot(page, "batch-running", full_page=False)
    batches.batch_process(batch_id=pending.pk)  # what the worker does; the page finds out by polling
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=15_000)
    expect(page.locator("#batch-errors")).to_contain_text("Row 4", timeout=15_000)  # reloaded when done

    nav.get_by_role("link", name="Certificates").click()
    expect(page.locator("#certificates-table tbody tr")).to_have_count(5)
    page.get_by_role("searchbox", name="Search").fill("hopper")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#certificates-table tbody tr")).to_have_count(2)  # one from each batch
    expect(page.locator("#certificates-table tbody")).not_to_contain_text("Mary Somerville")
    page.get_by_role("link", name="Clear").click()
    screenshot(page, "certificates")

    # --- A forger edits the name on Mary's certificate and a recruiter verifies it ------------------------
    certificate.refresh_from_db()
    assert certificate.image, "the certificate was rendered after issuing"
    public = new_page()
    public.set_default_navigation_timeout(VERIFY_TIMEOUT)
    public_errors = console_errors(public)
    public.goto("/verify/")
    screenshot(public, "public-verify-form")
    public.get_by_label("Certificate image or PDF").set_input_files(
        files=[{"name": "mary-somerville.png", "mimeType": "image/png", "buffer": forge(certificate)}]
    )
    with public.expect_navigation(timeout=VERIFY_TIMEOUT):
        public.get_by_role("button", name="Verify").click(timeout=VERIFY_TIMEOUT)
    expect(public.locator(".status-word")).to_contain_text("Fraudulent", timeout=VERIFY_TIMEOUT)
    heatmaps = public.locator("img.heatmap")
    expect(heatmaps.first).to_be_visible()
    public.wait_for_function(
        "() => [...document.querySelectorAll('img.heatmap')].every(i => i.naturalWidth > 0)"
    )
    screenshot(public, "public-verify-result")
    # The upload beside the issuer's original, and the field that differs, as a person sees them.
    public.wait_for_function(
        "() => ['upload-image', 'original-image'].every(id => document.getElementById(id)?.naturalWidth > 0)"
    )
    expect(public.locator(".comparison")).to_contain_text("Mallory")
    expect(public.locator("details.technical").first).not_to_have_attribute("open", "")
    public.set_viewport_size({"width": 390, "height": 844})
    assert public.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "no sideways scrolling"
    )
    screenshot(public, "public-verify-result-phone")
    public.set_viewport_size({"width": 1280, "height": 900})
    verification = VerificationRequest.objects.get(certificate=certificate, verdict="fraudulent")

    # --- The issuer sees the alert, the explanation and the heat-maps in the portal -----------------------
    others = list(Certificate.objects.filter(organization=northwind).exclude(pk=certificate.pk))
    with_verification_history(northwind, others)
    page.goto("/portal/")
    alerts = page.locator("#forgery-alerts")
    expect(alerts).to_contain_text("Mary Somerville")
    alerts.get_by_role("link", name=re.compile("Mary Somerville")).click()
    expect(page.locator(".status-word")).to_have_text("Fraudulent")
    expect(page.locator("#comparison")).to_contain_text("Mallory")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.heatmap')].length >= 1 && "
        "[...document.querySelectorAll('img.heatmap')].every(i => i.naturalWidth > 0)"
    )
    assert page.url.endswith(f"/portal/verifications/{verification.pk}/")
    screenshot(page, "verification-detail")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Verifications").click()
    expect(page.locator("#verifications-table")).to_contain_text("Mary Somerville")
    screenshot(page, "verifications")

    # --- The beat's anchoring run writes the batch's Merkle root to the (embedded) chain ---------------
    anchor_pending_certificates()
    confirm_anchors()

    # --- Revoke in the portal; the public page says so ---------------------------------------------------
    page.goto(f"/portal/certificates/{certificate.credential_id}/")
    expect(page.locator("#anchor-title").locator("xpath=ancestor::section")).to_contain_text("Confirmed")
    page.wait_for_function("() => document.getElementById('certificate-image').naturalWidth > 0")
    expect(page.get_by_role("table").first).to_contain_text("Fraudulent")  # the verification history
    screenshot(page, "certificate-detail")
    public.goto(f"/verify/{certificate.credential_id}/")
    expect(public.locator(".status-word")).to_have_text("Valid")

    page.locator("summary", has_text="Revoke").click()
    page.locator("#id_revoke-reason").fill("A forged copy is circulating; reissued")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke the certificate").click()
    expect(page.get_by_role("status")).to_contain_text("has been revoked")
    expect(page.locator(".alert--error")).to_contain_text("This certificate is revoked")
    public.goto(f"/verify/{certificate.credential_id}/")
    expect(public.locator(".status-word")).to_have_text("Revoked")
    expect(public.locator(".status-sentence")).to_contain_text("A forged copy is circulating")
    screenshot(public, "public-certificate-revoked")

    page.goto("/portal/")
    expect(page.locator("#verifications-chart")).to_be_visible()
    screenshot(page, "dashboard")

    # --- The same pages on a phone ------------------------------------------------------------------------
    phone = new_page(PHONE)
    sign_in(phone, "grace@northwind.example")
    expect(phone.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "no sideways scrolling"
    )
    screenshot(phone, "dashboard-phone")
    phone.goto(f"/portal/verifications/{verification.pk}/")
    expect(phone.locator(".status-word")).to_have_text("Fraudulent")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "no sideways scrolling"
    )
    screenshot(phone, "verification-detail-phone")
    phone.goto("/portal/certificates/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "certificates-phone")
    assert page.console_errors == [] and public_errors == [] and phone.console_errors == []


@pytest.fixture
def receiver():
    from tests.webhooks.conftest import start_receiver

    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_templates_and_webhooks_pages(page, live_server, screenshot, ada, northwind, receiver):
    sign_in(page, ada.email)
    nav = page.get_by_role("navigation", name="Main")

    nav.get_by_role("link", name="Templates").click()
    expect(page.get_by_role("heading", name="No templates yet")).to_be_visible()
    page.get_by_role("link", name="New template").click()
    page.get_by_label("Name", exact=True).fill("Northwind gold")
    layout = page.get_by_label("Layout (JSON)")
    layout.fill('{"elements": {"qr": {"size": 5}}}')
    expect(page.locator("[data-preview-errors]")).to_contain_text("elements.qr.size")
    layout.fill(
        '{"colors": {"primary": "#7a1f1f", "accent": "#c9a227"}, '
        '"elements": {"heading": {"text": "Certificate of Excellence"}}}'
    )
    # Drawing a new colour scheme takes a moment (more when the other browser test is busy with OCR).
    expect(page.locator("[data-preview-errors]")).to_be_hidden(timeout=30_000)
    page.wait_for_function(
        "() => document.getElementById('template-preview').src.startsWith('blob:')", timeout=30_000
    )
    page.get_by_role("button", name="Create template").click()
    expect(page.get_by_role("status")).to_contain_text("has been saved")
    screenshot(page, "template-editor")
    nav.get_by_role("link", name="Templates").click()
    expect(page.get_by_role("heading", name="Northwind gold")).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.template-card img')].every(i => i.naturalWidth > 0)"
    )
    screenshot(page, "templates")

    nav.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Endpoint URL").fill(receiver.url("/hooks/certverify"))
    page.get_by_label("Description").fill("HR platform")
    page.get_by_label(re.compile("certificate.revoked")).check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    screenshot(page, "webhook-secret")
    page.get_by_role("link", name="Done").click()
    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_role("status")).to_contain_text("A test event was sent")
    first = page.locator(".delivery").first
    expect(first).to_contain_text("webhook.test")
    expect(first).to_contain_text("HTTP 200")
    first.locator("summary").click()
    expect(first.locator(".code-block").first).to_contain_text("This is a test event from CertVerify.")
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar would be drawn mid-page otherwise
    screenshot(page, "webhook-deliveries")
    assert page.console_errors == []
