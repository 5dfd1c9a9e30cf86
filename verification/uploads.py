"""Checks on an uploaded document before anything else touches it.

Type by magic bytes (never by name or the client's Content-Type), size cap, pixel-count cap read
from the header before decoding (a decompression bomb is a 400, not an out-of-memory worker),
PDF page cap, and no trailing archive (a JPEG + ZIP polyglot). The file is stored under a
generated name.

Every later reader pays for the file's structure again, so it is bounded here too, by walking
the container before Pillow does: Pillow reads JPEG markers and PNG chunks in Python (a 15 MB
JPEG of stray bytes took 12 s to open), and libjpeg re-walks the whole image for every scan of a
progressive JPEG (a million empty scans: hours per decode).
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
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
# Structure caps, far above what encoders write.
MAX_CHUNKS = 20_000  # PNG and WebP; a 15 MB PNG in libpng's 8 KB IDAT chunks has ~1,900
MAX_JPEG_SEGMENTS = 2_000  # a camera JPEG has ~15, a progressive one ~40
MAX_JPEG_SCANS = 100  # libjpeg's progressive mode writes 10, mozjpeg ~20
MAX_JPEG_STRAY_BYTES = 64 * 1024  # fill and junk bytes between segments
MAX_PDF_REVISIONS = 1_000  # each incremental update is another xref section pdfium reads
# In entropy-coded data an FF is followed by a stuffed 00 or a restart marker; anything else
# ends the scan (a fixed two-byte pattern: linear).
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")


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
    raise VerificationError(
        _("Upload a JPEG, PNG, WebP image, a PDF, or a verifiable credential (.json)."),
        field="file",
        code="unsupported_type",
    )


def _too_complex(what: str) -> VerificationError:
    return VerificationError(
        _("The file's structure is unusually complex (%(what)s). Save it again as an ordinary image or PDF.")
        % {"what": what},
        field="file",
        code="too_complex",
    )


def _check_image(data: bytes, content_type: str) -> None:
    end = _image_end(data, content_type)  # before Pillow: it raises when the structure is too big
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
                    _("The image is %(width)s×%(height)s pixels; at most %(limit)s megapixels are accepted.")
                    % {"width": width, "height": height, "limit": settings.UPLOAD_MAX_PIXELS // 1_000_000},
                    field="file",
                    code="too_many_pixels",
                )
            img.verify()
    except VerificationError:
        raise
    except Exception as exc:  # Pillow raises many types for broken files
        raise VerificationError(
            _("The image is damaged or not really an image."), field="file", code="invalid_image"
        ) from exc
    trailer = data[end:]
    if any(marker in trailer for marker in ARCHIVE_MARKERS):
        raise VerificationError(
            _("The image has another file hidden after it."), field="file", code="polyglot"
        )


def _image_end(data: bytes, content_type: str) -> int:
    """Offset just past the image's own structure; what follows is a trailer.

    Found by walking the container (not by searching for an end marker, which an appended
    archive can itself contain). Raises VerificationError past the structure caps.
    """
    if content_type == "image/png":
        offset, chunks = 8, 0
        while offset + 8 <= len(data):
            length, kind = int.from_bytes(data[offset : offset + 4], "big"), data[offset + 4 : offset + 8]
            offset += 12 + length
            chunks += 1
            if kind == b"IEND":
                break
            if chunks > MAX_CHUNKS:
                raise _too_complex(f"over {MAX_CHUNKS} PNG chunks")
        return offset
    if content_type == "image/webp":
        offset, chunks = 12, 0
        while offset + 8 <= len(data) and data[offset : offset + 4] in WEBP_CHUNKS:
            size = int.from_bytes(data[offset + 4 : offset + 8], "little")
            offset += 8 + size + (size & 1)
            chunks += 1
            if chunks > MAX_CHUNKS:
                raise _too_complex(f"over {MAX_CHUNKS} WebP chunks")
        return offset
    return _jpeg_end(data)


def _jpeg_end(data: bytes) -> int:
    """Walk the JPEG's segments and scans to its end-of-image marker (2 when there is none).

    Segments carry their length (so an EXIF thumbnail is skipped); a scan's data runs to the
    next FF that is not stuffed. Stray bytes are skipped with bytes.find, and every count is
    capped, so the walk is linear and its Python loop short.
    """
    offset, segments, scans, stray = 2, 0, 0, 0
    while offset + 2 <= len(data):
        marker_at, stray = _next_marker(data, offset, stray)
        if marker_at + 2 > len(data):
            return 2
        marker = data[marker_at + 1]
        if marker == 0xD9:
            return marker_at + 2
        if marker == 0x00:  # a stuffed FF outside a scan: stray
            offset, stray = marker_at + 2, stray + 2
            continue
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise _too_complex(f"over {MAX_JPEG_SEGMENTS} JPEG segments")
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            offset = marker_at + 2
            continue
        offset = marker_at + 2 + int.from_bytes(data[marker_at + 2 : marker_at + 4], "big")
        if marker == 0xDA:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise _too_complex(f"over {MAX_JPEG_SCANS} JPEG scans")
            scan_end = _SCAN_END.search(data, offset)
            if scan_end is None:
                return 2
            offset = scan_end.start()
    return 2


def _next_marker(data: bytes, offset: int, stray: int) -> tuple[int, int]:
    """Where the next marker's FF is (len(data) if none), past junk and fill bytes; the stray
    count so far, raising past MAX_JPEG_STRAY_BYTES."""
    marker_at = data.find(b"\xff", offset)
    if marker_at == -1:
        return len(data), stray
    stray += marker_at - offset
    while marker_at + 2 < len(data) and data[marker_at + 1] == 0xFF and stray <= MAX_JPEG_STRAY_BYTES:
        marker_at, stray = marker_at + 1, stray + 1  # fill bytes before a marker
    if stray > MAX_JPEG_STRAY_BYTES:
        raise _too_complex(f"over {MAX_JPEG_STRAY_BYTES // 1024} KB of stray bytes between JPEG segments")
    return marker_at, stray


def _check_pdf(data: bytes) -> None:
    import pypdfium2 as pdfium

    # An upper bound (the word may occur elsewhere), counted before pdfium reads every section.
    if data.count(b"startxref") > MAX_PDF_REVISIONS:
        raise _too_complex(f"saved over {MAX_PDF_REVISIONS} times")
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
        width, height = pdf.get_page_size(0)  # from the page tree: its content is not parsed here
        if width * height * (150 / 72) ** 2 > settings.UPLOAD_MAX_PIXELS:
            raise VerificationError(_("The PDF page is too large."), field="file", code="too_many_pixels")
    finally:
        pdf.close()


def check_upload(upload) -> CheckedUpload:
    """Validate an uploaded file object (Django UploadedFile); raise VerificationError otherwise."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise VerificationError(
            _("The file is larger than %(limit)s MB.")
            % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
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
