"""A genuine certificate whose QR code alone was degraded by compression (what a chat forward at
JPEG ~60 does to its fine pattern) is not called forged: the code decoded to this certificate with
a valid signature, so a difference confined to it is not evidence of an edit (issue K.2)."""

import io

import cv2
import numpy as np
import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFilter
from rest_framework.test import APIClient

from tests.verification.conftest import png_of

pytestmark = pytest.mark.django_db


def qr_box(png: bytes) -> tuple[int, int, int, int]:
    # zxing finds every code; OpenCV's detector missed some of the random credential ids' codes.
    grey = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    (code,) = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    corners = [
        code.position.top_left,
        code.position.top_right,
        code.position.bottom_left,
        code.position.bottom_right,
    ]
    xs, ys = [p.x for p in corners], [p.y for p in corners]
    return min(xs), min(ys), max(xs), max(ys)


def with_qr_degraded(png: bytes) -> bytes:
    """The page untouched except its QR code, blurred and re-compressed hard (still decodable)."""
    page = Image.open(io.BytesIO(png)).convert("RGB")
    box = qr_box(png)
    patch = page.crop(box).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    patch.save(out, "JPEG", quality=35)
    # Blocky and a few pixels off, as a heavily compressed and resampled code comes out.
    page.paste(Image.open(io.BytesIO(out.getvalue())), (box[0] + 5, box[1] + 5))
    result = io.BytesIO()
    page.save(result, "PNG")
    return result.getvalue()


def verify(data: bytes, capture) -> dict:
    client = APIClient()
    with capture(execute=True):
        response = client.post(
            "/api/v1/verifications/", {"file": SimpleUploadedFile("c.png", data)}, format="multipart"
        )
    return client.get(response.json()["status_url"]).json()


def test_a_difference_confined_to_a_verified_qr_code_is_not_an_edit(
    certificate, django_capture_on_commit_callbacks
):
    body = verify(with_qr_degraded(png_of(certificate)), django_capture_on_commit_callbacks)
    registry = next(layer for layer in body["layers"] if layer["layer"] == "registry")

    assert body["document_fields"]["qr_signature_valid"] is True
    assert "qr_area_compression" in {f["code"] for f in registry["findings"]}, registry["findings"]
    assert not [f for layer in body["layers"] for f in layer["findings"] if f["decisive"]]
    assert body["verdict"] != "fraudulent", body["reasons"]
