"""A signed report in real browsers: the verifier asks for it on the result page, and a colleague's
fresh browser opens the share link, downloads the JSON and the PDF, and both verify with the key
CertVerify publishes (checked here with cryptography alone)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pypdfium2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates.lifecycle.services import certificate_issue
from certificates.rendering.services import certificate_render
from organizations.access import Actor
from organizations.roles import Role

from .harness import expect, organization, person

pytestmark = pytest.mark.e2e
VERIFY_TIMEOUT = 90_000


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verifies(data: bytes, keys: list[dict]) -> bool:
    document = json.loads(data)
    key = next(k for k in keys if k["key_id"] == document["signature"]["key_id"])
    body = json.dumps(document["report"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    try:
        Ed25519PublicKey.from_public_bytes(b64url(key["public_key"])).verify(
            b64url(document["signature"]["value"]), body
        )
    except Exception:
        return False
    return True


def test_report_shared_to_a_fresh_browser_verifies_with_the_published_key(new_page, live_server, tmp_path):
    issuer = person("grace@northwind.example", "Grace Hopper")
    org = organization("Northwind University", "northwind", members={issuer: Role.ISSUER})
    certificate = certificate_render(
        certificate=certificate_issue(
            actor=Actor(user=issuer),
            organization=org,
            recipient_name="Ada Lovelace",
            title="MSc Computer Science",
            issue_date=dt.date(2026, 6, 30),
        )
    )
    with certificate.image.open("rb") as fh:
        png = fh.read()

    verifier = new_page()
    verifier.set_default_navigation_timeout(VERIFY_TIMEOUT)
    verifier.goto("/verify/")
    verifier.get_by_label("Certificate image or PDF").set_input_files(
        files=[{"name": "ada.png", "mimeType": "image/png", "buffer": png}]
    )
    with verifier.expect_navigation(timeout=VERIFY_TIMEOUT):
        verifier.get_by_role("button", name="Verify").click(timeout=VERIFY_TIMEOUT)
    with verifier.expect_navigation():
        verifier.get_by_role("button", name="Get a signed report").click(timeout=VERIFY_TIMEOUT)
    share_path = verifier.url.removeprefix(live_server.url)
    assert share_path.startswith("/r/")

    colleague = new_page()  # another browser context: no cookies, no session
    response = colleague.goto(share_path)
    assert response.headers["referrer-policy"] == "no-referrer"
    expect(colleague.locator("#signature-state")).to_contain_text("Valid")
    expect(colleague.locator("#status-change")).to_contain_text("Unchanged since the report")
    with colleague.expect_download() as json_download:
        colleague.get_by_role("link", name="Download JSON").click()
    with colleague.expect_download() as pdf_download:
        colleague.get_by_role("link", name="Download PDF").click()
    json_path, pdf_path = tmp_path / "report.json", tmp_path / "report.pdf"
    json_download.value.save_as(json_path)
    pdf_download.value.save_as(pdf_path)

    keys = colleague.request.get("/api/v1/public/report-keys/").json()["keys"]
    data = json_path.read_bytes()
    assert verifies(data, keys)
    one_byte_changed = data.replace(b"VerificationReport", b"VerificationRepor7", 1)
    assert len(one_byte_changed) == len(data) and not verifies(one_byte_changed, keys)
    attached = bytes(pypdfium2.PdfDocument(pdf_path.read_bytes()).get_attachment(0).get_data())
    assert attached == data
