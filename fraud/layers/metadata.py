"""Layer 1: what the file says about its own history (EXIF, XMP, IPTC, JPEG tables, PDF structure).

Certificates issued here are rendered by CertVerify itself (Pillow PNG, ReportLab PDF), so an
image editor, an online PDF editor or a word processor in the file's history, a PDF changed after
it was first saved, or an embedded preview that shows other content all point at editing. Each
signal costs points; a file with no metadata at all passes (stripping metadata is common).
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from PIL import Image
from scipy import ndimage

from ..file_metadata import Facts, read_image_facts, read_pdf_facts
from ..file_metadata import day as _day
from .base import PDF_MAX_ANNOTATIONS, Finding, Layer, LayerContext, LayerResult

IMAGE_EDITORS = {
    r"photoshop": "Adobe Photoshop", r"lightroom": "Adobe Lightroom", r"illustrator": "Adobe Illustrator",
    r"indesign": "Adobe InDesign", r"imageready": "Adobe ImageReady", r"\bgimp\b": "GIMP", r"canva": "Canva",
    r"affinity": "Affinity", r"pixlr": "Pixlr", r"photopea": "Photopea", r"paint\.net": "Paint.NET",
    r"snapseed": "Snapseed", r"picsart": "PicsArt", r"fotor": "Fotor", r"pixelmator": "Pixelmator",
    r"krita": "Krita", r"inkscape": "Inkscape", r"corel": "Corel", r"paintshop": "PaintShop Pro",
    r"photoscape": "PhotoScape", r"befunky": "BeFunky", r"picmonkey": "PicMonkey", r"luminar": "Luminar",
    r"photodirector": "PhotoDirector", r"polarr": "Polarr",
}  # fmt: skip
PDF_EDITORS = {
    r"acrobat(?!.*(distiller|pdfmaker))": "Adobe Acrobat", r"ilovepdf": "iLovePDF", r"smallpdf": "Smallpdf",
    r"sejda": "Sejda", r"pdfescape": "PDFescape", r"pdf-?xchange": "PDF-XChange", r"foxit": "Foxit",
    r"nitro": "Nitro PDF", r"pdfelement|wondershare": "PDFelement", r"soda ?pdf": "Soda PDF",
    r"pdffiller": "pdfFiller", r"dochub": "DocHub", r"xodo": "Xodo", r"pdf ?candy": "PDF Candy",
    r"pdf24": "PDF24", r"pdf editor": "a PDF editor",
}  # fmt: skip
OFFICE_SUITES = {
    r"pdfmaker|microsoft.{0,12}word|word for": "Microsoft Word", r"libreoffice": "LibreOffice",
    r"openoffice": "OpenOffice", r"google docs": "Google Docs", r"\bwps\b": "WPS Office",
    r"powerpoint": "Microsoft PowerPoint", r"\bpages\b": "Apple Pages",
}  # fmt: skip
OURS = re.compile(r"reportlab|certverify|\bpil\b|pillow", re.I)
# Which record names the tool that saved the file last (lower first); the rest name earlier tools.
SOURCE_PRIORITY = {"EXIF": 0, "PDF Producer": 1, "XMP edit history": 2, "PNG Software": 3, "PDF Creator": 4,
                   "XMP": 5, "IPTC": 6, "JPEG comment": 7}  # fmt: skip
# Bounds on what an uploader controls. Every field below is free text of any length in the file,
# and a 15 MB upload can be one field; the work done on each stays linear and small.
THUMBNAIL_MAX_PIXELS = 1_000_000  # an EXIF preview is ~160x120; a bigger one is not decoded


@dataclass
class Signal:
    finding: Finding
    penalty: float


class MetadataLayer(Layer):
    name = "metadata"
    max_points = 20
    title = "File metadata"
    inputs = frozenset({"upload", "record"})

    def run(self, ctx: LayerContext) -> LayerResult:
        started = time.perf_counter()
        if ctx.upload is None:
            return self.skip("No file was uploaded, so there was no metadata to examine.")
        upload = ctx.upload
        facts = read_pdf_facts(upload.data) if upload.is_pdf else read_image_facts(upload.data)
        signals = [
            *software_signals(facts, ctx, is_pdf=upload.is_pdf),
            *date_signals(facts, ctx),
            *(thumbnail_signals(facts, upload.reading_image, upload.size) if facts.thumbnail else []),
            *structure_signals(facts),
        ]
        if upload.is_pdf and facts.revisions > 1 and ctx.record is None:
            signals = _unchanged_page_updates(signals, upload.data)
        result = self._score(signals)
        result.details = _details(facts)
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        return result

    def _score(self, signals: list[Signal]) -> LayerResult:
        if not signals:
            note = Finding("metadata_clean", "The file's metadata shows no sign of editing.")
            return self.result("passed", self.max_points, [note])
        points = self.max_points - sum(s.penalty for s in signals)
        critical = any(s.finding.severity == "critical" for s in signals)
        if critical or points <= 6:
            status = "failed"
        else:
            status = "warning" if points < self.max_points else "passed"
        return self.result(status, points, [s.finding for s in signals])


def _unchanged_page_updates(signals: list[Signal], data: bytes) -> list[Signal]:
    """An incremental update whose earlier revision's page reads exactly like the final page (a
    signature, new document information) changed nothing a reader sees: it is noted, not penalized.
    fraud/forensics/pdf_revisions.py reads the revisions; a text change is the forensics layer's
    (decisive) finding. Documents with an issuer's record keep the registry's stricter reading."""
    from fraud.forensics.pdf_revisions import analyse

    evidence = analyse(data)
    if evidence.skipped or evidence.checkable:
        return signals
    text = (
        "The PDF was changed after it was first saved, but every earlier revision's page reads the same "
        "as the final page (an update such as a signature or new document information)."
    )
    unchanged = Signal(Finding("metadata_pdf_update_without_text_change", text, "info"), 0)
    return [unchanged if s.finding.code == "metadata_pdf_incremental_update" else s for s in signals]


def _details(facts: Facts) -> dict:
    return {
        "software": [{"source": s.source, "value": s.value} for s in facts.software],
        "created": facts.created.isoformat() if facts.created else None,
        "modified": facts.modified.isoformat() if facts.modified else None,
        "revisions": facts.revisions,
        "embedded_thumbnail": facts.thumbnail is not None,
        "photoshop_tables": facts.photoshop_tables,
    }


# -- reading images ---------------------------------------------------------------------------


# -- reading PDFs -----------------------------------------------------------------------------


# -- dates ------------------------------------------------------------------------------------


# -- signals ----------------------------------------------------------------------------------


def classify(value: str) -> tuple[str, str] | None:
    """("editor" | "office", display name) for software that is not our own renderer."""
    if OURS.search(value):
        return None
    tables = ((IMAGE_EDITORS, "editor"), (PDF_EDITORS, "editor"), (OFFICE_SUITES, "office"))
    for patterns, kind in tables:
        for pattern, name in patterns.items():
            if re.search(pattern, value, re.I):
                return kind, name
    return None


def software_signals(facts: Facts, ctx: LayerContext, *, is_pdf: bool) -> list[Signal]:
    signals: list[Signal] = []
    ordered = sorted(facts.software, key=lambda s: SOURCE_PRIORITY.get(s.source, 9))
    editors = [(s, c) for s in ordered if (c := classify(s.value)) and c[0] == "editor"]
    offices = [(s, c) for s in ordered if (c := classify(s.value)) and c[0] == "office"]
    if editors:
        signals.append(Signal(_editor_finding(editors, facts, ctx, is_pdf), 10))
    if offices and not editors:
        signals.append(_office_signal(offices[0][1][1], ctx, is_pdf))
    if facts.history_saves >= 2:
        text = f"The file's own edit history records {facts.history_saves} separate saves."
        signals.append(Signal(Finding("metadata_edit_history", text, "warning"), 4))
    if facts.photoshop_tables and not any("Photoshop" in c[1] for _, c in editors):
        text = (
            f"The image was compressed with {facts.photoshop_tables} settings, so it passed through "
            "Photoshop even though its metadata was removed."
        )
        signals.append(Signal(Finding("metadata_editor_compression", text, "warning"), 8))
    return signals


def _office_signal(name: str, ctx: LayerContext, is_pdf: bool) -> Signal:
    text = f"This {'PDF' if is_pdf else 'file'} was made with {name}."
    if ctx.record is None and ctx.claimed_organization is None:
        return Signal(Finding("metadata_office_software", text, "info"), 0)
    text += " Certificates from this issuer are generated by CertVerify, not by a word processor."
    return Signal(Finding("metadata_office_software", text, "warning"), 6)


def _editor_finding(editors, facts: Facts, ctx: LayerContext, is_pdf: bool) -> Finding:
    software, (_, name) = editors[0]
    label = software.value if name.lower().split()[-1] in software.value.lower() else name
    kind = "PDF" if is_pdf else "image"
    verb = "was last saved with" if SOURCE_PRIORITY.get(software.source, 9) <= 3 else "was made with"
    text = f"This {kind} {verb} {label}"
    when = software.when or facts.modified
    if when:
        text += f" on {_day(when)}"
        issued = ctx.record.issue_date if ctx.record else None
        if issued and when.date() > issued:
            text += ", after the certificate's issue date"
    text += ". A certificate file as issued comes from the issuer's system, not from an editing tool."
    others = sorted({c[1] for _, c in editors[1:]} - {name})
    if others:
        text += f" Its history also names {', '.join(others)}."
    return Finding("metadata_editing_software", text, "warning")


def date_signals(facts: Facts, ctx: LayerContext) -> list[Signal]:
    signals = []
    created, modified = facts.created, facts.modified
    if created and modified and modified < created - timedelta(minutes=1):
        text = f"The file claims it was last modified ({_day(modified)}) before it was created ({_day(created)})."
        signals.append(Signal(Finding("metadata_dates_inconsistent", text, "warning"), 5))
    future = [(label, d) for label, d in facts.dates if d > ctx.now + timedelta(days=1)]
    if future:
        label, d = future[0]
        text = f"The file carries a date in the future ({label}: {_day(d)}), so its dates were tampered with."
        signals.append(Signal(Finding("metadata_future_date", text, "warning"), 5))
    issued = ctx.record.issue_date if ctx.record else None
    if issued and created and created.date() < issued - timedelta(days=1):
        text = (
            f"The file was created on {_day(created)}, before the certificate was issued on {_day(issued)}: "
            "it cannot be a copy of the issued certificate."
        )
        signals.append(Signal(Finding("metadata_predates_issue", text, "warning"), 8))
    return signals


def structure_signals(facts: Facts) -> list[Signal]:
    signals = []
    if facts.revisions > 1:
        text = (
            f"The PDF was changed after it was first saved: {facts.revisions - 1} later revision(s) "
            "were appended to the original."
        )
        signals.append(Signal(Finding("metadata_pdf_incremental_update", text, "warning"), 8))
    if facts.created and facts.modified and facts.modified - facts.created > timedelta(minutes=5):
        if facts.revisions > 1 or any(classify(s.value) for s in facts.software):
            text = f"The file was modified on {_day(facts.modified)}, after it was created on {_day(facts.created)}."
            signals.append(Signal(Finding("metadata_modified_after_creation", text, "info"), 2))
    if facts.acroform:
        text = "The PDF contains fillable form fields, which lets anyone type over the certificate's text."
        signals.append(Signal(Finding("metadata_pdf_form_fields", text, "warning"), 6))
    if facts.page_too_complex:
        text = (
            "The PDF's page is built to take too long to read (it could not be loaded within the time "
            "allowed), which a certificate never is."
        )
        signals.append(Signal(Finding("metadata_pdf_page_too_complex", text, "critical"), 10))
    if facts.annotation_count > PDF_MAX_ANNOTATIONS:
        text = (
            f"The PDF's first page carries {facts.annotation_count} annotations (things placed on top of "
            "the page), too many to examine or draw; a certificate has a handful."
        )
        signals.append(Signal(Finding("metadata_pdf_too_many_annotations", text, "critical"), 10))
    for kind, box in facts.annotations[:3]:
        text = f"Something was placed on top of the page here ({kind} added in a PDF editor), covering the original."
        signals.append(Signal(Finding("metadata_pdf_overlay", text, "critical", region=box or None), 10))
    return signals


def thumbnail_signals(
    facts: Facts, page: Image.Image, page_size: tuple[int, int] | None = None
) -> list[Signal]:
    """`page` may be a reduced decode of the page (a 160 px preview needs no 12 MP one); regions
    are reported in the pixels of `page_size`, the full page."""
    if not facts.thumbnail:
        return []
    verdict, region = compare_thumbnail(facts.thumbnail, page, page_size)
    if verdict == "different":
        text = (
            "The small preview picture stored inside the file shows different content from the "
            "picture itself (highlighted): the picture was edited after the preview was made."
        )
        return [Signal(Finding("metadata_thumbnail_mismatch", text, "critical", region=region), 14)]
    if verdict == "cropped":
        text = (
            "The preview picture stored inside the file has a different shape: the picture was cropped later."
        )
        return [Signal(Finding("metadata_thumbnail_cropped", text, "info"), 3)]
    return []


def compare_thumbnail(
    thumbnail: bytes, page: Image.Image, page_size: tuple[int, int] | None = None
) -> tuple[str | None, tuple[int, int, int, int] | None]:
    """("match" | "different" | "cropped" | None, region of the difference in the pixels of
    `page_size`, by default the page's own)."""
    try:
        with Image.open(io.BytesIO(thumbnail)) as opened:
            if opened.width * opened.height > THUMBNAIL_MAX_PIXELS:  # read from the header
                return None, None
            thumb = _trim_bars(opened.convert("L"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None, None
    if min(thumb.size) < 16:
        return None, None
    if abs(thumb.width / thumb.height - page.width / page.height) > 0.08 * page.width / page.height:
        return "cropped", None
    factor = max(1, page.width // (thumb.width * 4))
    main = page.reduce(factor).convert("L").resize(thumb.size, Image.Resampling.BOX)
    a, b = (_standardised(np.asarray(x, np.float32)) for x in (thumb, main))
    changed = np.abs(a - b) > 1.0
    if changed.sum() < max(12, 0.003 * changed.size):
        return "match", None
    labels, _ = ndimage.label(ndimage.binary_dilation(changed, iterations=2))
    largest = np.argmax(np.bincount(labels[changed]))
    ys, xs = np.nonzero(labels == largest)
    width, height = page_size or page.size
    sx, sy = width / thumb.width, height / thumb.height
    box = (int(xs.min() * sx), int(ys.min() * sy), int((np.ptp(xs) + 1) * sx), int((np.ptp(ys) + 1) * sy))
    return "different", box


def _standardised(a: np.ndarray) -> np.ndarray:
    a = ndimage.uniform_filter(a, 3)
    return (a - a.mean()) / max(float(a.std()), 1.0)


def _trim_bars(thumb: Image.Image) -> Image.Image:
    """Cameras letterbox thumbnails to 160x120; drop the black bars before comparing shapes."""
    a = np.asarray(thumb)
    rows, cols = np.nonzero(a.max(axis=1) > 16)[0], np.nonzero(a.max(axis=0) > 16)[0]
    if rows.size == 0 or cols.size == 0:
        return thumb
    return thumb.crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))
