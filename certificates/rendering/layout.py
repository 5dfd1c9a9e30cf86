"""Certificate layouts: the standard design, merging an uploaded partial layout over it, and
explaining field by field what is wrong with one.

Coordinates are canvas pixels, origin top left; a text element's y is its baseline."""

import copy
import math
import re

from certificates.lifecycle.hashing import normalize_text
from certificates.rendering.fonts import FONT_CANDIDATES, Undrawable, font_runs
from certificates.rendering.words import DATE_FORMATS, LANGUAGES, word

DEFAULT_LAYOUT: dict = {
    "version": 1,
    "canvas": {"width": 2000, "height": 1414},
    "colors": {"paper": "#fbf8f0", "primary": "#1f3a5f", "accent": "#b08a3e"},
    "date_format": "iso",
    "language": "en",
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
        "logo": {"x": 150, "y": 140, "width": 240, "height": 200},
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


STATIC_ELEMENTS = ("heading", "preamble", "body")


# Signatories: "signature" is the first (the only one before there could be several); further ones
# are optional elements that a layout adds by naming them, so a layout without them -- every layout
# written before -- means and renders exactly what it did (the schema stays version 1).
MAX_SIGNATORIES = 3
EXTRA_SIGNATURES = tuple(f"signature_{n}" for n in range(2, MAX_SIGNATORIES + 1))
SIGNATURES = ("signature", *EXTRA_SIGNATURES)
EXTRA_SIGNATURE_DEFAULTS: dict = {  # on the standard design: between the seal and the QR code, then below
    "signature_2": {"x": 1120, "y": 1150, "width": 330, "color": "#262626", "label": "Authorized signature"},
    "signature_3": {"x": 1120, "y": 1300, "width": 330, "color": "#262626", "label": "Authorized signature"},
}  # fmt: skip


# Free texts: the issuer's own words, placed like the fixed heading, preamble and body. Optional
# elements, added by naming them (as further signatories are), so older layouts mean what they did.
FREE_TEXTS = tuple(f"text_{n}" for n in range(1, 4))
MAX_FREE_TEXT_LENGTH = 300
FREE_TEXT_DEFAULTS: dict = {  # on the standard design: a footer line, a line above the name, left of the seal
    "text_1": {"x": 1000, "y": 1296, "font": "sans", "size": 26, "color": "#3a3a3a", "align": "center", "max_width": 900, "text": "Your words here"},
    "text_2": {"x": 1000, "y": 150, "font": "sans", "size": 30, "color": "#3a3a3a", "align": "center", "max_width": 1000, "text": "Your words here"},
    "text_3": {"x": 210, "y": 930, "font": "sans", "size": 30, "color": "#3a3a3a", "align": "left", "max_width": 560, "text": "Your words here"},
}  # fmt: skip
# Extra images (a partner's logo, an accreditation mark): boxes like the logo's, each with its own
# uploaded file; optional too.
EXTRA_IMAGES = ("image_1", "image_2")
EXTRA_IMAGE_DEFAULTS: dict = {  # on the standard design: at the top right, clear of the heading and the name
    "image_1": {"x": 1610, "y": 130, "width": 240, "height": 150},
    "image_2": {"x": 1610, "y": 400, "width": 240, "height": 130},
}
# Every optional element's defaults, merged under what a layout gives for it.
OPTIONAL_DEFAULTS: dict = {**EXTRA_SIGNATURE_DEFAULTS, **FREE_TEXT_DEFAULTS, **EXTRA_IMAGE_DEFAULTS}


_TEXT_KEYS = {"x", "y", "font", "size", "color", "align", "max_width", "underline", "visible"}


_ELEMENT_KEYS = {
    **{name: _TEXT_KEYS | {"label"} for name in _VALUE_ELEMENTS},
    **{name: _TEXT_KEYS | {"text"} for name in (*STATIC_ELEMENTS, *FREE_TEXTS)},
    "qr": {"x", "y", "size", "caption"},
    **{name: {"x", "y", "width", "color", "label", "name", "visible"} for name in SIGNATURES},
    **{name: {"x", "y", "width", "height", "visible"} for name in ("logo", *EXTRA_IMAGES)},
    "seal": {"x", "y", "size", "visible"},
}


_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


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
    merged["language"] = layout.get("language", merged["language"])
    primary = merged["colors"]["primary"]
    for element in merged["elements"].values():  # text in the standard primary follows colors.primary
        if element.get("color") == DEFAULT_LAYOUT["colors"]["primary"]:
            element["color"] = primary
    for name, element in (layout.get("elements") or {}).items():
        if name not in merged["elements"]:  # an added signatory or free text, over its defaults
            merged["elements"][name] = copy.deepcopy(OPTIONAL_DEFAULTS[name])
        merged["elements"][name].update(element)
    for element in merged["elements"].values():  # the fixed words, in the template's language
        for key in ("text", "label", "caption"):
            if isinstance(element.get(key), str):
                element[key] = word(element[key], merged["language"])
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
    if layout.get("date_format", "iso") not in DATE_FORMATS:
        errors.append(f"date_format: must be one of {', '.join(repr(f) for f in DATE_FORMATS)}")
    if layout.get("language", "en") not in LANGUAGES:
        errors.append(f"language: must be one of {', '.join(LANGUAGES)}")
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
    if name == "logo" or name in EXTRA_IMAGES:
        errors = [
            _range_error(f"{path}.width", element["width"], 20, width),
            _range_error(f"{path}.height", element["height"], 20, height),
        ]
        if not any(errors) and (
            element["x"] + element["width"] > width or element["y"] + element["height"] > height
        ):
            what = "logo" if name == "logo" else "image"
            errors.append(f"{path}: the {what} must lie entirely inside the canvas")
        return errors
    if name in SIGNATURES:
        return [_range_error(f"{path}.width", element["width"], 50, width)]
    return _text_style_errors(path, element, width)


def _free_text_errors(path: str, element: dict) -> list[str | None]:
    """The issuer's own words: some, not too many, and every character drawable in the chosen font."""
    text = element["text"]
    if not isinstance(text, str) or not text.strip():
        return [f"{path}.text: write the words to print (or remove this text)"]
    if len(text) > MAX_FREE_TEXT_LENGTH:
        return [f"{path}.text: must be at most {MAX_FREE_TEXT_LENGTH} characters"]
    if element.get("font") not in FONT_CANDIDATES:
        return []  # the font's own error says what is wrong
    try:
        font_runs(normalize_text(text), element["font"])
    except Undrawable as exc:
        return [f"{path}.text: {exc} It cannot be printed on the certificate."]
    return []


def _attribute_errors(name: str, element: dict) -> list[str | None]:
    path = f"elements.{name}"
    errors = [_color_error(f"{path}.color", element["color"]) if "color" in element else None]
    if name in FREE_TEXTS:
        errors += _free_text_errors(path, element)
    errors += [
        f"{path}.{key}: must be text of at most 120 characters"
        for key in ("text", "label", "caption", "name")
        if key in element
        and not (name in FREE_TEXTS and key == "text")
        and not (isinstance(element[key], str) and len(element[key]) <= 120)
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
