"""Uploaded documents: size caps, decompression bombs, polyglots, types by content, stored names.

Already pinned in tests/verification/test_verification_api.py: GIF and HTML named `.png` are
refused, a JPEG with a ZIP appended is refused, and a pixel flood is refused with `too_many_pixels`.
This file adds what those do not: the memory a bomb costs, polyglots that slip past a naive
trailer check, other containers, and the names files are stored under.
"""

from __future__ import annotations

import io
import re
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from certificates.models import CertificateTemplate, IssuanceBatch
from tests.conftest import auth_client
from verification.models import VerificationRequest

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


def submit(data: bytes, name: str, client=None):
    client = client or APIClient()
    return client.post("/api/v1/verifications/", {"file": SimpleUploadedFile(name, data)}, format="multipart")


def error_code(response) -> str:
    return response.json()["error"]["code"]


def small_image(fmt: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width × height black pixels, built row by row so making it is cheap."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int, height: int) -> bytes:
    """A tiny JPEG whose frame header claims width × height."""
    data = bytearray(small_image("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def pdf_with_page(width_pt: float, height_pt: float) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(width_pt, height_pt))
    page.drawString(72, 72, "Certificate")
    page.showPage()
    page.save()
    return out.getvalue()


def zip_archive(members: dict[str, bytes], comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        archive.comment = comment
    return out.getvalue()


# --- size caps ---------------------------------------------------------------------------------


def test_a_json_body_over_the_cap_is_refused_before_it_is_parsed(user):
    """Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only for forms; JSON must be capped too."""
    from tests.factories import PASSWORD

    padding = "x" * int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 1.25)
    body = {"email": user.email, "password": PASSWORD, "padding": padding}
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code in (400, 413), response.status_code
    assert "access" not in response.content.decode()


def test_an_authenticated_json_body_over_the_cap_is_refused(user):
    padding = "x" * int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 1.25)
    response = auth_client(user).post("/api/v1/organizations/", {"name": padding}, format="json")
    assert response.status_code in (400, 413)
    assert response.json()["error"]["code"] == "request_too_large"


def test_an_urlencoded_body_over_the_cap_is_a_client_error(user):
    padding = "x" * int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 1.25)
    response = auth_client(user).post(
        "/api/v1/organizations/", f"name={padding}", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (400, 413)


def test_an_upload_over_the_file_cap_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 50_000
    data = small_image("PNG") + b"\0" * 60_000  # trailing bytes after IEND make it big enough
    response = submit(data, "big.png")
    assert response.status_code == 400 and error_code(response) == "file_too_large"
    assert not VerificationRequest.objects.exists()


def test_a_multipart_body_far_over_the_file_cap_is_refused_before_it_is_read(settings):
    settings.UPLOAD_MAX_BYTES = 50_000
    response = submit(small_image("PNG") + b"\0" * (2 * MiB), "huge.png")
    assert response.status_code == 413 and error_code(response) == "request_too_large"


# --- decompression bombs -----------------------------------------------------------------------


def _rss_high_water_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _reset_rss_high_water() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    "name,make,code",
    [
        pytest.param("flood.png", lambda: png_bomb(12_000, 12_000), "too_many_pixels", id="png-144MP"),
        pytest.param("flood.jpg", lambda: jpeg_bomb(9_000, 9_000), "too_many_pixels", id="jpeg-81MP"),
        # 900 MP: Pillow itself refuses to open it.
        pytest.param("giant.png", lambda: png_bomb(30_000, 30_000), None, id="png-900MP"),
        pytest.param(
            "poster.pdf", lambda: pdf_with_page(20_000, 20_000), "too_many_pixels", id="pdf-huge-page"
        ),
    ],
)
def test_a_decompression_bomb_is_refused_without_a_memory_spike(name, make, code):
    data = make()
    assert len(data) < 200_000
    measured_rss = _reset_rss_high_water()
    rss_before = _rss_high_water_kib()
    tracemalloc.start()
    try:
        response = submit(data, name)
        _current, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    if code:
        assert error_code(response) == code
    assert python_peak < 50 * MiB, f"Python allocations peaked at {python_peak / MiB:.0f} MiB"
    if measured_rss:  # pixel buffers are C allocations tracemalloc cannot see
        grown = (_rss_high_water_kib() - rss_before) / 1024
        assert grown < 50, f"resident memory grew by {grown:.0f} MiB"
    assert not VerificationRequest.objects.exists()


def test_a_pdf_with_too_many_pages_is_refused(settings):
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    document = canvas.Canvas(out)
    for _ in range(settings.UPLOAD_MAX_PDF_PAGES + 1):
        document.drawString(72, 72, "page")
        document.showPage()
    document.save()
    response = submit(out.getvalue(), "many.pdf")
    assert response.status_code == 400 and error_code(response) == "too_many_pages"


# --- polyglots and types -----------------------------------------------------------------------


def test_a_png_with_a_zip_appended_is_refused():
    polyglot = small_image("PNG") + zip_archive({"payload.html": b"<script>alert(1)</script>"})
    response = submit(polyglot, "cert.png")
    assert response.status_code == 400 and error_code(response) == "polyglot"


def test_a_jpeg_with_a_zip_whose_bytes_contain_an_end_of_image_marker_is_refused():
    """The archive's own bytes contain FF D9, so "the last FF D9" is inside the ZIP."""
    archive = zip_archive({"a.txt": b"\xff\xd9 hidden"}, comment=b"\xff\xd9")
    response = submit(small_image("JPEG") + archive, "cert.jpg")
    assert response.status_code == 400 and error_code(response) == "polyglot"


def test_a_webp_with_a_zip_appended_is_refused():
    polyglot = small_image("WEBP") + zip_archive({"x.txt": b"x"})
    response = submit(polyglot, "cert.webp")
    assert response.status_code == 400 and error_code(response) == "polyglot"


def test_a_jpeg_with_an_embedded_thumbnail_is_still_accepted():
    """EXIF thumbnails are a JPEG inside the JPEG; the end-of-image search must skip them."""
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = "certificate scan"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    thumbnail = small_image("JPEG", size=(16, 12))
    # An APP1 segment carrying a second complete JPEG, as cameras write thumbnails.
    app1 = b"\xff\xe1" + struct.pack(">H", len(thumbnail) + 2) + thumbnail
    data = out.getvalue()
    with_thumbnail = data[:2] + app1 + data[2:]
    response = submit(with_thumbnail, "scan.jpg")
    assert response.status_code == 202, response.json()


@pytest.mark.parametrize(
    "data,name",
    [
        pytest.param(
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "cert.png", id="svg"
        ),
        pytest.param(b"MZ\x90\x00" + b"\x00" * 200, "cert.jpg", id="windows-executable"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 200, "cert.pdf", id="zip"),
        # The magic bytes alone are not an image.
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "cert.png", id="png-signature-only"),
    ],
)
def test_content_that_is_not_what_its_name_claims_is_refused(data, name):
    response = submit(data, name)
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    assert not VerificationRequest.objects.exists()


@pytest.mark.parametrize(
    "make,name,content_type,extension",
    [
        pytest.param(lambda: small_image("PNG"), "cert.jpg", "image/png", "png", id="png-named-jpg"),
        pytest.param(lambda: small_image("JPEG"), "cert.html", "image/jpeg", "jpg", id="jpeg-named-html"),
        pytest.param(
            lambda: pdf_with_page(595, 842), "cert.png", "application/pdf", "pdf", id="pdf-named-png"
        ),
    ],
)
def test_the_type_comes_from_the_content_not_the_name(make, name, content_type, extension):
    response = submit(make(), name)
    assert response.status_code == 202, response.json()
    verification = VerificationRequest.objects.get()
    assert verification.upload_content_type == content_type
    assert verification.upload.name.endswith(f".{extension}")


# --- stored names ------------------------------------------------------------------------------


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_an_upload_is_stored_under_a_generated_name_inside_the_uploads_folder():
    response = submit(small_image("PNG"), "../../etc/passwd.png")
    assert response.status_code == 202, response.json()
    stored = VerificationRequest.objects.get().upload.name
    assert re.fullmatch(r"verifications/uploads/[0-9a-f]{32}\.png", stored), stored
    media = Path(settings.MEDIA_ROOT).resolve()
    files = _files_under(media)
    assert files == [media / stored]
    assert not any("passwd" in path.name for path in files)
    assert not (media.parent / "etc").exists()


def test_a_bulk_issuance_file_is_stored_under_its_digest(org, issuer):
    csv_data = b"recipient_name,title,issue_date\nAda Lovelace,MSc,2026-06-30\n"
    response = auth_client(issuer).post(
        "/api/v1/certificates/bulk/",
        {"organization": org.slug, "file": SimpleUploadedFile("../../etc/cron.d/evil.csv", csv_data)},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    stored = IssuanceBatch.objects.get().file.name
    assert re.fullmatch(r"batches/[0-9a-f]{16}(_\w+)?\.csv", stored), stored


def test_a_template_background_stays_inside_the_templates_folder(org, admin_user):
    response = auth_client(admin_user).post(
        "/api/v1/templates/",
        {
            "organization": org.slug,
            "name": "Traversal",
            "background": SimpleUploadedFile("../../../etc/passwd.png", small_image("PNG")),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    stored = CertificateTemplate.objects.get(name="Traversal").background.name
    assert stored.startswith("templates/") and ".." not in stored and "/" not in stored[len("templates/") :]
    media = Path(settings.MEDIA_ROOT).resolve()
    assert all(path.resolve().is_relative_to(media) for path in _files_under(media))
