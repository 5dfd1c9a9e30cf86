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
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

from .errors import VerificationError

SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
]
# ZIP local header and end-of-central-directory (a reader looks for the latter first), RAR, 7z.
ARCHIVE_MARKERS = (b"PK\x03\x04", b"PK\x05\x06", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
WEBP_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP", b"EXIF", b"XMP "}


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
        # Pillow warns about (or past 2x its limit, refuses) large images when opening them; the
        # size is judged here against our own limit, with a message the uploader can act on.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
        with img:
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
    trailer = data[_image_end(data, content_type) :]
    if any(marker in trailer for marker in ARCHIVE_MARKERS):
        raise VerificationError("The image has another file hidden after it.", field="file", code="polyglot")


def _image_end(data: bytes, content_type: str) -> int:
    """Offset just past the image's own structure; what follows is a trailer.

    Found by walking the container (not by searching for an end marker, which an appended
    archive can itself contain).
    """
    if content_type == "image/png":
        offset = 8
        while offset + 8 <= len(data):
            length, kind = int.from_bytes(data[offset : offset + 4], "big"), data[offset + 4 : offset + 8]
            offset += 12 + length
            if kind == b"IEND":
                break
        return offset
    if content_type == "image/webp":
        offset = 12
        while offset + 8 <= len(data) and data[offset : offset + 4] in WEBP_CHUNKS:
            size = int.from_bytes(data[offset + 4 : offset + 8], "little")
            offset += 8 + size + (size & 1)
        return offset
    return _jpeg_end(data)


def _jpeg_end(data: bytes) -> int:
    # Segments carry their length up to the first scan (so an EXIF thumbnail is skipped); in the
    # scan data FF is always escaped, so the first FF D9 after it is the end of the image.
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF or data[offset + 1] in (0xFF, 0x00):
            offset += 1
            continue
        marker = data[offset + 1]
        if marker == 0xDA:
            end = data.find(b"\xff\xd9", offset)
            return 2 if end == -1 else end + 2
        if 0xD0 <= marker <= 0xD8 or marker == 0x01:
            offset += 2
            continue
        offset += 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
    return 2


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
