"""Rendering a certificate to PNG (Pillow) and PDF (reportlab) from a template layout.

A layout is a JSON-able dict (stored on ``CertificateTemplate``); an uploaded one only needs the
keys it changes -- :func:`resolve_layout` merges it over :data:`DEFAULT_LAYOUT` element by element,
and :func:`layout_schema_errors` explains what is wrong with it, field by field.

Coordinates are canvas pixels, origin top left; a text element's ``y`` is its *baseline* and ``x``
is its left edge, centre or right edge according to ``align``. Text shrinks to fit ``max_width``
(down to 60 % of ``size``) and then wraps onto a second line. Dates print as ISO ``YYYY-MM-DD``
by default (unambiguous for people and for the OCR in the fraud pipeline); ``"date_format": "long"``
prints ``15 January 2025``.

Both outputs come from one drawing plan, so they match: the PNG draws it with Pillow; the PDF (A4
landscape) embeds the background as an image and draws text, lines and the QR code as vectors, so
the text stays selectable and sharp. Fonts are looked up at run time (DejaVu, Liberation, Noto, Free
fonts, then ``fc-match``), falling back to Pillow's and reportlab's built-in fonts.
"""

import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as pdf_canvas

from certificates.lifecycle.hashing import normalize_text
from certificates.rendering.background import draw_background, rgb
from certificates.rendering.fonts import pdf_font, pil_font
from certificates.rendering.layout import STATIC_ELEMENTS, resolve_layout
from certificates.rendering.phash import phash_hex
from certificates.rendering.qr import make_qr_image

PRODUCER = "CertVerify"

# Binary PDF streams: ASCII85 only helps 7-bit mail channels, and reportlab's pure-Python encoder costs
# about a second per page for the background image.
rl_config.useA85 = 0


_MONTHS = "January February March April May June July August September October November December".split()

# --- fonts ------------------------------------------------------------------------------------------


# --- layout -----------------------------------------------------------------------------------------


# --- input and plan ---------------------------------------------------------------------------------


@dataclass
class RenderInput:
    organization_name: str
    recipient_name: str
    title: str
    issue_date: dt.date | str
    expiry_date: dt.date | str | None
    grade: str | None
    credential_id: str
    qr_text: str
    background: Image.Image | None = None
    layout: dict | None = None


@dataclass(frozen=True)
class TextOp:
    text: str
    family: str
    size: int
    color: str
    x: float
    y: float  # baseline
    align: str


@dataclass(frozen=True)
class LineOp:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: str


@dataclass(frozen=True)
class QROp:
    text: str
    x: float
    y: float
    size: int


def _format_date(value: dt.date | str | None, date_format: str) -> str | None:
    if value in (None, ""):
        return None
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    if date_format == "long":
        return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"
    return date.isoformat()


def printed_date(value: dt.date | str, layout: dict | None) -> str | None:
    """A date as a certificate with this layout prints it (the bulk preview shows it)."""
    return _format_date(value, resolve_layout(layout)["date_format"])


def _element_values(inp: RenderInput, date_format: str) -> dict[str, str | None]:
    values = {
        "org_name": inp.organization_name,
        "recipient_name": inp.recipient_name,
        "title": inp.title,
        "issue_date": _format_date(inp.issue_date, date_format),
        "expiry_date": _format_date(inp.expiry_date, date_format),
        "grade": inp.grade,
        "credential_id": inp.credential_id,
    }
    # One line each, printed exactly as hashed (a stray newline would also break baseline anchoring).
    return {name: normalize_text(value) if value else None for name, value in values.items()}


def _text_width(text: str, family: str, size: int) -> float:
    return pil_font(family, size).getlength(text)


def _wrap_in_two(text: str, family: str, size: int) -> list[str]:
    """Split at the space that best balances the two lines."""
    words = text.split(" ")
    if len(words) < 2:
        return [text]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return list(min(splits, key=lambda pair: max(_text_width(p, family, size) for p in pair)))


def _fit(text: str, element: dict) -> tuple[list[str], int]:
    """Lines and font size so that ``text`` fits the element's max_width (shrink, then wrap)."""
    size, family, max_width = int(element["size"]), element["font"], element.get("max_width")
    if not max_width:
        return [text], size
    min_size = max(12, int(size * 0.6))
    while size > min_size and _text_width(text, family, size) > max_width:
        size -= 2
    if _text_width(text, family, size) <= max_width:
        return [text], size
    lines = _wrap_in_two(text, family, size)
    while size > 12 and max(_text_width(line, family, size) for line in lines) > max_width:
        size -= 2
    return lines, size


def _text_ops(text: str, element: dict) -> list:
    lines, size = _fit(text, element)
    leading = size * 1.15
    first_baseline = element["y"] - leading * (len(lines) - 1) / 2  # keep a wrapped block centred on y
    ops: list = [
        TextOp(
            line,
            element["font"],
            size,
            element["color"],
            element["x"],
            first_baseline + i * leading,
            element["align"],
        )
        for i, line in enumerate(lines)
    ]
    if element.get("underline"):
        width = max(_text_width(line, element["font"], size) for line in lines)
        left = {"left": element["x"], "center": element["x"] - width / 2, "right": element["x"] - width}[
            element["align"]
        ]
        y = first_baseline + leading * (len(lines) - 1) + size * 0.28
        ops.append(LineOp(left - 30, y, left + width + 30, y, max(2, size / 40), element["color"]))
    return ops


def _signature_ops(element: dict) -> list:
    x, y, width = element["x"], element["y"], element["width"]
    ops: list = [LineOp(x, y, x + width, y, 2.5, element["color"])]
    if element.get("label"):
        ops.append(TextOp(element["label"], "sans", 28, element["color"], x + width / 2, y + 42, "center"))
    return ops


def _qr_ops(element: dict, qr_text: str) -> list:
    ops: list = [QROp(qr_text, element["x"], element["y"], int(element["size"]))]
    if element.get("caption"):
        centre = element["x"] + element["size"] / 2
        ops.append(
            TextOp(
                element["caption"],
                "sans",
                26,
                "#3a3a3a",
                centre,
                element["y"] + element["size"] + 30,
                "center",
            )
        )
    return ops


def _plan(inp: RenderInput, layout: dict) -> list:
    """Everything drawn on top of the background, in drawing order, independent of the output format."""
    values = _element_values(inp, layout["date_format"])
    ops: list = []
    for name, element in layout["elements"].items():
        if element.get("visible") is False or name == "seal":
            continue
        if name == "qr":
            ops += _qr_ops(element, inp.qr_text)
        elif name == "signature":
            ops += _signature_ops(element)
        elif name in STATIC_ELEMENTS:
            ops += (
                _text_ops(normalize_text(element["text"]), element) if element.get("text", "").strip() else []
            )
        elif values[name]:
            ops += _text_ops(element.get("label", "") + values[name], element)
    return ops


# --- background -------------------------------------------------------------------------------------


# --- output -----------------------------------------------------------------------------------------

_ANCHORS = {"left": "ls", "center": "ms", "right": "rs"}


def _paint_image(image: Image.Image, ops: list) -> None:
    draw = ImageDraw.Draw(image)
    for op in ops:
        if isinstance(op, TextOp):
            font = pil_font(op.family, op.size)
            draw.text((op.x, op.y), op.text, font=font, fill=op.color, anchor=_ANCHORS[op.align])
        elif isinstance(op, LineOp):
            draw.line([(op.x1, op.y1), (op.x2, op.y2)], fill=op.color, width=round(op.width))
        elif isinstance(op, QROp):
            image.paste(make_qr_image(op.text, op.size).convert("RGB"), (round(op.x), round(op.y)))


def render_image(inp: RenderInput) -> Image.Image:
    """The certificate as an RGB image at the layout's canvas size."""
    layout = resolve_layout(inp.layout)
    image = draw_background(inp, layout)
    _paint_image(image, _plan(inp, layout))
    return image


def render_png(inp: RenderInput) -> bytes:
    buffer = io.BytesIO()
    render_image(inp).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


class _PdfPainter:
    """Maps canvas pixels (origin top left) to PDF points (origin bottom left) on an A4 landscape page."""

    def __init__(self, pdf: pdf_canvas.Canvas, width: int, height: int):
        page_width, page_height = landscape(A4)
        self.pdf, self.scale = pdf, min(page_width / width, page_height / height)
        self.left = (page_width - width * self.scale) / 2
        self.top = page_height - (page_height - height * self.scale) / 2

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.left + x * self.scale, self.top - y * self.scale

    def invisible_text(self, ops: list) -> None:
        """Text render mode 3: selectable and searchable, never painted."""
        for op in ops:
            text = self.pdf.beginText()
            text.setTextRenderMode(3)
            text.setFont(pdf_font(op.family), op.size * self.scale)
            x, y = self.point(op.x, op.y)
            if op.align != "left":
                width = self.pdf.stringWidth(op.text, pdf_font(op.family), op.size * self.scale)
                x -= width / 2 if op.align == "center" else width
            text.setTextOrigin(x, y)
            text.textOut(op.text)
            self.pdf.drawText(text)


def render_pdf(inp: RenderInput) -> bytes:
    """A one-page A4 landscape PDF showing exactly the PNG rendering, with the text as an invisible layer.

    The page image is the same raster as the PNG, so a genuine PDF rasterized by a verifier matches
    the stored original pixel for pixel (layer 4 compares them); the invisible text keeps the PDF
    searchable and selectable.
    """
    layout = resolve_layout(inp.layout)
    width, height = layout["canvas"]["width"], layout["canvas"]["height"]
    buffer = io.BytesIO()
    pdf = pdf_canvas.Canvas(buffer, pagesize=landscape(A4))
    pdf.setProducer(PRODUCER)
    pdf.setCreator(PRODUCER)
    pdf.setTitle(f"{inp.title} \u2013 {inp.recipient_name}")
    pdf.setAuthor(inp.organization_name)
    pdf.setSubject(f"Credential {inp.credential_id}")
    painter = _PdfPainter(pdf, width, height)
    page_width, page_height = landscape(A4)
    pdf.setFillColorRGB(*(c / 255 for c in rgb(layout["colors"]["paper"])))
    pdf.rect(0, 0, page_width, page_height, stroke=0, fill=1)  # letterbox for canvases that are not A4-shaped
    left, bottom = painter.point(0, height)
    image = render_image(inp)
    pdf.drawImage(ImageReader(image), left, bottom, width * painter.scale, height * painter.scale)
    painter.invisible_text([op for op in _plan(inp, layout) if isinstance(op, TextOp)])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def perceptual_hash(png_bytes: bytes) -> str:
    """The pHash as 16 hex characters (certificates/phash.py; imagehash.hex_to_hash reads it)."""
    with Image.open(io.BytesIO(png_bytes)) as image:
        return phash_hex(image.convert("RGB"))
