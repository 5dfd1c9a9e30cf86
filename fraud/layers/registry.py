"""Layer 4: the document against the issuer's own record of the certificate.

Checks, in order of weight: the fields printed on the document (credential id, name, dates,
grade, title, issuer), the QR code's signature and payload, and the upload against the stored
original rendering, pixel by pixel.

Points (max 20):
* a registered issuer with no such certificate earns 0;
* otherwise 20 x (earned / possible) over the parts that could be checked, weighted
  printed fields 10, QR code 4, original rendering 6. Within the fields each compared field
  carries its own weight (`FIELD_WEIGHTS`) and a mismatch loses it; unreadable fields are not
  counted. A QR code scores 1 when signed and consistent, 0.5 when consistent but unsigned, 0
  otherwise; the rendering scores 1 when it matches, 0 when regions were changed;
* a check by credential id alone (no upload) has none of these parts: a valid certificate
  earns the full 20.
Mismatches of the name, credential id, grade or dates, a bad QR signature or payload, a changed
region of the rendering are decisive; a title or issuer mismatch warns. The certificate's status
(revoked, suspended, expired) is reported for information only: it is the credential's answer, not
the document's (verification/credential_status.py).

A changed region is attributed to a field when a layout is known: `RegistryLayer(field_layout=...)`
or a `field_layout` attribute on the record (field -> (x, y, w, h) as fractions of the rendering).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings

from certificates.api import credential_id_repairs, is_valid_credential_id
from fraud.matching import (
    FIELD_LABELS,
    FieldMatch,
    compare_dates,
    compare_exact,
    compare_names,
    compare_titles,
)

from .base import Finding, Layer, LayerContext, LayerResult, LayerStatus, QRPayload, RegistryRecord

if TYPE_CHECKING:
    from fraud.imagediff import ImageComparison

PART_WEIGHTS = {"fields": 10.0, "qr": 4.0, "image": 6.0}
FIELD_WEIGHTS = {
    "credential_id": 3.0,
    "recipient_name": 3.0,
    "issue_date": 2.0,
    "expiry_date": 1.0,
    "grade": 1.0,
    "title": 1.0,
    "issuer": 1.0,
}
# Fields whose mismatch alone proves the document was altered; a title or issuer name is often
# abbreviated or reworded by a reader, so those only warn.
DECISIVE_FIELDS = frozenset({"credential_id", "recipient_name", "issue_date", "expiry_date", "grade"})
# More than this share of the document changed is not a local edit: it is another rendering
# (or a wholesale re-typeset); reported, but not on its own decisive.
WIDESPREAD_CHANGE = 0.05
MAX_REGION_FINDINGS = 5
CREDENTIAL_ID_PREFIX = "CV"
# QR payload key -> record field, for the payload-vs-record check.
QR_FIELDS = {
    "cid": "credential_id",
    "name": "recipient_name",
    "title": "title",
    "issued": "issue_date",
    "expires": "expiry_date",
}

# A field layout: field name -> (x, y, width, height) as fractions of the rendering's size.
FieldLayout = Mapping[str, tuple[float, float, float, float]]


@dataclass
class _Part:
    """One weighted part of the score: how much of it was earned (0-1), if it applied."""

    earned: float | None = None  # None: could not be checked
    findings: list[Finding] = field(default_factory=list)


class RegistryLayer(Layer):
    """Compares the document with the issuer's record, its status and its original rendering."""

    name = "registry"
    max_points = 20
    title = "Issuer's records"
    inputs = frozenset({"upload", "record", "original_image"})

    def __init__(self, field_layout: FieldLayout | None = None):
        # Where the renderer prints each field, to say which field a changed region covers.
        self.field_layout = field_layout or {}

    def run(self, ctx: LayerContext) -> LayerResult:
        if ctx.record is None:
            return self._without_record(ctx)
        record = ctx.record
        status = _status_findings(record, ctx.now)
        image, comparison = self._image_part(ctx, record)
        pixels_match = comparison is not None and comparison.matches_original
        fields, matches = self._fields_part(ctx, record, pixels_match=pixels_match)
        qr = _qr_part(ctx.extracted.qr, record)
        findings = [*status, *fields.findings, *qr.findings, *image.findings]
        parts = {"fields": fields, "qr": qr, "image": image}
        points = 0.0 if any(f.decisive for f in status) else _points(parts, self.max_points)
        details = {
            "fields": [m.as_dict() for m in matches],
            "parts": {name: part.earned for name, part in parts.items()},
            "record_status": record.status,
        }
        artifacts = {}
        if comparison is not None:
            details["image"] = _comparison_details(comparison)
            if comparison.changed_regions:
                artifacts["diff_heatmap"] = comparison.heatmap_png
        return self.result(_layer_status(findings), points, findings, artifacts=artifacts, details=details)

    # --- no record -----------------------------------------------------------------------------

    def _without_record(self, ctx: LayerContext) -> LayerResult:
        cid = ctx.extracted.field_value("credential_id") or ctx.credential_id
        accuses = ctx.claimed_organization or _points_at_this_site(ctx.extracted.qr)
        if accuses and cid and not is_valid_credential_id(cid):
            # A failed check character is a misreading (stage 1 tried the confusable repairs).
            reason = (
                f"The credential id was read as {cid}, but its check character does not match, so it "
                "was misread; none of its look-alike corrections is a certificate on record, so the "
                "document could not be compared with the issuer's records."
            )
            return LayerResult.skipped(self.max_points, reason, code="credential_id_unread")
        if ctx.claimed_organization:
            org = ctx.claimed_organization
            what = f"no certificate with id {cid}" if cid else "no record of this certificate"
            message = f"The document claims to be issued by {org}, but {org} has {what}."
            finding = Finding(
                "no_such_certificate", message, "critical", field="credential_id", decisive=True
            )
            return self.result(
                "failed", 0.0, [finding], details={"claimed_organization": org, "credential_id": cid}
            )
        if _points_at_this_site(ctx.extracted.qr):
            message = (
                f"The document's QR code sends verifiers to CertVerify's own verify page for {cid}, but "
                "CertVerify never issued a certificate with that id, and the issuer it names "
                f"({ctx.extracted.qr.organization_slug or 'none'}) is not registered here. A genuine "
                "certificate's QR code only points here if it was issued here."
            )
            finding = Finding(
                "no_such_certificate_here", message, "critical", field="credential_id", decisive=True
            )
            return self.result("failed", 0.0, [finding], details={"credential_id": cid})
        reason = (
            f"No certificate with id {cid} is registered, and the document does not name an issuer "
            "registered with CertVerify, so there is no record to compare it with."
            if cid
            else "The issuer is not registered with CertVerify, so there is no record to compare with."
        )
        return LayerResult.skipped(self.max_points, reason, code="unknown_issuer")

    # --- printed fields ------------------------------------------------------------------------

    def _fields_part(
        self, ctx: LayerContext, record: RegistryRecord, *, pixels_match: bool = False
    ) -> tuple[_Part, list[FieldMatch]]:
        matches = [m for m in _compare_fields(ctx, record) if m is not None]
        misread = []
        if pixels_match:
            # The page is the issuer's own rendering down to a dozen pixels, so a field that reads
            # differently was misread (OCR dropping the thin "i" of "Shafi"), not changed.
            matches = [_misread(m) if m.mismatched else m for m in matches]
            misread = [m for m in matches if m.status == "misread"]
        matches = [_repaired_id(m, record) for m in matches]
        misread += [m for m in matches if m.status == "misread" and m not in misread]
        typed = _typed_id_finding(ctx.credential_id, record)
        compared = [m for m in matches if m.status not in ("unreadable", "misread")]
        findings = [typed] if typed else []
        findings += [_mismatch_finding(m) for m in compared if m.mismatched]
        agreed = [m for m in compared if m.matched]
        if agreed:
            labels = _join([FIELD_LABELS.get(m.field, m.field) for m in agreed])
            findings.append(
                Finding("fields_match", f"The {labels} on the document match the issuer's record.")
            )
        findings += [Finding("field_misread", m.message, field=m.field) for m in misread]
        unreadable = [m for m in matches if m.status == "unreadable"]
        if unreadable:
            labels = _join([FIELD_LABELS.get(m.field, m.field) for m in unreadable])
            them = "they were" if len(unreadable) > 1 else "it was"
            message = f"The {labels} could not be read from the document, so {them} not compared."
            findings.append(Finding("fields_unreadable", message))
        if not compared:
            return _Part(None, findings), matches
        total = sum(FIELD_WEIGHTS[m.field] for m in compared)
        earned = sum(FIELD_WEIGHTS[m.field] for m in agreed) / total
        return _Part(earned, findings), matches

    # --- original rendering --------------------------------------------------------------------

    def _image_part(self, ctx: LayerContext, record: RegistryRecord) -> tuple[_Part, ImageComparison | None]:
        # OpenCV (~45 MiB) loads on the first comparison, not with the class: the web imports
        # this class for its title only.
        import cv2

        from fraud.imagediff import compare_with_original

        if ctx.upload is None:
            return _Part(), None
        if not record.original_png:
            message = (
                "The issuer has no stored rendering of this certificate, so no pixel comparison was made."
            )
            return _Part(None, [Finding("no_original_rendering", message)]), None
        page = ctx.upload.page  # a photo's page rectified; regions are reported in its pixels
        try:
            comparison = compare_with_original(
                page.image, record.original_png, upload_size=ctx.upload.size if page.quad is None else None
            )
        except (cv2.error, ValueError, OSError) as exc:
            message = f"The document could not be compared with the issuer's original rendering ({exc})."
            return _Part(None, [Finding("image_compare_failed", message, "warning")]), None
        if not comparison.aligned:
            message = (
                "The document could not be lined up with the issuer's original rendering (a photo taken "
                "at an angle, a heavy crop, or a different document), so it was not compared pixel by pixel."
            )
            return _Part(None, [Finding("image_not_aligned", message, "warning")]), comparison
        if not comparison.registered_well:
            return _Part(None, [_not_registered(comparison)]), comparison
        if comparison.matches_original:
            message = (
                "The document matches the issuer's original rendering: nothing was changed, added or removed."
            )
            detail = (
                f"Perceptual hash distance {comparison.phash_distance}; {_registration_words(comparison)}."
            )
            return _Part(1.0, [Finding("matches_original", message, detail=detail)]), comparison
        # A per-template layout would come with the record (see the module docstring).
        layout = self.field_layout or getattr(record, "field_layout", None) or {}
        comparison, qr_only = _without_verified_qr_area(ctx, record, comparison)
        if qr_only and not comparison.changed_regions:
            return _Part(None, [qr_only]), comparison
        findings = self._region_findings(comparison, layout)
        return _Part(0.0, findings + ([qr_only] if qr_only else [])), comparison

    def _region_findings(self, comparison: ImageComparison, layout: FieldLayout) -> list[Finding]:
        if comparison.changed_fraction > WIDESPREAD_CHANGE:
            message = (
                "Large parts of the document differ from the issuer's original rendering: it is either "
                "not the issuer's rendering or a heavily edited copy."
            )
            detail = (
                f"{comparison.changed_fraction:.0%} of the page differs; {_registration_words(comparison)}."
            )
            return [Finding("widespread_changes", message, "critical", detail=detail)]
        findings = []
        for region in comparison.changed_regions[:MAX_REGION_FINDINGS]:
            field_name = _field_at(region.original_box, comparison.original_size, layout)
            where = _position_words(region.original_box, comparison.original_size)
            what = f", where the {FIELD_LABELS.get(field_name, field_name)} is printed" if field_name else ""
            message = (
                f"The area at the {where} of the document{what} differs from the issuer's original "
                "rendering: something was changed, added or removed there (marked in red on the heat map)."
            )
            x, y, w, h = region.box
            detail = f"Changed area {w}×{h} px at ({x}, {y}); {_registration_words(comparison)}."
            findings.append(
                Finding(
                    "changed_region",
                    message,
                    "critical",
                    field=field_name,
                    region=region.box,
                    decisive=True,
                    detail=detail,
                )
            )
        extra = len(comparison.changed_regions) - MAX_REGION_FINDINGS
        if extra > 0:
            message = f"{extra} more changed area(s) are marked on the heat map."
            findings.append(Finding("more_changed_regions", message, "critical"))
        return findings


def _qr_box(original_png: bytes) -> tuple[int, int, int, int] | None:
    """Where the QR code sits on the issuer's clean original (x, y, w, h), found by zxing (OpenCV's
    detector missed the codes of some credential ids, and a genuine forward then lost its
    exemption)."""
    import cv2
    import numpy as np
    import zxingcpp

    grey = cv2.imdecode(np.frombuffer(original_png, np.uint8), cv2.IMREAD_GRAYSCALE)
    if grey is None:
        return None
    codes = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    if not codes:
        return None
    p = codes[0].position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _inside(region: tuple[int, int, int, int], box: tuple[int, int, int, int], margin: float) -> bool:
    x, y, w, h = box
    mx, my = w * margin, h * margin
    rx, ry, rw, rh = region
    return rx >= x - mx and ry >= y - my and rx + rw <= x + w + mx and ry + rh <= y + h + my


def _without_verified_qr_area(
    ctx: LayerContext, record: RegistryRecord, comparison: ImageComparison
) -> tuple[ImageComparison, Finding | None]:
    """A difference confined to the QR code is not evidence of an edit when the document's own QR
    decoded to this certificate with a valid signature: an edit of the code would not decode or
    verify, while heavy compression (a chat forward at JPEG ~60) blurs its fine pattern enough to
    differ from the original. Without a verified QR (a removed or pasted code) nothing is exempt."""
    qr = ctx.extracted.qr
    if not (qr and qr.signature_valid and qr.fields.get("cid") == record.credential_id):
        return comparison, None
    box = _qr_box(record.original_png)
    if box is None:
        return comparison, None
    kept = [r for r in comparison.changed_regions if not _inside(r.original_box, box, margin=0.15)]
    if len(kept) == len(comparison.changed_regions):
        return comparison, None
    message = (
        "The QR code's area differs slightly from the issuer's original, as heavy compression blurs its "
        "fine pattern; the code itself decoded to this certificate and its signature is valid, so that "
        "difference is not a sign of editing."
    )
    detail = f"{len(comparison.changed_regions) - len(kept)} differing area(s) inside the QR code at {box}."
    return dataclasses.replace(comparison, changed_regions=kept), Finding(
        "qr_area_compression", message, "info", detail=detail
    )


def _registration_words(comparison: ImageComparison) -> str:
    from fraud.imagediff import MAX_RESIDUAL_PX

    if comparison.residual_px is None:
        return "registration residual not measurable"
    return f"registration residual {comparison.residual_px:.1f} px (limit {MAX_RESIDUAL_PX} px)"


def _not_registered(comparison: ImageComparison) -> Finding:
    found = (
        " The areas that differ are marked on the heat map, but they are not evidence of an edit."
        if comparison.changed_regions
        else ""
    )
    message = (
        "The photo could not be lined up with the issuer's original closely enough to tell an edit from "
        f"the photo's own distortion, so the picture was not compared pixel by pixel.{found} The "
        "field-by-field comparison decides instead."
    )
    detail = f"{_registration_words(comparison)}; {len(comparison.changed_regions)} differing area(s)."
    return Finding("image_not_registered", message, "warning", detail=detail)


def _misread(match: FieldMatch) -> FieldMatch:
    label = FIELD_LABELS.get(match.field, match.field)
    message = (
        f"The {label} was read as '{match.printed}', but the document's pixels match the issuer's "
        "original rendering, so that is a misreading, not a change; it was not compared."
    )
    return dataclasses.replace(match, status="misread", message=message)


def _repaired_id(match: FieldMatch, record: RegistryRecord) -> FieldMatch:
    """A printed id that fails its check character but is one look-alike glyph from the record's
    id (an 8 read for a B) was misread, not changed."""
    if match.field != "credential_id" or not match.mismatched or not match.printed:
        return match
    if record.credential_id not in credential_id_repairs(match.printed):
        return match
    message = (
        f"The credential id was read as '{match.printed}', whose check character does not match: one "
        f"look-alike character was misread, and corrected it is the issuer's {record.credential_id}."
    )
    return dataclasses.replace(match, status="misread", message=message)


# --- status ------------------------------------------------------------------------------------


def _status_findings(record: RegistryRecord, now: datetime) -> list[Finding]:
    """The credential's status, for information only: a genuine rendering of a revoked certificate
    is still a genuine document. Whether the credential stands is the verification's separate
    answer (verification/credential_status.py), so nothing here is decisive or costs points."""
    if record.status == "revoked":
        when = f" on {_format_date(record.revoked_at)}" if record.revoked_at else ""
        why = (
            f" because: {record.revocation_reason}" if record.revocation_reason else " (no reason was given)"
        )
        message = (
            f"The issuer revoked this certificate{when}{why}. That is the credential's status, not a "
            "finding about the document."
        )
        return [Finding("revoked", message)]
    if record.status == "suspended":
        message = (
            "The issuer has suspended this certificate. That is the credential's status, not a finding "
            "about the document."
        )
        return [Finding("suspended", message)]
    if record.status == "expired" or (record.expiry_date and record.expiry_date < now.date()):
        when = f" on {_format_date(record.expiry_date)}" if record.expiry_date else ""
        message = (
            f"This certificate expired{when}. That is the credential's status, not a finding about "
            "the document."
        )
        return [Finding("expired", message, field="expiry_date")]
    if record.status != "issued":
        message = f"The issuer's record has an unusual status, '{record.status}'."
        return [Finding("unknown_status", message, "warning")]
    message = f"{record.organization_name} issued this certificate and it is currently valid."
    return [Finding("valid_status", message)]


# --- fields ------------------------------------------------------------------------------------


def _compare_fields(ctx: LayerContext, record: RegistryRecord) -> list[FieldMatch | None]:
    if ctx.extracted.vision is None:
        return []
    # The printed text as read, not `Extracted.field_value`: that prefers the QR's value, and a
    # forger who edits the printed name but leaves the QR code alone must be compared as printed.
    read = ctx.extracted.vision.fields.get
    expiry = read("expiry_date")
    grade = read("grade")
    return [
        compare_exact(read("credential_id"), record.credential_id, optional_prefix=CREDENTIAL_ID_PREFIX),
        compare_names(read("recipient_name"), record.recipient_name),
        compare_dates(read("issue_date"), record.issue_date, field="issue_date"),
        # A date or grade that is neither printed nor recorded is simply absent, not unreadable.
        compare_dates(expiry, record.expiry_date, field="expiry_date")
        if expiry or record.expiry_date
        else None,
        compare_exact(grade, record.grade, field="grade") if grade or record.grade else None,
        compare_titles(read("title"), record.title),
        compare_titles(read("issuer"), record.organization_name, field="issuer") if read("issuer") else None,
    ]


def _mismatch_finding(match: FieldMatch) -> Finding:
    decisive = match.field in DECISIVE_FIELDS
    return Finding(
        "field_mismatch",
        match.message,
        "critical" if decisive else "warning",
        field=match.field,
        decisive=decisive,
    )


def _typed_id_finding(typed: str | None, record: RegistryRecord) -> Finding | None:
    if not typed:
        return None
    match = compare_exact(typed, record.credential_id, optional_prefix=CREDENTIAL_ID_PREFIX)
    if match.matched:
        return None
    message = (
        f"You asked about certificate {typed}, but the document is certificate {record.credential_id}: "
        "make sure you are checking the certificate you were shown."
    )
    return Finding("different_certificate", message, "warning", field="credential_id")


# --- QR code -----------------------------------------------------------------------------------


def _qr_part(qr: QRPayload | None, record: RegistryRecord) -> _Part:
    if qr is None:
        return _Part()
    findings = _qr_payload_findings(qr, record)
    if qr.signature_valid is False:
        message = (
            "The QR code's digital signature is not valid: the QR code was not produced by the issuer, "
            "or its contents were changed afterwards."
        )
        findings.insert(0, Finding("qr_signature_invalid", message, "critical", field="qr", decisive=True))
    if any(f.decisive for f in findings):
        return _Part(0.0, findings)
    if qr.signature_valid:
        findings.append(
            Finding("qr_signature_valid", "The QR code carries the issuer's valid digital signature.")
        )
        return _Part(1.0, findings)
    # Unsigned: it agrees with the record, but anyone could have made such a QR code.
    return _Part(0.5, findings)


def _qr_payload_findings(qr: QRPayload, record: RegistryRecord) -> list[Finding]:
    matches = [_compare_qr_field(key, qr.fields.get(key), record) for key in QR_FIELDS]
    findings = [_qr_mismatch(m) for m in matches if m is not None and m.mismatched]
    content_hash = qr.fields.get("hash")
    if content_hash and record.content_hash and str(content_hash).lower() != record.content_hash.lower():
        message = "The QR code's fingerprint of the certificate does not match the issuer's record."
        findings.append(
            Finding("qr_field_mismatch", message, "critical", field="content_hash", decisive=True)
        )
    slug = qr.organization_slug
    if slug and slug != record.organization_slug:
        message = f"The QR code points to another issuer ('{slug}') than the certificate's, {record.organization_name}."
        findings.append(Finding("qr_field_mismatch", message, "critical", field="issuer", decisive=True))
    return findings


def _compare_qr_field(key: str, value: object, record: RegistryRecord) -> FieldMatch | None:
    if value in (None, ""):
        return None
    text = str(value)
    name = QR_FIELDS[key]
    if name == "credential_id":
        return compare_exact(text, record.credential_id, optional_prefix=CREDENTIAL_ID_PREFIX)
    if name == "recipient_name":
        return compare_names(text, record.recipient_name)
    if name == "title":
        return compare_titles(text, record.title)
    return compare_dates(text, getattr(record, name), field=name)


def _qr_mismatch(match: FieldMatch) -> Finding:
    label = FIELD_LABELS.get(match.field, match.field)
    message = (
        f"The QR code gives the {label} as '{match.printed}', but the issuer's record says "
        f"'{match.registry or 'none'}': the QR code does not belong to this certificate."
    )
    return Finding("qr_field_mismatch", message, "critical", field=match.field, decisive=True)


# --- helpers -----------------------------------------------------------------------------------


def _points(parts: dict[str, _Part], max_points: int) -> float:
    applicable = {name: part.earned for name, part in parts.items() if part.earned is not None}
    if not applicable:
        return float(max_points)
    possible = sum(PART_WEIGHTS[name] for name in applicable)
    earned = sum(PART_WEIGHTS[name] * value for name, value in applicable.items())
    return round(max_points * earned / possible, 2)


def _layer_status(findings: list[Finding]) -> LayerStatus:
    if any(f.decisive for f in findings):
        return "failed"
    if any(f.severity != "info" for f in findings):
        return "warning"
    return "passed"


def _comparison_details(comparison: ImageComparison) -> dict:
    return {
        "phash_distance": comparison.phash_distance,
        "aligned": comparison.aligned,
        "alignment": comparison.alignment,
        "alignment_score": comparison.alignment_score,
        "residual_px": comparison.residual_px,
        "changed_fraction": comparison.changed_fraction,
        "changed_regions": [r.as_dict() for r in comparison.changed_regions],
    }


def _field_at(box: tuple[int, int, int, int], size: tuple[int, int], layout: FieldLayout) -> str | None:
    """The layout field that overlaps the region most, if any."""
    if not layout or not size[0] or not size[1]:
        return None
    x, y, w, h = box[0] / size[0], box[1] / size[1], box[2] / size[0], box[3] / size[1]
    overlaps = {name: _overlap((x, y, w, h), area) for name, area in layout.items()}
    best = max(overlaps, key=overlaps.get)
    return best if overlaps[best] > 0 else None


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0.0, dx) * max(0.0, dy)


def _position_words(box: tuple[int, int, int, int], size: tuple[int, int]) -> str:
    cx = (box[0] + box[2] / 2) / max(1, size[0])
    cy = (box[1] + box[3] / 2) / max(1, size[1])
    vertical = "top" if cy < 1 / 3 else "middle" if cy < 2 / 3 else "bottom"
    horizontal = "left" if cx < 1 / 3 else "centre" if cx < 2 / 3 else "right"
    return "centre" if (vertical, horizontal) == ("middle", "centre") else f"{vertical} {horizontal}"


def _format_date(value: date | datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _points_at_this_site(qr: QRPayload | None) -> bool:
    """Whether the QR code is a verify link to this deployment (another one has its own SITE_URL)."""
    if qr is None or not qr.url:
        return False
    return urlsplit(qr.url).netloc.lower() == urlsplit(settings.SITE_URL).netloc.lower()
