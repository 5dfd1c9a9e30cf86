"""What a file says about its own history: EXIF, XMP, PNG text, JPEG tables and PDF structure.

Every reader here meets untrusted bytes, so each is bounded: the XMP packet is found with
bytes.find and capped, values and names are cut before any pattern runs, a PDF page is read in a
child process with limits (pdf_pages.py). The metadata layer (layers/metadata.py) judges the facts.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from PIL import ExifTags, Image

from fraud.layers.base import PDF_MAX_ANNOTATIONS
from fraud.pdf_pages import PdfPageTooComplex, first_page_annotations

SUSPICIOUS_ANNOTATIONS = {3: "a text box", 5: "a rectangle", 13: "a stamp", 14: "an insertion mark",
                          15: "a freehand drawing", 20: "a form field", 28: "a redaction"}  # fmt: skip


PDF_DPI = 150  # Upload.image rasterizes PDFs at this resolution
XMP_OPEN, XMP_CLOSE = b"<x:xmpmeta", b"</x:xmpmeta>"


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


XMP_MAX_BYTES = 512 * 1024  # a certificate's packet is a few KB; Photoshop's longest histories fit


XMP_MAX_VALUES = 32  # tools and history entries read from one packet (the latest kept)


SOFTWARE_MAX_CHARS = 200  # a tool's name; the classifying patterns run on no more


DATE_MAX_CHARS = 64  # the longest date form read here is ~32 characters


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


def day(d: datetime | date) -> str:
    return d.strftime("%Y-%m-%d")
