"""Starting designs for a new template: a small gallery, landscape and portrait.

Each is a layout in the renderer's JSON (only what differs from the standard design); picking one
fills the template editor with it, where it stays editable and is validated like any layout.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StartingDesign:
    key: str
    name: str
    orientation: str
    description: str
    layout: dict


_PORTRAIT = {"width": 1414, "height": 2000}


def _centred(y: int, font: str, size: int, **extra) -> dict:
    return {"x": 707, "y": y, "font": font, "size": size, "align": "center", **extra}


GALLERY = (
    StartingDesign("classic", "Classic", "landscape", "Engraved border, serif type, gold seal.", {}),
    StartingDesign(
        "modern",
        "Modern",
        "landscape",
        "Sans-serif type set left, teal and orange, the seal top right.",
        {
            "colors": {"paper": "#ffffff", "primary": "#0f4c5c", "accent": "#e36414"},
            "elements": {
                "org_name": {"x": 200, "y": 240, "font": "sans-bold", "size": 44, "align": "left", "max_width": 1150},
                "heading": {"x": 200, "y": 370, "font": "sans-bold", "size": 84, "align": "left", "max_width": 1200},
                "preamble": {"x": 200, "y": 460, "font": "sans", "size": 36, "align": "left"},
                "recipient_name": {"x": 200, "y": 590, "font": "sans-bold", "size": 92, "align": "left", "max_width": 1150, "underline": False},
                "body": {"x": 200, "y": 680, "font": "sans", "size": 36, "align": "left"},
                "title": {"x": 200, "y": 780, "font": "sans-bold", "size": 58, "align": "left", "max_width": 1150},
                "grade": {"x": 200, "y": 860, "font": "sans", "size": 38, "align": "left"},
                "seal": {"x": 1640, "y": 300, "size": 220},
                "credential_id": {"x": 200, "y": 1254, "font": "mono-bold", "size": 30, "align": "left"},
                "qr": {"x": 1472, "y": 760, "size": 392},
            },
        },
    ),
    StartingDesign(
        "portrait-classic",
        "Portrait",
        "portrait",
        "A4 upright: the classic design for diplomas and transcripts.",
        {
            "canvas": _PORTRAIT,
            "elements": {
                "org_name": _centred(330, "serif-bold", 46, max_width=1100),
                "heading": _centred(470, "serif-bold", 78, max_width=1150),
                "preamble": _centred(580, "serif-italic", 38),
                "recipient_name": _centred(720, "serif-bold", 88, max_width=1100),
                "body": _centred(830, "serif-italic", 38),
                "title": _centred(930, "serif-bold", 56, max_width=1100),
                "grade": _centred(1010, "serif", 38),
                "seal": {"x": 707, "y": 1190, "size": 220},
                "issue_date": {"x": 180, "y": 1560, "font": "sans", "size": 34, "align": "left"},
                "expiry_date": {"x": 180, "y": 1612, "font": "sans", "size": 34, "align": "left"},
                "signature": {"x": 180, "y": 1740, "width": 440},
                "credential_id": _centred(1860, "mono-bold", 28),
                "qr": {"x": 940, "y": 1420, "size": 300},
            },
        },
    ),
    StartingDesign(
        "portrait-minimal",
        "Portrait minimal",
        "portrait",
        "A4 upright, sans-serif on white, burgundy.",
        {
            "canvas": _PORTRAIT,
            "colors": {"paper": "#ffffff", "primary": "#7a1f2b", "accent": "#9a8c7a"},
            "elements": {
                "org_name": _centred(330, "sans-bold", 44, max_width=1100),
                "heading": _centred(480, "sans-bold", 74, max_width=1150),
                "preamble": _centred(590, "sans", 36),
                "recipient_name": _centred(730, "sans-bold", 86, max_width=1100, underline=False),
                "body": _centred(840, "sans", 36),
                "title": _centred(940, "sans-bold", 54, max_width=1100),
                "grade": _centred(1020, "sans", 36),
                "seal": {"x": 707, "y": 1190, "size": 200},
                "issue_date": {"x": 180, "y": 1560, "font": "sans", "size": 34, "align": "left"},
                "expiry_date": {"x": 180, "y": 1612, "font": "sans", "size": 34, "align": "left"},
                "signature": {"x": 180, "y": 1740, "width": 440},
                "credential_id": _centred(1860, "mono-bold", 28),
                "qr": {"x": 940, "y": 1420, "size": 300},
            },
        },
    ),
)  # fmt: skip

BY_KEY = {design.key: design for design in GALLERY}
