"""Rendering a certificate to PNG (Pillow) and PDF (reportlab) from a template layout.

A layout is a JSON-able dict (stored on ``CertificateTemplate``); an uploaded one only needs the
keys it changes -- :func:`resolve_layout` merges it over :data:`DEFAULT_LAYOUT` element by element,
and :func:`layout_schema_errors` explains what is wrong with it, field by field.

Coordinates are canvas pixels, origin top left; a text element's ``y`` is its *baseline* and ``x``
is its left edge, centre or right edge according to ``align``. Text shrinks to fit ``max_width``
(down to 60 % of ``size``), then wraps onto a second line, else issuing refuses it. Dates print as
ISO ``YYYY-MM-DD`` by default (unambiguous for people and for the OCR in the fraud pipeline); the
layout's ``date_format`` and ``language`` (words.py) print them and the fixed words otherwise.

Both outputs come from one drawing plan, so they match: the PNG draws it with Pillow; the PDF (A4
landscape) embeds the background as an image and draws text, lines and the QR code as vectors, so
the text stays selectable and sharp. Fonts are looked up at run time (DejaVu, Liberation, Noto, Free
fonts, then ``fc-match``), falling back to Pillow's and reportlab's built-in fonts.
"""

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps, features
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape, portrait
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as pdf_canvas

from certificates.lifecycle.hashing import normalize_text
from certificates.rendering import bidi
from certificates.rendering.background import draw_background, rgb
from certificates.rendering.fonts import Undrawable, font_chain, font_runs, pdf_font_file, pil_font_file
from certificates.rendering.layout import (
    EXTRA_IMAGES,
    EXTRA_SIGNATURES,
    FREE_TEXTS,
    STATIC_ELEMENTS,
    resolve_layout,
)
from certificates.rendering.phash import phash_hex
from certificates.rendering.qr import make_qr_image
from certificates.rendering.words import format_date

PRODUCER = "CertVerify"

# Binary PDF streams: ASCII85 only helps 7-bit mail channels, and reportlab's pure-Python encoder costs
# about a second per page for the background image.
rl_config.useA85 = 0


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
    logo: Image.Image | None = None  # the template's, placed in the layout's logo box
    signature_image: Image.Image | None = None  # drawn above the (first) signature line
    # Further signatories' images, by element name ("signature_2", ...).
    signature_images: dict[str, Image.Image] | None = None
    # The extra images, by element name ("image_1", ...), each fitted into its box.
    element_images: dict[str, Image.Image] | None = None


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
class ImageOp:
    image: Image.Image
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class QROp:
    text: str
    x: float
    y: float
    size: int


def _format_date(value: dt.date | str | None, date_format: str, language: str = "en") -> str | None:
    if value in (None, ""):
        return None
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(date, date_format, language)


def printed_date(value: dt.date | str, layout: dict | None) -> str | None:
    """A date as a certificate with this layout prints it (the bulk preview shows it)."""
    resolved = resolve_layout(layout)
    return _format_date(value, resolved["date_format"], resolved["language"])


def _element_values(inp: RenderInput, date_format: str, language: str = "en") -> dict[str, str | None]:
    values = {
        "org_name": inp.organization_name,
        "recipient_name": inp.recipient_name,
        "title": inp.title,
        "issue_date": _format_date(inp.issue_date, date_format, language),
        "expiry_date": _format_date(inp.expiry_date, date_format, language),
        "grade": inp.grade,
        "credential_id": inp.credential_id,
    }
    # One line each, printed exactly as hashed (a stray newline would also break baseline anchoring).
    return {name: normalize_text(value) if value else None for name, value in values.items()}


class TextTooLong(ValueError):
    pass


def _runs(text: str, family: str) -> list[tuple[str, str | None]]:
    """The text's font runs; text issued before the glyph check existed still draws (its boxes)."""
    try:
        return font_runs(text, family)
    except Undrawable:
        chain = font_chain(family)
        return [(text, chain[0] if chain else None)]


def _text_width(text: str, family: str, size: int) -> float:
    return sum(pil_font_file(path, family, size).getlength(run) for run, path in _runs(text, family))


def _wrap_in_two(text: str, family: str, size: int) -> list[str]:
    """Split at the space that best balances the two lines (between characters when there is no
    space, as in Chinese or Japanese names or one long word)."""
    words = text.split(" ")
    if len(words) >= 2:
        splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    elif len(text) >= 2:
        splits = [(text[:i], text[i:]) for i in range(1, len(text)) if not unicodedata.combining(text[i])]
    else:
        return [text]
    return list(min(splits, key=lambda pair: max(_text_width(p, family, size) for p in pair)))


def _floor(size: int) -> int:
    return max(12, int(size * 0.6))


def _fit(text: str, element: dict, strict: bool = False) -> tuple[list[str], int]:
    """Lines and font size so that ``text`` fits the element's max_width: shrink to the floor size
    (60 %), then wrap onto two lines (from the full size down to the floor). What still does not fit
    raises TextTooLong when ``strict`` (issuing refuses it), else is drawn at the floor size."""
    size, family, max_width = int(element["size"]), element["font"], element.get("max_width")
    if not max_width:
        return [text], size
    floor = _floor(size)
    while size > floor and _text_width(text, family, size) > max_width:
        size -= 2
    if _text_width(text, family, size) <= max_width:
        return [text], size
    lines, size = _wrap_in_two(text, family, size), int(element["size"])
    while size > floor and max(_text_width(line, family, size) for line in lines) > max_width:
        size -= 2
    if strict and (len(lines) < 2 or max(_text_width(line, family, size) for line in lines) > max_width):
        raise TextTooLong(text)
    return lines, size


PRINTED_FIELDS = ("recipient_name", "title", "grade")


def printing_problems(values: dict[str, str | None], layout: dict | None) -> list[tuple[str, str]]:
    """[(field, message)] for values this layout cannot print: a character no installed font has,
    or a value too long for its box even at the floor size on two lines. Issuing refuses them."""
    elements = resolve_layout(layout)["elements"]
    problems = []
    for name, value in values.items():
        element = elements.get(name)
        if not value or not element or element.get("visible") is False:
            continue
        text = normalize_text(element.get("label", "") + value)
        try:
            font_runs(text, element["font"])
            _fit(text, element, strict=True)
        except Undrawable as exc:
            problems.append((name, f"{exc} It cannot be printed on the certificate."))
        except TextTooLong:
            problems.append(
                (name, "Too long to print: it does not fit on two lines at the smallest size. Shorten it.")
            )
    return problems


def layout_text_problems(layout: dict) -> list[str]:
    """The free texts of a valid layout that do not fit their box even at the floor size on two
    lines, in the validator's words ("elements.text_1.text: ..."). Saving and the preview refuse them."""
    elements = resolve_layout(layout)["elements"]
    problems = []
    for name in FREE_TEXTS:
        element = elements.get(name)
        if not element or element.get("visible") is False:
            continue
        try:
            _fit(normalize_text(element["text"]), element, strict=True)
        except TextTooLong:
            problems.append(
                f"elements.{name}.text: too long to print: it does not fit its box on two lines at the "
                "smallest size. Shorten it, widen the box or make the text smaller."
            )
    return problems


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


def _signature_ops(element: dict, image: Image.Image | None = None) -> list:
    """The line, the signatory's name and role under it, and the signature image above it."""
    x, y, width = element["x"], element["y"], element["width"]
    ops: list = [ImageOp(image, x, y - 130, width, 120)] if image is not None else []
    ops.append(LineOp(x, y, x + width, y, 2.5, element["color"]))
    below = y + 42
    if element.get("name"):
        ops.append(
            TextOp(
                normalize_text(element["name"]),
                "sans-bold",
                28,
                element["color"],
                x + width / 2,
                below,
                "center",
            )
        )
        below += 36
    if element.get("label"):
        ops.append(TextOp(element["label"], "sans", 28, element["color"], x + width / 2, below, "center"))
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
    values = _element_values(inp, layout["date_format"], layout["language"])
    ops: list = []
    for name, element in layout["elements"].items():
        if element.get("visible") is False or name == "seal":
            continue
        if name == "qr":
            ops += _qr_ops(element, inp.qr_text)
        elif name == "signature":
            ops += _signature_ops(element, inp.signature_image)
        elif name in EXTRA_SIGNATURES:
            ops += _signature_ops(element, (inp.signature_images or {}).get(name))
        elif name == "logo" or name in EXTRA_IMAGES:
            picture = inp.logo if name == "logo" else (inp.element_images or {}).get(name)
            if picture is not None:
                ops.append(ImageOp(picture, element["x"], element["y"], element["width"], element["height"]))
        elif name in STATIC_ELEMENTS or name in FREE_TEXTS:
            ops += (
                _text_ops(normalize_text(element["text"]), element) if element.get("text", "").strip() else []
            )
        elif values[name]:
            ops += _text_ops(element.get("label", "") + values[name], element)
    return ops


# --- background -------------------------------------------------------------------------------------


# --- output -----------------------------------------------------------------------------------------

_ANCHORS = {"left": "ls", "center": "ms", "right": "rs"}
_RAQM = features.check("raqm")  # without it Pillow cannot be told a run's direction


def _bidi_runs(text: str, runs: list) -> list[tuple[str, str | None, int]]:
    """The font runs split where the embedding level changes (bidi.py), each with its level, in
    logical order."""
    levels = bidi.embedding_levels(text)
    paths = [path for run, path in runs for _character in run]
    pieces: list[list] = []
    for character, path, level in zip(text, paths, levels, strict=True):
        if pieces and pieces[-1][1:] == [path, level]:
            pieces[-1][0] += character
        else:
            pieces.append([character, path, level])
    return [(run, path, level) for run, path, level in pieces]


def _direction(level: int, right_to_left: bool) -> str | None:
    """libraqm's direction for a run: a line without right-to-left text is shaped as before."""
    if not right_to_left or not _RAQM:
        return None
    return "rtl" if level % 2 else "ltr"


def _run_positions(op: TextOp, runs: list) -> list[tuple[str, str | None, float, int, str | None]]:
    """Each run (in logical order) with its left edge, embedding level and direction. The runs are
    placed left to right in the visual order of the Unicode Bidirectional Algorithm, so an Arabic
    label before a Latin id sits to the right of it."""
    pieces = _bidi_runs(op.text, runs)
    right_to_left = any(level % 2 for *_rest, level in pieces)
    directions = [_direction(level, right_to_left) for *_rest, level in pieces]
    widths = [
        pil_font_file(path, op.family, op.size).getlength(run, direction=direction)
        for (run, path, _level), direction in zip(pieces, directions, strict=True)
    ]
    x = op.x - {"left": 0, "center": sum(widths) / 2, "right": sum(widths)}[op.align]
    lefts = [0.0] * len(pieces)
    for i in bidi.visual_order([level for *_rest, level in pieces]):
        lefts[i] = x
        x += widths[i]
    return [
        (run, path, left, level, direction)
        for (run, path, level), left, direction in zip(pieces, lefts, directions, strict=True)
    ]


def _paint_text(draw: ImageDraw.ImageDraw, op: TextOp) -> None:
    runs = _runs(op.text, op.family)
    if len(runs) == 1:  # one font: Pillow (libraqm) anchors, shapes and orders the whole line
        font = pil_font_file(runs[0][1], op.family, op.size)
        draw.text((op.x, op.y), op.text, font=font, fill=op.color, anchor=_ANCHORS[op.align])
        return
    for run, path, x, _level, direction in _run_positions(op, runs):
        font = pil_font_file(path, op.family, op.size)
        draw.text((x, op.y), run, font=font, fill=op.color, anchor="ls", direction=direction)


def _paste_fitted(canvas: Image.Image, op: ImageOp) -> None:
    """The image scaled to fit its box (aspect kept), centred in it, transparent parts left clear."""
    picture = ImageOps.contain(
        ImageOps.exif_transpose(op.image).convert("RGBA"), (round(op.width), round(op.height))
    )
    left = round(op.x + (op.width - picture.width) / 2)
    top = round(op.y + (op.height - picture.height) / 2)
    canvas.paste(picture, (left, top), picture)


def _paint_image(image: Image.Image, ops: list) -> None:
    draw = ImageDraw.Draw(image)
    for op in ops:
        if isinstance(op, ImageOp):
            _paste_fitted(image, op)
        elif isinstance(op, TextOp):
            _paint_text(draw, op)
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


def _visual_order(text: str, level: int | None = None) -> str:
    """Text as a PDF stores it: in visual order, by the Unicode Bidirectional Algorithm (readers and
    search turn it back into logical order), so numbers and Latin ids in an Arabic line keep theirs.
    A mark stays after its base letter. With `level`, `text` is one run at that level of a line."""
    if not {unicodedata.bidirectional(c) for c in text} & {"R", "AL", "AN"} and not (level or 0) % 2:
        return text
    clusters: list[str] = []
    for character in text:
        if clusters and unicodedata.combining(character):
            clusters[-1] += character
        else:
            clusters.append(character)
    if level is not None:
        return "".join(reversed(clusters) if level % 2 else clusters)
    levels = bidi.embedding_levels(text)
    starts = [0]
    for cluster in clusters[:-1]:
        starts.append(starts[-1] + len(cluster))
    return "".join(clusters[i] for i in bidi.visual_order([levels[start] for start in starts]))


def _page(width: int, height: int) -> tuple[float, float]:
    """A4 in the canvas's orientation: landscape for the standard design, portrait for a tall one."""
    return portrait(A4) if height > width else landscape(A4)


class _PdfPainter:
    """Maps canvas pixels (origin top left) to PDF points (origin bottom left) on an A4 page."""

    def __init__(self, pdf: pdf_canvas.Canvas, width: int, height: int):
        page_width, page_height = _page(width, height)
        self.pdf, self.scale = pdf, min(page_width / width, page_height / height)
        self.left = (page_width - width * self.scale) / 2
        self.top = page_height - (page_height - height * self.scale) / 2

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.left + x * self.scale, self.top - y * self.scale

    def _invisible(self, text: str, font: str, size: float, x: float, y: float) -> None:
        out = self.pdf.beginText()
        out.setTextRenderMode(3)
        out.setFont(font, size)
        out.setTextOrigin(x, y)
        out.textOut(text)
        self.pdf.drawText(out)

    def invisible_text(self, ops: list) -> None:
        """Text render mode 3: selectable and searchable, never painted. Each run is written in the
        font that has its characters, at its place on the line, in the visual order a PDF keeps
        (readers turn it back into logical order), so any script is found by a search."""
        for op in ops:
            runs = _runs(op.text, op.family)
            size = op.size * self.scale
            if len(runs) > 1:
                for run, path, x, level, _direction in _run_positions(op, runs):
                    text = _visual_order(run, level)
                    self._invisible(text, pdf_font_file(path, op.family), size, *self.point(x, op.y))
                continue
            font = pdf_font_file(runs[0][1], op.family)
            x, y = self.point(op.x, op.y)
            if op.align != "left":
                width = self.pdf.stringWidth(op.text, font, size)
                x -= width / 2 if op.align == "center" else width
            self._invisible(_visual_order(op.text), font, size, x, y)


def render_pdf(inp: RenderInput) -> bytes:
    """A one-page A4 PDF (landscape, or portrait for a tall canvas) showing exactly the PNG rendering, with the text as an invisible layer.

    The page image is the same raster as the PNG, so a genuine PDF rasterized by a verifier matches
    the stored original pixel for pixel (layer 4 compares them); the invisible text keeps the PDF
    searchable and selectable.
    """
    layout = resolve_layout(inp.layout)
    width, height = layout["canvas"]["width"], layout["canvas"]["height"]
    buffer = io.BytesIO()
    pdf = pdf_canvas.Canvas(buffer, pagesize=_page(width, height))
    pdf.setProducer(PRODUCER)
    pdf.setCreator(PRODUCER)
    pdf.setTitle(f"{inp.title} \u2013 {inp.recipient_name}")
    pdf.setAuthor(inp.organization_name)
    pdf.setSubject(f"Credential {inp.credential_id}")
    painter = _PdfPainter(pdf, width, height)
    page_width, page_height = _page(width, height)
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
