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

import copy
import datetime as dt
import functools
import io
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas

from certificates.lifecycle.hashing import normalize_text
from certificates.rendering.phash import phash_hex
from certificates.rendering.qr import make_qr_image

PRODUCER = "CertVerify"

# Binary PDF streams: ASCII85 only helps 7-bit mail channels, and reportlab's pure-Python encoder costs
# about a second per page for the background image.
rl_config.useA85 = 0

DEFAULT_LAYOUT: dict = {
    "version": 1,
    "canvas": {"width": 2000, "height": 1414},
    "colors": {"paper": "#fbf8f0", "primary": "#1f3a5f", "accent": "#b08a3e"},
    "date_format": "iso",
    "elements": {
        "org_name": {"x": 1000, "y": 240, "font": "serif-bold", "size": 50, "color": "#1f3a5f", "align": "center", "max_width": 1400},
        "heading": {"x": 1000, "y": 365, "font": "serif-bold", "size": 96, "color": "#1f3a5f", "align": "center", "max_width": 1500, "text": "Certificate of Completion"},
        "preamble": {"x": 1000, "y": 462, "font": "serif-italic", "size": 40, "color": "#3a3a3a", "align": "center", "text": "This is to certify that"},
        "recipient_name": {"x": 1000, "y": 590, "font": "serif-bold", "size": 100, "color": "#141414", "align": "center", "max_width": 1400, "underline": True},
        "body": {"x": 1000, "y": 700, "font": "serif-italic", "size": 40, "color": "#3a3a3a", "align": "center", "text": "has successfully completed"},
        "title": {"x": 1000, "y": 795, "font": "serif-bold", "size": 64, "color": "#1f3a5f", "align": "center", "max_width": 1400},
        "grade": {"x": 1000, "y": 875, "font": "serif", "size": 40, "color": "#262626", "align": "center", "label": "Grade: "},
        "issue_date": {"x": 210, "y": 990, "font": "sans", "size": 36, "color": "#262626", "align": "left", "label": "Issued: "},
        "expiry_date": {"x": 210, "y": 1042, "font": "sans", "size": 36, "color": "#262626", "align": "left", "label": "Valid until: "},
        "signature": {"x": 210, "y": 1150, "width": 440, "color": "#262626", "label": "Authorized signature"},
        "seal": {"x": 1000, "y": 1030, "size": 220},
        "credential_id": {"x": 1000, "y": 1254, "font": "mono-bold", "size": 32, "color": "#141414", "align": "center", "label": "Credential ID: "},
        "qr": {"x": 1472, "y": 832, "size": 392, "caption": "Scan to verify"},
    },
}  # fmt: skip

# Fields printed from the certificate; the verification pipeline reads these, so they cannot be hidden.
REQUIRED_ELEMENTS = ("recipient_name", "title", "issue_date", "credential_id", "qr")
_VALUE_ELEMENTS = (
    "org_name",
    "recipient_name",
    "title",
    "issue_date",
    "expiry_date",
    "grade",
    "credential_id",
)
_STATIC_ELEMENTS = ("heading", "preamble", "body")
_TEXT_KEYS = {"x", "y", "font", "size", "color", "align", "max_width", "underline", "visible"}
_ELEMENT_KEYS = {
    **{name: _TEXT_KEYS | {"label"} for name in _VALUE_ELEMENTS},
    **{name: _TEXT_KEYS | {"text"} for name in _STATIC_ELEMENTS},
    "qr": {"x", "y", "size", "caption"},
    "signature": {"x", "y", "width", "color", "label", "visible"},
    "seal": {"x", "y", "size", "visible"},
}
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_MONTHS = "January February March April May June July August September October November December".split()

# --- fonts ------------------------------------------------------------------------------------------

FONT_CANDIDATES = {
    "serif": ["DejaVuSerif.ttf", "LiberationSerif-Regular.ttf", "NotoSerif-Regular.ttf", "FreeSerif.ttf"],
    "serif-bold": ["DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf", "NotoSerif-Bold.ttf", "FreeSerifBold.ttf"],
    "serif-italic": ["DejaVuSerif-Italic.ttf", "LiberationSerif-Italic.ttf", "NotoSerif-Italic.ttf", "FreeSerifItalic.ttf", "DejaVuSerifCondensed-Italic.ttf"],
    "sans": ["DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "FreeSans.ttf"],
    "sans-bold": ["DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "NotoSans-Bold.ttf", "FreeSansBold.ttf"],
    "mono": ["DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "NotoSansMono-Regular.ttf", "FreeMono.ttf"],
    "mono-bold": ["DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf", "NotoSansMono-Bold.ttf", "FreeMonoBold.ttf"],
}  # fmt: skip
_FC_PATTERNS = {
    "serif": "serif",
    "serif-bold": "serif:bold",
    "serif-italic": "serif:italic",
    "sans": "sans-serif",
    "sans-bold": "sans-serif:bold",
    "mono": "monospace",
    "mono-bold": "monospace:bold",
}
# reportlab's built-in PDF fonts, used only when no TrueType font is installed at all.
_PDF_BUILTIN = {
    "serif": "Times-Roman",
    "serif-bold": "Times-Bold",
    "serif-italic": "Times-Italic",
    "sans": "Helvetica",
    "sans-bold": "Helvetica-Bold",
    "mono": "Courier",
    "mono-bold": "Courier-Bold",
}
FONT_DIRS = [
    *filter(None, os.environ.get("CERTVERIFY_FONT_DIRS", "").split(os.pathsep)),
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.local/share/fonts"),
    os.path.expanduser("~/.fonts"),
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:\\Windows\\Fonts",
]


@functools.cache
def _installed_fonts() -> dict[str, str]:
    """File name -> path of every TrueType font under FONT_DIRS (the first one found wins)."""
    found: dict[str, str] = {}
    for root_dir in FONT_DIRS:
        for root, _dirs, files in os.walk(root_dir):
            for name in files:
                if name.lower().endswith((".ttf", ".otf")):
                    found.setdefault(name, os.path.join(root, name))
    return found


def _fc_match(family: str) -> str | None:
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", _FC_PATTERNS[family]], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out if out.lower().endswith((".ttf", ".otf")) and os.path.isfile(out) else None


@functools.cache
def font_path(family: str) -> str | None:
    """The TrueType file for a layout font family, or None when only built-in fonts are available."""
    installed = _installed_fonts()
    for name in FONT_CANDIDATES[family]:
        if name in installed:
            return installed[name]
    return _fc_match(family)


@functools.cache
def _pil_font(family: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path(family)
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


@functools.cache
def _pdf_font(family: str) -> str:
    path = font_path(family)
    if not path or not path.lower().endswith(".ttf"):
        return _PDF_BUILTIN[family]
    name = f"CertVerify-{family}"
    pdfmetrics.registerFont(TTFont(name, path))
    return name


# --- layout -----------------------------------------------------------------------------------------


class LayoutError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def resolve_layout(layout: dict | None) -> dict:
    """DEFAULT_LAYOUT with ``layout`` merged over it element by element; raises LayoutError if invalid."""
    errors = layout_schema_errors(layout or {})
    if errors:
        raise LayoutError(errors)
    return _merge(layout or {})


def _merge(layout: dict) -> dict:
    merged = copy.deepcopy(DEFAULT_LAYOUT)
    for key in ("canvas", "colors"):
        merged[key].update(layout.get(key) or {})
    merged["date_format"] = layout.get("date_format", merged["date_format"])
    for name, element in (layout.get("elements") or {}).items():
        merged["elements"][name].update(element)
    return merged


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _range_error(path: str, value, low: float, high: float) -> str | None:
    if not _is_number(value):
        return f"{path}: must be a number"
    if not low <= value <= high:
        return f"{path}: must be between {low:g} and {high:g}"
    return None


def _color_error(path: str, value) -> str | None:
    if isinstance(value, str) and _HEX_COLOR.match(value):
        return None
    return f"{path}: must be a colour like #1f3a5f"


def _section(layout: dict, key: str) -> dict:
    value = layout.get(key)
    return value if isinstance(value, dict) else {}


def _top_level_errors(layout: dict) -> list[str]:
    errors = [f"{key}: unknown setting" for key in layout if key not in DEFAULT_LAYOUT]
    errors += [
        f"{key}: must be an object"
        for key in ("canvas", "colors", "elements")
        if key in layout and not isinstance(layout[key], dict)
    ]
    errors += [
        f"canvas.{key}: unknown setting"
        for key in _section(layout, "canvas")
        if key not in ("width", "height")
    ]
    for key, value in _section(layout, "colors").items():
        known = key in DEFAULT_LAYOUT["colors"]
        errors.append(_color_error(f"colors.{key}", value) if known else f"colors.{key}: unknown colour")
    if layout.get("date_format", "iso") not in ("iso", "long"):
        errors.append("date_format: must be 'iso' or 'long'")
    if layout.get("version", 1) != 1:
        errors.append("version: must be 1")
    return [error for error in errors if error]


def _element_shape_errors(elements: dict) -> list[str]:
    errors = []
    for name, element in elements.items():
        if name not in _ELEMENT_KEYS:
            errors.append(f"elements.{name}: unknown element (known: {', '.join(sorted(_ELEMENT_KEYS))})")
        elif not isinstance(element, dict):
            errors.append(f"elements.{name}: must be an object")
        else:
            errors += [
                f"elements.{name}.{key}: unknown setting" for key in element if key not in _ELEMENT_KEYS[name]
            ]
    return errors


def _canvas_errors(width, height) -> list[str]:
    errors = []
    for path, value, low in (("canvas.width", width, 800), ("canvas.height", height, 600)):
        error = _range_error(path, value, low, 6000)
        if not error and not isinstance(value, int):
            error = f"{path}: must be a whole number of pixels"
        errors += [error] if error else []
    return errors


def _qr_size_errors(path: str, element: dict, width: float, height: float) -> list[str | None]:
    error = _range_error(f"{path}.size", element["size"], 150, min(width, height) / 2)
    if error:
        return [error]
    if element["x"] + element["size"] > width or element["y"] + element["size"] > height:
        return [f"{path}: the QR code must lie entirely inside the canvas"]
    return []


def _text_style_errors(path: str, element: dict, width: float) -> list[str | None]:
    errors = [_range_error(f"{path}.size", element["size"], 12, 300)]
    if "max_width" in element:
        errors.append(_range_error(f"{path}.max_width", element["max_width"], 50, width))
    if element.get("font") not in FONT_CANDIDATES:
        errors.append(f"{path}.font: must be one of {', '.join(FONT_CANDIDATES)}")
    if element.get("align") not in ("left", "center", "right"):
        errors.append(f"{path}.align: must be left, center or right")
    return errors


def _size_errors(name: str, element: dict, width: float, height: float) -> list[str | None]:
    path = f"elements.{name}"
    if name == "qr":
        return _qr_size_errors(path, element, width, height)
    if name == "seal":
        return [_range_error(f"{path}.size", element["size"], 60, min(width, height) / 2)]
    if name == "signature":
        return [_range_error(f"{path}.width", element["width"], 50, width)]
    return _text_style_errors(path, element, width)


def _attribute_errors(name: str, element: dict) -> list[str | None]:
    path = f"elements.{name}"
    errors = [_color_error(f"{path}.color", element["color"]) if "color" in element else None]
    errors += [
        f"{path}.{key}: must be text of at most 120 characters"
        for key in ("text", "label", "caption")
        if key in element and not (isinstance(element[key], str) and len(element[key]) <= 120)
    ]
    errors += [
        f"{path}.{key}: must be true or false"
        for key in ("visible", "underline")
        if key in element and not isinstance(element[key], bool)
    ]
    if name in REQUIRED_ELEMENTS and element.get("visible") is False:
        errors.append(f"{path}.visible: this element is needed for verification and cannot be hidden")
    return errors


def _element_errors(name: str, element: dict, width: float, height: float) -> list[str]:
    path = f"elements.{name}"
    position = [
        _range_error(f"{path}.x", element["x"], 0, width),
        _range_error(f"{path}.y", element["y"], 0, height),
    ]
    # Sizes are only checked against the canvas once the position is a sane number.
    sizes = [] if any(position) else _size_errors(name, element, width, height)
    return [error for error in position + sizes + _attribute_errors(name, element) if error]


def layout_schema_errors(layout) -> list[str]:
    """Human-readable problems of an uploaded layout ("elements.qr.x: must be between 0 and 2000")."""
    if not isinstance(layout, dict):
        return ["layout: must be an object"]
    errors = _top_level_errors(layout) + _element_shape_errors(_section(layout, "elements"))
    if errors:
        return errors
    merged = _merge(layout)
    width, height = merged["canvas"]["width"], merged["canvas"]["height"]
    errors = _canvas_errors(width, height)
    if errors:
        return errors
    for name, element in merged["elements"].items():
        errors += _element_errors(name, element, width, height)
    return errors


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
    return _pil_font(family, size).getlength(text)


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
        elif name in _STATIC_ELEMENTS:
            ops += (
                _text_ops(normalize_text(element["text"]), element) if element.get("text", "").strip() else []
            )
        elif values[name]:
            ops += _text_ops(element.get("label", "") + values[name], element)
    return ops


# --- background -------------------------------------------------------------------------------------

_SUPERSAMPLE = 2  # lines are drawn at twice the size and scaled down: Pillow's lines are not anti-aliased
_SUPERSAMPLE_MAX_PIXELS = 6_000_000  # above this, memory matters more than smooth lines
_SEAL_TEXT = "VERIFIED CREDENTIAL \u2022 CERTVERIFY \u2022 "


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _mix(a: str, b: str, t: float) -> tuple[int, int, int]:
    """``a`` moved a fraction ``t`` towards ``b``."""
    return tuple(round(x + (y - x) * t) for x, y in zip(_rgb(a), _rgb(b), strict=True))


def _paper(width: int, height: int, paper: str) -> Image.Image:
    """The paper colour, a little darker towards the edges like a vignette."""
    # Computed on a coarse grid and scaled up: the gradient is smooth, and a full-size float grid
    # would cost hundreds of MiB in a worker.
    small_w, small_h = max(2, width // 16), max(2, height // 16)
    yy, xx = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    distance = ((xx / small_w - 0.5) ** 2 + (yy / small_h - 0.5) ** 2) * 2  # 0 centre .. 1 corners
    edge = np.array(_mix(paper, "#8a7550", 0.10), dtype=np.float32)
    centre = np.array(_rgb(paper), dtype=np.float32)
    pixels = centre + (edge - centre) * (distance[..., None] ** 1.5)
    small = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    return small.resize((width, height), Image.Resampling.BICUBIC)


def _rosette(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, color, width: int, petals=12, copies=8
):
    """A guilloche rosette: rotated copies of a petalled closed curve."""
    for copy_index in range(copies):
        phase = copy_index * 2 * math.pi / (copies * petals)
        points = []
        for step in range(721):
            theta = step * 2 * math.pi / 720
            r = radius * (0.62 + 0.38 * abs(math.sin(petals / 2 * (theta + phase))))
            points.append((cx + r * math.cos(theta), cy + r * math.sin(theta)))
        draw.line(points, fill=color, width=width, joint="curve")


def _wave_band(draw: ImageDraw.ImageDraw, start, end, offset: float, amplitude: float, color, width: int):
    """Three interlaced sine waves between two points: the engraved-looking border band."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    nx, ny = -uy, ux
    period = 22 * amplitude
    for phase in (0, 2 * math.pi / 3, 4 * math.pi / 3):
        points = []
        for step in range(int(length // 3) + 1):
            t = step * 3
            o = offset + amplitude * math.sin(2 * math.pi * t / period + phase)
            points.append((x1 + ux * t + nx * o, y1 + uy * t + ny * o))
        draw.line(points, fill=color, width=width, joint="curve")


def _frame(draw: ImageDraw.ImageDraw, w: int, h: int, s: int, colors: dict):
    primary, accent, paper = colors["primary"], colors["accent"], colors["paper"]
    draw.rectangle([36 * s, 36 * s, w - 36 * s, h - 36 * s], outline=primary, width=12 * s)
    draw.rectangle([52 * s, 52 * s, w - 52 * s, h - 52 * s], outline=primary, width=2 * s)
    band = _mix(accent, paper, 0.25)
    corners = [(80 * s, 80 * s), (w - 80 * s, 80 * s), (w - 80 * s, h - 80 * s), (80 * s, h - 80 * s)]
    for i, start in enumerate(corners):  # clockwise, so the wave's normal points inwards on every side
        _wave_band(draw, start, corners[(i + 1) % 4], 0, 12 * s, band, 2 * s)
    draw.rectangle([104 * s, 104 * s, w - 104 * s, h - 104 * s], outline=accent, width=3 * s)
    for cx, cy in corners:  # corner ornaments hide where the four wave bands meet
        diamond = [(cx, cy - 34 * s), (cx + 34 * s, cy), (cx, cy + 34 * s), (cx - 34 * s, cy)]
        draw.polygon(diamond, fill=paper, outline=accent, width=3 * s)
        _rosette(draw, cx, cy, 22 * s, accent, s, petals=8, copies=3)
        draw.ellipse([cx - 6 * s, cy - 6 * s, cx + 6 * s, cy + 6 * s], fill=primary)


def _ring_text(image: Image.Image, text: str, cx: float, cy: float, radius: float, size: int, color):
    """Letters set upright around a circle, clockwise from the top."""
    font = _pil_font("sans-bold", size)
    step = 2 * math.pi / len(text)
    for i, char in enumerate(text):
        angle = -math.pi / 2 + i * step
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size, size), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle + math.pi / 2), resample=Image.Resampling.BICUBIC)
        x, y = cx + radius * math.cos(angle) - size, cy + radius * math.sin(angle) - size
        image.paste(Image.new("RGB", glyph.size, color), (round(x), round(y)), glyph)


def _star(cx: float, cy: float, outer: float, inner: float, points: int = 5) -> list[tuple[float, float]]:
    return [
        (cx + (outer if k % 2 == 0 else inner) * math.cos(-math.pi / 2 + k * math.pi / points),
         cy + (outer if k % 2 == 0 else inner) * math.sin(-math.pi / 2 + k * math.pi / points))
        for k in range(points * 2)
    ]  # fmt: skip


def _seal(image: Image.Image, cx: float, cy: float, size: float, colors: dict):
    """A gold rosette seal with two ribbon tails."""
    draw = ImageDraw.Draw(image)
    r = size / 2
    primary, accent, paper = colors["primary"], colors["accent"], colors["paper"]
    for side in (-1, 1):  # ribbon tails, drawn first so the seal covers their tops
        x0, x1 = cx + side * r * 0.15, cx + side * r * 0.75
        draw.polygon(
            [(x0, cy), (x0 + side * r * 0.35, cy), (x1, cy + r * 1.35), (x1 - side * r * 0.2, cy + r * 1.18), (x1 - side * r * 0.45, cy + r * 1.4)],
            fill=primary,
        )  # fmt: skip
    scallops = [
        (cx + r * (0.93 + 0.07 * math.cos(40 * t)) * math.cos(t), cy + r * (0.93 + 0.07 * math.cos(40 * t)) * math.sin(t))
        for t in (k * 2 * math.pi / 720 for k in range(720))
    ]  # fmt: skip
    draw.polygon(scallops, fill=accent)
    dark = _mix(accent, "#000000", 0.3)
    draw.ellipse(
        [cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8], outline=paper, width=max(2, round(r * 0.02))
    )
    draw.ellipse(
        [cx - r * 0.56, cy - r * 0.56, cx + r * 0.56, cy + r * 0.56],
        fill=dark,
        outline=paper,
        width=max(2, round(r * 0.02)),
    )
    _rosette(draw, cx, cy, r * 0.5, _mix(accent, "#000000", 0.15), max(1, round(r * 0.008)), petals=10)
    draw.polygon(_star(cx, cy, r * 0.28, r * 0.11), fill=paper)
    _ring_text(image, _SEAL_TEXT, cx, cy, r * 0.68, max(8, round(r * 0.13)), paper)


@functools.lru_cache(maxsize=8)
def _procedural_background(width: int, height: int, colors: tuple, seal: tuple | None) -> Image.Image:
    """Paper, engraved border, a faint central rosette and the seal. Cached: it depends only on the layout."""
    s = _SUPERSAMPLE if width * height <= _SUPERSAMPLE_MAX_PIXELS else 1
    palette = dict(colors)
    image = _paper(width * s, height * s, palette["paper"])
    draw = ImageDraw.Draw(image)
    watermark = _mix(palette["paper"], palette["accent"], 0.22)  # faint enough to keep text OCR-clean
    _rosette(draw, width * s / 2, height * s * 0.47, min(width, height) * s * 0.33, watermark, s, petals=16)
    _frame(draw, width * s, height * s, s, palette)
    if seal:
        _seal(image, seal[0] * s, seal[1] * s, seal[2] * s, palette)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _background(inp: RenderInput, layout: dict) -> Image.Image:
    width, height = layout["canvas"]["width"], layout["canvas"]["height"]
    if inp.background is not None:
        background = ImageOps.exif_transpose(inp.background).convert("RGBA")
        paper = Image.new("RGBA", background.size, layout["colors"]["paper"])
        flat = Image.alpha_composite(paper, background).convert("RGB")  # transparent areas become paper
        return ImageOps.fit(flat, (width, height), Image.Resampling.LANCZOS)
    seal = layout["elements"]["seal"]
    seal_key = None if seal.get("visible") is False else (seal["x"], seal["y"], seal["size"])
    colors = tuple(sorted(layout["colors"].items()))
    return _procedural_background(width, height, colors, seal_key).copy()


# --- output -----------------------------------------------------------------------------------------

_ANCHORS = {"left": "ls", "center": "ms", "right": "rs"}


def _paint_image(image: Image.Image, ops: list) -> None:
    draw = ImageDraw.Draw(image)
    for op in ops:
        if isinstance(op, TextOp):
            font = _pil_font(op.family, op.size)
            draw.text((op.x, op.y), op.text, font=font, fill=op.color, anchor=_ANCHORS[op.align])
        elif isinstance(op, LineOp):
            draw.line([(op.x1, op.y1), (op.x2, op.y2)], fill=op.color, width=round(op.width))
        elif isinstance(op, QROp):
            image.paste(make_qr_image(op.text, op.size).convert("RGB"), (round(op.x), round(op.y)))


def render_image(inp: RenderInput) -> Image.Image:
    """The certificate as an RGB image at the layout's canvas size."""
    layout = resolve_layout(inp.layout)
    image = _background(inp, layout)
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
            text.setFont(_pdf_font(op.family), op.size * self.scale)
            x, y = self.point(op.x, op.y)
            if op.align != "left":
                width = self.pdf.stringWidth(op.text, _pdf_font(op.family), op.size * self.scale)
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
    pdf.setFillColorRGB(*(c / 255 for c in _rgb(layout["colors"]["paper"])))
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
