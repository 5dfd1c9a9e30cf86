"""The common interface of the fraud layers.

A layer is a pure function of a `LayerContext`: it reads the upload, the fields extracted in
stage 1 and the issuer's record (all plain data, already loaded), and returns a `LayerResult`.
It never touches the database; the service that runs it stores the result.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from PIL import Image

from ..pdf_pages import render_first_page

if TYPE_CHECKING:
    from ..page_capture import Page  # OpenCV loads with the first page found, not with the layers

LayerStatus = Literal["passed", "warning", "failed", "skipped", "error"]
Severity = Literal["info", "warning", "critical"]


@dataclass
class Finding:
    """One observation, in words a non-expert understands.

    `decisive` marks evidence strong enough to make the verdict `fraudulent` on its own
    (a revoked certificate, a registry mismatch, a bad QR signature); scoring.py applies it.
    `region` is (x, y, width, height) in the pixels of `LayerContext.image`.
    `detail` holds the technical measure behind the message (distances, thresholds, qualities):
    pages show it behind a "details" disclosure, so the message itself stays in plain words.
    """

    code: str
    message: str
    severity: Severity = "info"
    field: str | None = None
    region: tuple[int, int, int, int] | None = None
    decisive: bool = False
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "field": self.field,
            "region": list(self.region) if self.region else None,
            "decisive": self.decisive,
            "detail": self.detail,
        }


@dataclass
class LayerResult:
    status: LayerStatus
    points: float
    max_points: int
    findings: list[Finding] = field(default_factory=list)
    # name -> PNG bytes (e.g. "ela_heatmap"); stored by the service, exposed as URLs.
    artifacts: dict[str, bytes] = field(default_factory=dict)
    # Extra machine-readable detail (e.g. which vision path ran, measured statistics).
    details: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0

    @classmethod
    def skipped(cls, max_points: int, reason: str, code: str = "skipped") -> LayerResult:
        return cls("skipped", 0.0, max_points, [Finding(code, reason)])


READING_SIDE = 1600  # what OCR and QR decoding need (fraud/ocr.py MAX_WIDTH)
# A page can list millions of annotations, and drawing each costs ~60 us (1.9 M: two minutes).
# Past this many the page is drawn without them; the metadata layer reports the page instead.
PDF_MAX_ANNOTATIONS = 500


@dataclass
class Upload:
    """The uploaded document. `data` is the original bytes; `image` is page 1 as RGB."""

    data: bytes
    content_type: str  # image/jpeg | image/png | image/webp | application/pdf
    filename: str = ""
    # What another step of the same verification in this process already derived from these bytes
    # (the reading image and the rectified page): stage 1 finds the page, the registry compares it.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def is_jpeg(self) -> bool:
        return self.content_type == "image/jpeg"

    @cached_property
    def image(self) -> Image.Image:
        """First page as an RGB image (PDFs rasterized at 150 dpi, with bounded work: fraud/pdf_pages.py)."""
        if self.is_pdf:
            return render_first_page(self.data, scale=150 / 72, max_annotations=PDF_MAX_ANNOTATIONS)
        with Image.open(io.BytesIO(self.data)) as img:
            return _rgb(img)

    @cached_property
    def size(self) -> tuple[int, int]:
        """Page 1's size in the pixels of `image`, from the header where that avoids a decode."""
        if self.is_pdf or "image" in self.__dict__:
            return self.image.size
        with Image.open(io.BytesIO(self.data)) as img:
            return img.size

    @cached_property
    def reading_image(self) -> Image.Image:
        """Page 1 as RGB, at most about READING_SIDE wide, for reading text and the QR code.

        A JPEG is decoded at a reduced scale (the DCT's own 1/2, 1/4, 1/8 scaling), which for a 12 MP
        photo is ~4x less memory and decoding time than the full page that ELA needs.
        """
        if "reading_image" in self.memo:
            return self.memo["reading_image"]
        self.memo["reading_image"] = image = self._decode_reading_image()
        return image

    def _decode_reading_image(self) -> Image.Image:
        if "image" in self.__dict__ or not self.is_jpeg:
            image = self.image
            if image.width <= 2 * READING_SIDE:
                return image
            return image.reduce(image.width // READING_SIDE)
        with Image.open(io.BytesIO(self.data)) as img:
            img.draft("RGB", (READING_SIDE, round(READING_SIDE * img.height / max(1, img.width))))
            return _rgb(img)

    @cached_property
    def page(self) -> Page:
        """The page within `reading_image`: rectified when it is a photo or screenshot of a page
        (its outline found, fraud/page_capture.py), else `reading_image` itself. Stage 1 reads the
        fields (and, when the frame does not decode, the QR code) from it; the registry compares it."""
        from fraud.page_capture import rectified_page

        if "page" not in self.memo:
            self.memo["page"] = rectified_page(self.reading_image)
        return self.memo["page"]


def _rgb(img: Image.Image) -> Image.Image:
    """The decoded page as RGB; an RGB decode is kept as is (convert() would copy it: 36 MiB at 12 MP)."""
    img.load()
    return img if img.mode == "RGB" else img.convert("RGB")


@dataclass
class QRPayload:
    """What the QR code on the document said (see certificates/signing.py for the format)."""

    raw: str
    url: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # cid, name, title, issued, expires, hash, kid
    signature_valid: bool | None = None  # None: no signature or no key to check against
    organization_slug: str | None = None


@dataclass
class VisionReading:
    """Stage-1 reading of the document by Gemini or local OCR (fraud/reading.py)."""

    path: Literal["gemini", "ocr", "none"]
    fields: dict[str, str | None] = field(default_factory=dict)
    # issuer, recipient_name, title, issue_date, expiry_date, grade, credential_id
    manipulation_signs: list[dict[str, Any]] = field(default_factory=list)  # {"description", "box"}
    text: str = ""
    note: str = ""  # e.g. "Gemini timed out; local OCR was used instead."
    # Local OCR's lines, [text, [x, y, w, h]] in the pixels of `Upload.page.image` (the forensic
    # layer measures the type and the paper there); empty when Gemini read the page.
    lines: list[list[Any]] = field(default_factory=list)


@dataclass
class Extracted:
    qr: QRPayload | None = None
    vision: VisionReading | None = None

    def field_value(self, name: str) -> str | None:
        """Best available value of a document field: the QR's signed value, then the reading."""
        qr_map = {
            "credential_id": "cid",
            "recipient_name": "name",
            "title": "title",
            "issue_date": "issued",
            "expiry_date": "expires",
        }
        if self.qr and name in qr_map and self.qr.fields.get(qr_map[name]):
            return str(self.qr.fields[qr_map[name]])
        if self.vision:
            return self.vision.fields.get(name)
        return None


@dataclass
class AnchorInfo:
    merkle_root: str
    proof: list[dict[str, str]]
    chain_id: int
    tx_hash: str
    block_number: int | None
    status: str


@dataclass
class RegistryRecord:
    """The issuer's record of the claimed certificate, as plain data."""

    credential_id: str
    organization_slug: str
    organization_name: str
    recipient_name: str
    title: str
    issue_date: date
    expiry_date: date | None
    grade: str
    status: str  # issued | revoked | suspended | expired
    revocation_reason: str = ""
    revoked_at: datetime | None = None
    content_hash: str = ""
    canonical_fields: dict[str, Any] = field(default_factory=dict)
    original_png: bytes | None = None
    phash: str = ""
    anchor: AnchorInfo | None = None


@dataclass
class GeoHistory:
    """Recent verification activity, gathered by the service before the layers run."""

    # (country or None, when) of recent verifications of the same certificate
    same_certificate: list[tuple[str | None, datetime]] = field(default_factory=list)
    client_recent_total: int = 0
    client_recent_failed: int = 0
    client_distinct_credentials: int = 0


@dataclass
class LayerContext:
    verification_id: str
    now: datetime
    upload: Upload | None = None
    credential_id: str | None = None  # as typed by the requester
    extracted: Extracted = field(default_factory=Extracted)
    record: RegistryRecord | None = None
    # A registered organization the document claims (by QR, name or id prefix) when no record
    # was found: "registered issuer, no such certificate" is strong evidence of forgery.
    claimed_organization: str | None = None
    client_ip: str | None = None
    geo: GeoHistory = field(default_factory=GeoHistory)

    @property
    def image(self) -> Image.Image | None:
        return self.upload.image if self.upload else None


# What a layer may list in `inputs`: each is loaded (from storage or the database) only for the
# layers that list it (fraud/context.py). The rest of LayerContext is plain data, always present.
LAYER_INPUTS = frozenset({"upload", "record", "original_image"})


class Layer:
    """Base class: subclasses set `name`, `title`, `max_points` and `inputs`, and implement `run`."""

    name: ClassVar[str]
    max_points: ClassVar[int]
    title: ClassVar[str] = ""
    inputs: ClassVar[frozenset[str]] = frozenset()  # a subset of LAYER_INPUTS

    def run(self, ctx: LayerContext) -> LayerResult:  # pragma: no cover - interface
        raise NotImplementedError

    def result(self, status: LayerStatus, points: float, findings: list[Finding], **kw) -> LayerResult:
        points = max(0.0, min(float(points), float(self.max_points)))
        return LayerResult(status, points, self.max_points, findings, **kw)

    def skip(self, reason: str) -> LayerResult:
        return LayerResult.skipped(self.max_points, reason)
