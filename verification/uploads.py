"""Checks on an uploaded document before anything else touches it.

Type by magic bytes (never by name or the client's Content-Type), size cap, pixel-count cap read
from the header before decoding (a decompression bomb is a 400, not an out-of-memory worker),
PDF page cap, and no trailing archive (a JPEG + ZIP polyglot). The file is stored under a
generated name.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

from .errors import VerificationError

SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
]
ARCHIVE_MARKERS = (b"PK\x03\x04", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")


@dataclass
class CheckedUpload:
    data: bytes
    content_type: str
    extension: str
    sha256: str

    @property
    def storage_name(self) -> str:
        return f"{uuid.uuid4().hex}.{self.extension}"


def _sniff(data: bytes) -> tuple[str, str]:
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    raise VerificationError("Upload a JPEG, PNG, WebP image or a PDF.", field="file", code="unsupported_type")


def _check_image(data: bytes, content_type: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size  # header only: nothing decoded yet
            if width * height > settings.UPLOAD_MAX_PIXELS:
                raise VerificationError(
                    f"The image is {width}×{height} pixels; at most {settings.UPLOAD_MAX_PIXELS // 1_000_000} "
                    "megapixels are accepted.",
                    field="file",
                    code="too_many_pixels",
                )
            img.verify()
    except VerificationError:
        raise
    except Exception as exc:  # Pillow raises many types for broken files
        raise VerificationError(
            "The image is damaged or not really an image.", field="file", code="invalid_image"
        ) from exc
    if content_type == "image/jpeg":
        end = data.rfind(b"\xff\xd9")
        if end != -1 and any(marker in data[end:] for marker in ARCHIVE_MARKERS):
            raise VerificationError(
                "The image has another file hidden after it.", field="file", code="polyglot"
            )


def _check_pdf(data: bytes) -> None:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        raise VerificationError("The PDF is damaged or encrypted.", field="file", code="invalid_pdf") from exc
    try:
        pages = len(pdf)
        if pages == 0:
            raise VerificationError("The PDF has no pages.", field="file", code="invalid_pdf")
        if pages > settings.UPLOAD_MAX_PDF_PAGES:
            raise VerificationError(
                f"The PDF has {pages} pages; at most {settings.UPLOAD_MAX_PDF_PAGES} are accepted.",
                field="file",
                code="too_many_pages",
            )
        width, height = pdf[0].get_size()
        if width * height * (150 / 72) ** 2 > settings.UPLOAD_MAX_PIXELS:
            raise VerificationError("The PDF page is too large.", field="file", code="too_many_pixels")
    finally:
        pdf.close()


def check_upload(upload) -> CheckedUpload:
    """Validate an uploaded file object (Django UploadedFile); raise VerificationError otherwise."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise VerificationError(
            f"The file is larger than {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB.",
            field="file",
            code="file_too_large",
        )
    data = upload.read()
    if not data:
        raise VerificationError("The file is empty.", field="file", code="empty_file")
    content_type, extension = _sniff(data)
    if content_type == "application/pdf":
        _check_pdf(data)
    else:
        _check_image(data, content_type)
    return CheckedUpload(
        data=data, content_type=content_type, extension=extension, sha256=hashlib.sha256(data).hexdigest()
    )
