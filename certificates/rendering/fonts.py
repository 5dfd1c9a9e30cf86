"""Fonts for rendering: looked up at run time (DejaVu, Liberation, Noto, Free fonts, then fc-match),
falling back to Pillow's and reportlab's built-in fonts."""

import functools
import os
import shutil
import subprocess

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

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
def pil_font(family: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path(family)
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


@functools.cache
def pdf_font(family: str) -> str:
    path = font_path(family)
    if not path or not path.lower().endswith(".ttf"):
        return _PDF_BUILTIN[family]
    name = f"CertVerify-{family}"
    pdfmetrics.registerFont(TTFont(name, path))
    return name
