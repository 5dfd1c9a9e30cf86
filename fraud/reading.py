"""Stage 1: read the document's printed fields once, for every layer to use.

Gemini reads the page when `GEMINI_API_KEY` is set; on any failure (timeout, rate limit, budget,
malformed answer) local OCR reads it instead and `VisionReading.note` says why. Without a key,
local OCR is the path. Nothing readable -> path "none".
"""

from __future__ import annotations

import io
import logging

from PIL import Image

from .layers.base import Upload, VisionReading
from .ocr import find_credential_id, ocr_text, parse_certificate_fields, parse_date

logger = logging.getLogger(__name__)

GEMINI_MAX_SIDE = 1600  # enough to read 9-pt text; keeps the upload and the token count small

FALLBACK_NOTES = {
    "timeout": "Gemini did not answer in time, so local OCR read the document instead.",
    "rate_limited": "Gemini was busy (rate limited), so local OCR read the document instead.",
    "server": "Gemini had a server error, so local OCR read the document instead.",
    "unavailable": "Gemini could not be reached, so local OCR read the document instead.",
    "malformed": "Gemini's answer could not be understood, so local OCR read the document instead.",
    "budget": "The organization's daily Gemini allowance is used up, so local OCR read the document instead.",
    "rejected": "Gemini refused the request, so local OCR read the document instead.",
    "config": "Gemini is not configured, so local OCR read the document.",
    "plan": "The account's Gemini pages for this month are used up, so local OCR read the document instead.",
}


def read_document(
    upload: Upload,
    *,
    organization_key: str | None = None,
    gemini_options: dict | None = None,
    gemini_allowed: bool = True,
) -> VisionReading:
    """Read the page: Gemini when configured (and the account's plan has a page left), else (or
    on its failure) local OCR."""
    try:
        image = upload.page.image  # a photographed page rectified, so it reads like a scan
    except Exception:  # a file Pillow/pdfium cannot open is unreadable, not a crash of stage 1
        logger.info("vision: upload could not be decoded", exc_info=True)
        return VisionReading("none", note="The file could not be opened as an image.")
    note = ""
    if _gemini_configured(gemini_options) and not gemini_allowed:
        note = FALLBACK_NOTES["plan"]
    elif _gemini_configured(gemini_options):
        reading, note = _read_with_gemini(image, organization_key, gemini_options or {})
        if reading is not None:
            return reading
    return _read_with_ocr(image, note)


def _gemini_configured(options: dict | None) -> bool:
    if options and options.get("api_key"):
        return True
    from django.conf import settings

    return bool(getattr(settings, "GEMINI_API_KEY", ""))


def _read_with_gemini(
    image: Image.Image, organization_key, options: dict
) -> tuple[VisionReading | None, str]:
    from .gemini_client import GeminiError
    from .gemini_client import read_document as gemini_read

    try:
        result = gemini_read(_png_for_gemini(image), organization_key=organization_key, **options)
    except GeminiError as exc:
        logger.info("vision: Gemini failed (%s), falling back to OCR", exc)
        return None, FALLBACK_NOTES.get(exc.reason, FALLBACK_NOTES["unavailable"])
    except Exception:  # an SDK bug must not cost the verification its reading
        logger.exception("vision: unexpected Gemini failure, falling back to OCR")
        return None, FALLBACK_NOTES["unavailable"]
    fields = normalize_fields(result.fields)
    if not any(fields.values()) and not result.text:
        return VisionReading("none", note="Gemini found no readable text on the page."), ""
    reading = VisionReading(
        "gemini", fields, result.manipulation_signs, result.text, note="Gemini read the document."
    )
    return reading, ""


def _read_with_ocr(image: Image.Image, note: str) -> VisionReading:
    lines = ocr_text(image)
    if not lines:
        return VisionReading("none", note=_join(note, "No readable text was found on the page."))
    fields = parse_certificate_fields(lines)
    text = "\n".join(line[0] for line in lines)
    boxes = [[line[0], list(line[1])] for line in lines]
    return VisionReading("ocr", fields, [], text, note=note or "Local OCR read the document.", lines=boxes)


def normalize_fields(fields: dict[str, str | None]) -> dict[str, str | None]:
    """Dates as YYYY-MM-DD and the credential id in its canonical form, whichever reader ran."""
    out = dict(fields)
    for name in ("issue_date", "expiry_date"):
        if out.get(name):
            out[name] = parse_date(out[name]) or out[name]
    if out.get("credential_id"):
        out["credential_id"] = (
            find_credential_id(out["credential_id"]) or out["credential_id"].strip().upper()
        )
    return out


def _png_for_gemini(image: Image.Image) -> bytes:
    page = image.convert("RGB")
    if max(page.size) > GEMINI_MAX_SIDE:
        page.thumbnail((GEMINI_MAX_SIDE, GEMINI_MAX_SIDE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    page.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)
