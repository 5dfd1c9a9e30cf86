"""Layer 3: does the document agree with itself?

Scores the stage-1 reading (Gemini or local OCR; never calls Gemini again) against the
document's own QR code — printed credential id, name, title, issuer and dates against the QR
payload — checks that the dates are plausible, and turns the signs of manipulation Gemini saw
into findings with regions. The registry comparison is layer 4's job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from ..matching import compare_dates, compare_exact, compare_names, compare_titles
from .base import Finding, Layer, LayerContext, LayerResult, QRPayload, VisionReading

PATH_LABELS = {"gemini": "Google Gemini", "ocr": "local text recognition (OCR)"}


@dataclass
class Check:
    finding: Finding
    penalty: float


class VisionLayer(Layer):
    name = "vision"
    max_points = 20
    title = "AI vision / text reading"
    inputs = frozenset({"upload"})  # the page size, to place the reading's boxes

    def run(self, ctx: LayerContext) -> LayerResult:
        started = time.perf_counter()
        reading = ctx.extracted.vision
        if reading is None or reading.path == "none":
            reason = (
                reading.note if reading and reading.note else ""
            ) or "No text could be read from the document."
            return self.skip(reason)
        checks = [
            *qr_checks(reading, ctx.extracted.qr),
            *date_checks(reading, ctx.now.date()),
            *manipulation_checks(reading, ctx.upload.size if ctx.upload else None),
        ]
        result = self._score(checks)
        result.findings.insert(0, _path_finding(reading))
        result.details = {
            "path": reading.path,
            "note": reading.note,
            "fields": reading.fields,
            "qr_compared": ctx.extracted.qr is not None,
        }
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        return result

    def _score(self, checks: list[Check]) -> LayerResult:
        points = self.max_points - sum(c.penalty for c in checks)
        critical = any(c.finding.severity == "critical" for c in checks)
        if critical or points <= 8:
            status = "failed"
        else:
            status = "warning" if any(c.penalty for c in checks) else "passed"
        return self.result(status, points, [c.finding for c in checks])


def _path_finding(reading: VisionReading) -> Finding:
    text = f"The document was read by {PATH_LABELS.get(reading.path, reading.path)}."
    if reading.note and reading.note not in ("Gemini read the document.", "Local OCR read the document."):
        text += " " + reading.note
    return Finding("vision_path", text, "info")


# -- the printed text against the QR code -----------------------------------------------------


def qr_checks(reading: VisionReading, qr: QRPayload | None) -> list[Check]:
    if qr is None or not qr.fields:
        text = "The document has no readable QR code, so its printed details could not be cross-checked."
        return [Check(Finding("vision_no_qr", text, "info"), 0)]
    printed, encoded = reading.fields, qr.fields
    checks = [
        _id_check(printed.get("credential_id"), encoded.get("cid"), reading.path),
        _fuzzy_check("recipient_name", printed.get("recipient_name"), encoded.get("name"), reading.path),
        _fuzzy_check("title", printed.get("title"), encoded.get("title"), reading.path),
        _issuer_check(printed.get("issuer"), encoded.get("issuer") or qr.organization_slug),
        _date_check("issue_date", printed.get("issue_date"), encoded.get("issued")),
        _date_check("expiry_date", printed.get("expiry_date"), encoded.get("expires")),
    ]
    return [c for c in checks if c is not None]


def _id_check(printed: str | None, encoded: str | None, path: str) -> Check | None:
    if not printed or not encoded:
        return None
    match = compare_exact(printed, str(encoded), field="credential_id", optional_prefix="CV")
    if match.matched:
        return Check(
            Finding("vision_qr_id_match", "The printed credential ID matches the QR code.", "info"), 0
        )
    if match.score >= 90:  # one character off: OCR misreads that; Gemini rarely does
        text = f"The printed credential ID '{printed}' nearly matches the QR code's '{encoded}' (probably a misread)."
        if path == "ocr":
            return Check(Finding("vision_qr_id_near", text, "info", field="credential_id"), 0)
        return Check(Finding("vision_qr_id_near", text, "warning", field="credential_id"), 3)
    text = (
        f"The printed credential ID '{printed}' is not the one in the document's QR code ('{encoded}'): "
        "one of them was changed."
    )
    return Check(Finding("vision_qr_id_mismatch", text, "critical", field="credential_id"), 12)


def _fuzzy_check(field: str, printed: str | None, encoded: str | None, path: str) -> Check | None:
    if not printed or not encoded:
        return None
    compare = compare_names if field == "recipient_name" else compare_titles
    match = compare(printed, str(encoded), field=field)
    label = "name" if field == "recipient_name" else "title"
    if match.matched:
        return Check(
            Finding(f"vision_qr_{label}_match", f"The printed {label} matches the QR code.", "info"), 0
        )
    if match.score >= 85 and path == "ocr":
        text = f"The printed {label} '{printed}' is close to the QR code's '{encoded}' (possibly a misread)."
        return Check(Finding(f"vision_qr_{label}_near", text, "warning", field=field), 3)
    text = f"The printed {label} '{printed}' differs from the one in the document's QR code ('{encoded}')."
    severity, penalty = ("critical", 10) if field == "recipient_name" else ("warning", 6)
    return Check(Finding(f"vision_qr_{label}_mismatch", text, severity, field=field), penalty)


def _issuer_check(printed: str | None, encoded: str | None) -> Check | None:
    if not printed or not encoded:
        return None
    wanted = str(encoded).replace("-", " ").replace("_", " ")
    score = max(fuzz.token_set_ratio(printed, wanted), fuzz.partial_ratio(printed.lower(), wanted.lower()))
    if score >= 80:
        return None
    text = f"The issuer printed on the document ('{printed}') is not the issuer named in its QR code ('{encoded}')."
    return Check(Finding("vision_qr_issuer_mismatch", text, "warning", field="issuer"), 5)


def _date_check(field: str, printed: str | None, encoded: str | None) -> Check | None:
    if not printed or not encoded:
        return None
    match = compare_dates(printed, str(encoded), field=field)
    if match.status != "mismatch":
        return None
    label = "issue date" if field == "issue_date" else "expiry date"
    text = f"The printed {label} ({printed}) differs from the QR code's ({encoded})."
    return Check(Finding(f"vision_qr_{field}_mismatch", text, "critical", field=field), 8)


# -- plausibility -----------------------------------------------------------------------------


def date_checks(reading: VisionReading, today: date) -> list[Check]:
    issued, expires = _as_date(reading.fields.get("issue_date")), _as_date(reading.fields.get("expiry_date"))
    checks = []
    if issued and issued > today:
        text = f"The document says it was issued on {issued.isoformat()}, which is in the future."
        checks.append(Check(Finding("vision_issue_in_future", text, "critical", field="issue_date"), 8))
    if issued and expires and expires <= issued:
        text = f"The expiry date ({expires.isoformat()}) is not after the issue date ({issued.isoformat()})."
        checks.append(Check(Finding("vision_expiry_before_issue", text, "warning", field="expiry_date"), 6))
    elif expires and expires < today:
        text = f"The document states it expired on {expires.isoformat()}."
        checks.append(Check(Finding("vision_expired", text, "info", field="expiry_date"), 0))
    return checks


def _as_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# -- what Gemini saw --------------------------------------------------------------------------


def manipulation_checks(reading: VisionReading, size: tuple[int, int] | None) -> list[Check]:
    checks = []
    for index, sign in enumerate(reading.manipulation_signs[:5]):
        description = str(sign.get("description") or "").strip().rstrip(".")
        if not description:
            continue
        region = box_to_region(sign.get("box"), size)
        text = f"Possible sign of editing seen by the AI reader: {description}."
        checks.append(
            Check(Finding("vision_manipulation_sign", text, "warning", region=region), 6 if index == 0 else 3)
        )
    return checks


def box_to_region(box, size: tuple[int, int] | None) -> tuple[int, int, int, int] | None:
    """Gemini's [ymin, xmin, ymax, xmax] in 0-1000 -> (x, y, w, h) in the page's pixels."""
    if not box or not size or len(box) != 4:
        return None
    ymin, xmin, ymax, xmax = (max(0.0, min(1000.0, float(v))) / 1000 for v in box)
    if ymax <= ymin or xmax <= xmin:
        return None
    width, height = size
    return (
        round(xmin * width),
        round(ymin * height),
        round((xmax - xmin) * width),
        round((ymax - ymin) * height),
    )
