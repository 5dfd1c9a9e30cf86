"""Fonts for rendering: looked up at run time (DejaVu, Liberation, Noto, Free fonts, then fc-match),
falling back to Pillow's and reportlab's built-in fonts.

Every script: after a family's own font come the Noto fonts of each script and then Droid Sans
Fallback for CJK (SCRIPT_FALLBACKS; Debian's fonts-noto-core and fonts-droid-fallback, installed by
the Dockerfile and .ci/run). Text is split into runs, each drawn with the first font of the chain
whose cmap has every character of the run; a character no font has is refused (Undrawable) before
anything is issued, never drawn as an empty box. docs/rendering.md lists the chain.
"""

import functools
import hashlib
import os
import shutil
import subprocess
import unicodedata

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


_SERIF_SCRIPTS = ["Devanagari", "Bengali", "Tamil", "Thai", "Hebrew"]
_SANS_SCRIPTS = ["Devanagari", "Bengali", "Tamil", "Thai", "Hebrew", "Arabic"]
CJK_FALLBACK = "DroidSansFallbackFull.ttf"  # TrueType outlines, so reportlab can embed it too


def _chain(prefix: str, scripts: list[str], weight: str, arabic: str) -> list[str]:
    return (
        [f"{prefix}-{weight}.ttf"] + [f"{prefix}{s}-{weight}.ttf" for s in scripts] + [arabic, CJK_FALLBACK]
    )


# What each family falls back to, in order, for the characters its own font lacks (Latin, Greek and
# Cyrillic are in DejaVu itself). Arabic names use Naskh in serif families, the book face.
SCRIPT_FALLBACKS = {
    "serif": _chain("NotoSerif", _SERIF_SCRIPTS, "Regular", "NotoNaskhArabic-Regular.ttf"),
    "serif-bold": _chain("NotoSerif", _SERIF_SCRIPTS, "Bold", "NotoNaskhArabic-Bold.ttf"),
    "serif-italic": _chain("NotoSerif", _SERIF_SCRIPTS, "Regular", "NotoNaskhArabic-Regular.ttf"),
    "sans": _chain("NotoSans", _SANS_SCRIPTS, "Regular", "NotoNaskhArabic-Regular.ttf"),
    "sans-bold": _chain("NotoSans", _SANS_SCRIPTS, "Bold", "NotoNaskhArabic-Bold.ttf"),
    "mono": _chain("NotoSans", _SANS_SCRIPTS, "Regular", "NotoNaskhArabic-Regular.ttf"),
    "mono-bold": _chain("NotoSans", _SANS_SCRIPTS, "Bold", "NotoNaskhArabic-Bold.ttf"),
}

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


# --- every script: the fallback chain, runs and the glyph check ------------------------------------


class Undrawable(ValueError):
    """Characters that no installed font can draw."""

    def __init__(self, characters: list[str]):
        self.characters = characters
        shown = ", ".join(f"“{c}” (U+{ord(c):04X})" for c in characters[:5])
        super().__init__(f"No installed font can draw {shown}.")


@functools.cache
def font_chain(family: str) -> tuple[str, ...]:
    """The font files tried in order for a family: its own font, then SCRIPT_FALLBACKS."""
    installed = _installed_fonts()
    primary = font_path(family)
    chain = [primary] if primary else []
    chain += [installed[name] for name in SCRIPT_FALLBACKS[family] if name in installed]
    return tuple(dict.fromkeys(chain))


@functools.cache
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont as FontFile

    with FontFile(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or {})


def _neutral(character: str) -> bool:
    """Spaces, joiners and marks of direction: they take the font of the run they are in."""
    return character.isspace() or unicodedata.category(character) in ("Cf", "Zs")


def font_runs(text: str, family: str) -> list[tuple[str, str | None]]:
    """(text, font file) runs covering ``text``; raises Undrawable. Without any installed font the
    whole text is one run of the built-in font (None): there is nothing to check it against."""
    chain = font_chain(family)
    if not chain:
        return [(text, None)]
    runs: list[list] = []
    missing: list[str] = []
    for character in text:
        if _neutral(character) and runs:
            runs[-1][0] += character
            continue
        path = next((p for p in chain if ord(character) in _cmap(p)), None)
        if path is None:
            if _neutral(character):
                path = chain[0]
            else:
                missing.append(character)
                continue
        if runs and runs[-1][1] == path:
            runs[-1][0] += character
        else:
            runs.append([character, path])
    if missing:
        raise Undrawable(list(dict.fromkeys(missing)))
    return [(run, path) for run, path in runs]


@functools.cache
def pil_font_file(path: str | None, family: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font file at a size; complex scripts and right-to-left text are shaped by libraqm."""
    return ImageFont.truetype(path, size) if path else pil_font(family, size)


@functools.cache
def pdf_font_file(path: str | None, family: str) -> str:
    """The reportlab font name for a file (registered once), or the family's when there is none."""
    if not path or not path.lower().endswith(".ttf"):
        return pdf_font(family)
    name = "CertVerify-" + hashlib.sha256(path.encode()).hexdigest()[:12]
    pdfmetrics.registerFont(TTFont(name, path))
    return name
