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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from PIL import ExifTags, Image
from scipy import ndimage

from ..pdf_pages import PdfPageTooComplex, first_page_annotations
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
# GIMP's jpegqual.c fingerprints of Photoshop's JPEG tables: hash -> setting (Pillow's JpegPresets
# are the same tables). libjpeg's own tables (Pillow, GIMP, most apps) are normal and not listed.
PHOTOSHOP_TABLES = {
    0x5A81E2C0: "Save As quality 12", 0xCD0D41AE: "Save As quality 11", 0x1B141CB3: "Save As quality 10",
    0xC84C0187: "Save As quality 9", 0x1E822409: "Save As quality 8", 0x3104202B: "Save As quality 7",
    0xCD21F666: "Save As quality 6", 0x1B74E018: "Save As quality 5", 0xDE39ED89: "Save As quality 4",
    0xBDEF8414: "Save As quality 3", 0xFEDF6432: "Save As quality 2", 0x5D6AFD92: "Save As quality 1",
    0x4C7D2F7D: "Save As quality 0", 0x68E798B2: "Save for Web quality 100",
    0x9F3456F2: "Save for Web quality 90", 0xDA807DD5: "Save for Web quality 80",
    0xF70A37CE: "Save for Web quality 70", 0xF36979D2: "Save for Web quality 60",
    0x4966F484: "Save for Web quality 50", 0xADDF6D45: "Save for Web quality 40",
    0xEFFA362A: "Save for Web quality 30", 0x489E344F: "Save for Web quality 10",
    0x1A2CFFE0: "Save As quality 10", 0x1E96D5D3: "Save As quality 12", 0x6771042C: "Save As quality 11",
    0xD4553F25: "Save As quality 9", 0xD3B24CB4: "Save As quality 8", 0x4AD5990C: "Save As quality 7",
    0x4293DFDE: "Save As quality 6", 0xBA0212EC: "Save As quality 5", 0x4B50947D: "Save As quality 4",
    0xAD0F8E5C: "Save As quality 3", 0x560B5F0C: "Save for Web quality 85",
    0x841F2655: "Save for Web quality 75", 0xAA2161E2: "Save for Web quality 65",
    0x743FEB84: "Save for Web quality 55", 0xCB5AA8AD: "Save for Web quality 22",
}  # fmt: skip
OURS = re.compile(r"reportlab|certverify|\bpil\b|pillow", re.I)
SUSPICIOUS_ANNOTATIONS = {3: "a text box", 5: "a rectangle", 13: "a stamp", 14: "an insertion mark",
                          15: "a freehand drawing", 20: "a form field", 28: "a redaction"}  # fmt: skip
PDF_DPI = 150  # Upload.image rasterizes PDFs at this resolution
# Which record names the tool that saved the file last (lower first); the rest name earlier tools.
SOURCE_PRIORITY = {"EXIF": 0, "PDF Producer": 1, "XMP edit history": 2, "PNG Software": 3, "PDF Creator": 4,
                   "XMP": 5, "IPTC": 6, "JPEG comment": 7}  # fmt: skip
# Bounds on what an uploader controls. Every field below is free text of any length in the file,
# and a 15 MB upload can be one field; the work done on each stays linear and small.
XMP_OPEN, XMP_CLOSE = b"<x:xmpmeta", b"</x:xmpmeta>"
XMP_MAX_BYTES = 512 * 1024  # a certificate's packet is a few KB; Photoshop's longest histories fit
XMP_MAX_VALUES = 32  # tools and history entries read from one packet (the latest kept)
SOFTWARE_MAX_CHARS = 200  # a tool's name; the classifying patterns run on no more
DATE_MAX_CHARS = 64  # the longest date form read here is ~32 characters
THUMBNAIL_MAX_PIXELS = 1_000_000  # an EXIF preview is ~160x120; a bigger one is not decoded


@dataclass
class Software:
    source: str  # where it was found, for the details
    value: str
    when: datetime | None = None

    def __post_init__(self) -> None:
        self.value = self.value[:SOFTWARE_MAX_CHARS]


@dataclass
class Facts:
    software: list[Software] = field(default_factory=list)
    history_saves: int = 0
    created: datetime | None = None
    modified: datetime | None = None
    dates: list[tuple[str, datetime]] = field(default_factory=list)
    thumbnail: bytes | None = None
    photoshop_tables: str | None = None
    revisions: int = 1
    acroform: bool = False
    annotations: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)
    annotation_count: int = 0  # on the first page
    page_too_complex: bool = False  # the first page did not load within fraud/pdf_pages.py's limits


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


def read_image_facts(data: bytes) -> Facts:
    facts = Facts()
    with Image.open(io.BytesIO(data)) as im:
        _read_exif(im, facts)
        xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
        if xmp:
            xmp = xmp[:XMP_MAX_BYTES]
            _read_xmp(xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else str(xmp), facts)
        _read_text_chunks(im, facts)
        if im.format == "JPEG":
            facts.photoshop_tables = _photoshop_tables(im)
    return facts


def _read_exif(im: Image.Image, facts: Facts) -> None:
    exif = im.getexif()
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    modified = parse_date(exif.get(0x0132))
    facts.created = parse_date(sub.get(0x9003) or sub.get(0x9004))
    facts.modified = modified
    for tag in (0x0131, 0x000B):  # Software, ProcessingSoftware
        if exif.get(tag):
            facts.software.append(Software("EXIF", str(exif[tag]).strip(), modified))
    facts.dates += [
        (label, d) for label, d in (("EXIF modified", modified), ("EXIF taken", facts.created)) if d
    ]
    thumb = exif.get_ifd(ExifTags.IFD.IFD1)
    raw = im.info.get("exif", b"")
    if thumb.get(0x0201) and thumb.get(0x0202) and raw.startswith(b"Exif\x00\x00"):
        start = 6 + int(thumb[0x0201])
        facts.thumbnail = raw[start : start + int(thumb[0x0202])] or None


def _read_xmp(xmp: str, facts: Facts) -> None:
    when = parse_date(_xmp_values(xmp, "xmp:ModifyDate")[:1] or None)
    tools = _xmp_values(xmp, "xmp:CreatorTool") + _xmp_values(xmp, "pdf:Producer")
    for tool in tools[:XMP_MAX_VALUES]:
        facts.software.append(Software("XMP", tool, when))
    agents = _xmp_values(xmp, "stEvt:softwareAgent")[-XMP_MAX_VALUES:]
    facts.software += [
        Software("XMP edit history", agent, when) for agent in reversed(agents)
    ]  # latest first
    facts.history_saves = max(facts.history_saves, len(re.findall(r'stEvt:action(?:="|>)saved', xmp)))
    created = parse_date(_xmp_values(xmp, "xmp:CreateDate")[:1] or None)
    facts.created = facts.created or created
    facts.modified = facts.modified or when
    facts.dates += [(label, d) for label, d in (("XMP created", created), ("XMP modified", when)) if d]


def _xmp_values(xmp: str, name: str) -> list[str]:
    # Linear: each [^"]* / [^<]* run stops at the first quote / tag, so runs never overlap.
    found = re.findall(rf'{name}="([^"]*)"', xmp) + re.findall(rf"<{name}>([^<]*)</{name}>", xmp)
    return [v.strip() for v in found if v.strip()]


def _read_text_chunks(im: Image.Image, facts: Facts) -> None:
    comment = im.info.get("comment")
    if comment:
        text = comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
        facts.software.append(Software("JPEG comment", text.strip()[:200]))
    for key in ("Software", "software", "Creator", "Producer"):
        if isinstance(im.info.get(key), str):
            facts.software.append(Software(f"PNG {key}", im.info[key].strip()[:200]))
    try:
        from PIL import IptcImagePlugin

        program = (IptcImagePlugin.getiptcinfo(im) or {}).get((2, 65))
    except (SyntaxError, ValueError, KeyError):
        program = None
    if program:
        facts.software.append(Software("IPTC", bytes(program).decode("latin-1").strip()))


def _photoshop_tables(im: Image.Image) -> str | None:
    tables = getattr(im, "quantization", None) or {}
    value = 11
    for index in sorted(tables):
        for q in tables[index]:
            value = (value * 4177 + int(q)) & 0xFFFFFFFF
    setting = PHOTOSHOP_TABLES.get(value)
    return f"Adobe Photoshop ({setting})" if setting else None


# -- reading PDFs -----------------------------------------------------------------------------


def read_pdf_facts(data: bytes) -> Facts:
    import pypdfium2 as pdfium

    facts = Facts(revisions=pdf_revisions(data))
    pdf = pdfium.PdfDocument(data)
    try:
        meta = pdf.get_metadata_dict()
        created, modified = parse_date(meta.get("CreationDate")), parse_date(meta.get("ModDate"))
        facts.created, facts.modified = created, modified
        facts.dates += [
            (label, d) for label, d in (("PDF created", created), ("PDF modified", modified)) if d
        ]
        for key in ("Producer", "Creator"):
            if meta.get(key):
                facts.software.append(Software(f"PDF {key}", meta[key], modified))
        facts.acroform = pdfium.raw.FPDF_GetFormType(pdf) != 0
    finally:
        pdf.close()
    try:
        facts.annotations, facts.annotation_count = _annotations(data)
    except PdfPageTooComplex:
        facts.page_too_complex = True
    xmp = find_xmp_packet(data)  # uncompressed, as the spec advises
    if xmp:
        _read_xmp(xmp.decode("utf-8", "replace"), facts)
    return facts


def find_xmp_packet(data: bytes) -> bytes | None:
    """The first complete <x:xmpmeta>...</x:xmpmeta> in the file, at most XMP_MAX_BYTES long.

    In time linear in the file, whatever it holds (the regex `<x:xmpmeta.*?</x:xmpmeta>` is
    quadratic in the number of openers without a closer): the searches cover disjoint stretches
    of the file, and a new round starts only past a span longer than XMP_MAX_BYTES.
    """
    start = data.find(XMP_OPEN)
    while start != -1:
        end = data.find(XMP_CLOSE, start)
        if end == -1:
            return None
        end += len(XMP_CLOSE)
        start = data.rfind(XMP_OPEN, start, end)  # the opener nearest this closer
        if end - start <= XMP_MAX_BYTES:
            return data[start:end]
        start = data.find(XMP_OPEN, end)
    return None


# Bounded gaps: a match costs at most ~150 steps wherever it starts (real files have a newline).
_STARTXREF = re.compile(rb"startxref\s{1,64}\d{1,20}\s{1,64}%%EOF")


def pdf_revisions(data: bytes) -> int:
    """Saves in the file: each incremental update appends a new xref section and %%EOF."""
    ends = len(_STARTXREF.findall(data))
    linearized = b"/Linearized" in data[:2048]  # its first-page trailer is not a revision
    return max(1, ends - (1 if linearized and ends > 1 else 0))


def _annotations(data: bytes) -> tuple[list[tuple[str, tuple[int, int, int, int]]], int]:
    """The first page's suspicious annotations (kind, region), and how many it has in all.

    Only the first PDF_MAX_ANNOTATIONS are looked at: a page can list millions.
    """
    page = first_page_annotations(data, limit=PDF_MAX_ANNOTATIONS)
    found = []
    for kind, rect in page["annotations"]:
        if kind in SUSPICIOUS_ANNOTATIONS:
            box = _pdf_box(rect, page["height"]) if rect else (0, 0, 0, 0)
            found.append((SUSPICIOUS_ANNOTATIONS[kind], box))
    return found, page["count"]


def _pdf_box(rect: list[float], page_height: float) -> tuple[int, int, int, int]:
    k = PDF_DPI / 72
    left, top, right, bottom = rect
    left, right = sorted((left, right))
    bottom, top = sorted((bottom, top))
    return (int(left * k), int((page_height - top) * k), int((right - left) * k), int((top - bottom) * k))


# -- dates ------------------------------------------------------------------------------------

_PDF_DATE = re.compile(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?")


def parse_date(value) -> datetime | None:
    """EXIF ("2026:03:01 10:00:00"), XMP (ISO 8601) and PDF ("D:20260301100000+01'00'") dates,
    as aware datetimes (no zone given: UTC)."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if not value:
        return None
    text = str(value).strip()[:DATE_MAX_CHARS].rstrip("\x00")
    try:
        if re.match(r"\d{4}:\d{2}:\d{2} ", text):
            parsed = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
        elif re.match(r"\d{4}-\d{2}-\d{2}", text):
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = _parse_pdf_date(text)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_pdf_date(text: str) -> datetime | None:
    m = _PDF_DATE.match(text)
    if not m:
        return None
    parts = [int(p) if p else d for p, d in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True)]
    parsed = datetime(*parts)
    zone = (m.group(7) or "").replace("'", "")
    if zone == "Z" or not zone:
        return parsed.replace(tzinfo=UTC) if zone else parsed
    sign = 1 if zone[0] == "+" else -1
    offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5] or 0))
    return (parsed - sign * offset).replace(tzinfo=UTC)


def _day(d: datetime | date) -> str:
    return d.strftime("%Y-%m-%d")


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
