"""Issue K.3: the public result page says each finding once, in plain words, keeps the technical
measures behind a "details" disclosure, and shows the field comparison and the upload beside the
issuer's original, as the portal does. The public certificate page calls a reissued one superseded."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from certificates.lifecycle.services import certificate_reissue
from organizations.access import Actor
from tests.verification.conftest import as_jpeg, png_of

pytestmark = pytest.mark.django_db


def verify_upload(browser: Client, data: bytes, capture, name="certificate.jpg", content_type="image/jpeg"):
    with capture(execute=True):
        submitted = browser.post(
            "/verify/", {"file": SimpleUploadedFile(name, data, content_type=content_type)}
        )
    assert submitted.status_code == 302, submitted.content.decode()[:500]
    return submitted["Location"]


def outside_details(page: str) -> str:
    """The text a reader sees without opening any "details" disclosure."""
    return html.unescape(re.sub(r"<details.*?</details>", "", page, flags=re.S))


@pytest.fixture
def genuine_result(certificate, django_capture_on_commit_callbacks):
    browser = Client()
    location = verify_upload(browser, as_jpeg(png_of(certificate)), django_capture_on_commit_callbacks)
    return browser, location, browser.get(location).content.decode()


def test_the_public_result_shows_the_field_comparison_and_the_upload_beside_the_original(
    genuine_result, certificate
):
    browser, location, page = genuine_result

    assert "Field by field" in page and "✓ Ada Lovelace" in page
    assert "Your upload beside the issuer's original" in page
    upload = browser.get(f"{location}upload")
    assert upload.status_code == 200 and upload["Content-Type"] == "image/jpeg"
    assert b"".join(upload.streaming_content)[:3] == b"\xff\xd8\xff"
    assert f'src="/verify/{certificate.credential_id}/image.png"' in page
    assert browser.get(f"/verify/{certificate.credential_id}/image.png").status_code == 200


def test_another_browser_cannot_see_the_upload(genuine_result):
    _, location, _ = genuine_result

    assert Client().get(f"{location}upload").status_code == 404
    assert Client().get(location).status_code == 404


def test_each_finding_is_said_once_and_the_measures_are_behind_details(genuine_result):
    _, _, page = genuine_result
    visible, page = outside_details(page), html.unescape(page)

    assert "Authentic" in visible
    assert "matches the issuer's original rendering" in visible
    # The measure that used to be printed to HR ("perceptual hash distance 26") is a detail now.
    assert "perceptual hash" not in visible.lower() and "residual" not in visible.lower()
    assert re.search(
        r"<details class=\"technical\"><summary>Details</summary>.*Perceptual hash distance", page, re.S
    )
    sentences = re.findall(r"<li>(?:<strong>)?([^<]+)", visible)
    assert sentences and len(sentences) == len(set(sentences)), sentences


def test_the_public_page_of_a_reissued_certificate_says_superseded_not_revoked(certificate, issuer):
    new = certificate_reissue(actor=Actor(user=issuer), certificate=certificate, recipient_name="Ada King")
    page = Client().get(f"/verify/{certificate.credential_id}/").content.decode()
    status = re.search(r'<p class="status-word">([^<]+)</p>', page).group(1)

    assert status == "Superseded"
    assert "corrected one" in page and f"/verify/{new.credential_id}/" in page
    assert "It was revoked on" not in page
