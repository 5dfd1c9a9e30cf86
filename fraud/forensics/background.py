"""(e) Background consistency around fields: is the paper under a field the paper around it?

A field painted over before it was retyped sits on a box of flat colour: on a textured, tinted
or photographed page that box differs from its surroundings in colour or in texture. Per OCR
line: the paper inside the line's box (ink and its edges left out) against a ring around it
(between half a line height and one line height outside, other lines left out). Deviation units:
6 grey levels of colour, and a factor 1.35 of texture (std of the high-pass residual). A line
whose ring is not one paper (its quartiles more than RING_SPREAD apart: text at a band's edge or
on a picture) is not judged. Inside the box, pixels more than INK_APART grey levels from the ring's
paper are ink, whichever is darker: the flat inside of bold or large letters (a logo's white
initials, a table's bold header) is not paper; in the ring, such pixels are a band or a logo that
reaches into it, not the paper either.
"""

from __future__ import annotations

import cv2
import numpy as np

from .common import Evidence, Region

Line = tuple[str, tuple[int, int, int, int]]
COLOUR_TOL, TEXTURE_TOL = 6.0, np.log(1.35)
RING_SPREAD = 2 * COLOUR_TOL  # grey levels between the ring's quartiles: more is not one paper
MIN_PAPER = 0.1  # share of a box (and of its ring) that must be plain paper to compare
INK_APART = 40.0  # grey levels from the paper: ink (a fill matches the paper within a few)


def analyse(rgb: np.ndarray, lines: list[Line]) -> Evidence:
    if not lines:
        return Evidence("background", skipped="No text lines were read from the page.")
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    residual = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 1.0))
    gx, gy = cv2.Sobel(grey, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(grey, cv2.CV_32F, 0, 1) / 8
    paper = cv2.dilate(((gx * gx + gy * gy) > 64).astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    taken = np.zeros(grey.shape, bool)
    for _, (x, y, w, h) in lines:
        taken[max(0, y - h // 4) : y + h + h // 4, max(0, x - h // 4) : x + w + h // 4] = True
    H, W = grey.shape
    regions = []
    for _, (x, y, w, h) in lines:
        pad, outer = max(2, h // 4), max(6, h)
        # Everything within the ring's bounding box (masks of the whole page per line cost more
        # than the analysis).
        top, left = max(0, y - outer), max(0, x - outer)
        window = (slice(top, min(H, y + h + outer)), slice(left, min(W, x + w + outer)))
        inner = np.zeros(taken[window].shape, bool)
        inner[max(0, y - pad) - top : y + h + pad - top, max(0, x - pad) - left : x + w + pad - left] = True
        around = ~taken[window]
        ring = around & paper[window]
        inside = inner & paper[window]
        if inside.sum() < max(50, MIN_PAPER * inner.sum()) or ring.sum() < max(50, MIN_PAPER * around.sum()):
            # Hardly any plain paper (a screen's pixel grid or a pattern is edges everywhere): what
            # is left is the flat inside of the ink and of the shapes, not paper to compare.
            continue
        crop, res = rgb[window], residual[window]
        around = crop[ring]
        spread = np.percentile(around, 75, axis=0) - np.percentile(around, 25, axis=0)
        if float(spread.max()) > RING_SPREAD:
            # The line sits on more than one colour (the edge of a band, a picture): there is no
            # one paper around it to compare with.
            continue
        # The inside of bold or large letters is flat too, but it is ink: pixels far from the
        # paper's grey (INK_APART) are left out, whichever is darker (white initials on a logo).
        paper_grey = float(np.median(grey[window][ring]))
        like_paper = np.abs(grey[window] - paper_grey) <= INK_APART
        inside &= like_paper
        ring &= like_paper  # and a band or a logo that reaches into the ring is not its paper
        if inside.sum() < 50 or ring.sum() < 50:
            continue
        colour = float(np.abs(np.median(crop[inside], axis=0) - np.median(crop[ring], axis=0)).max())
        texture = abs(np.log((res[inside].mean() + 0.5) / (res[ring].mean() + 0.5)))
        z = max(colour / COLOUR_TOL, texture / TEXTURE_TOL)
        what = "another colour" if colour / COLOUR_TOL >= texture / TEXTURE_TOL else "another texture"
        box = (max(0, x - pad), max(0, y - pad), w + 2 * pad, h + 2 * pad)
        regions.append(Region(box, z, 1, f"sits on paper of {what} than around it"))
    regions.sort(key=lambda r: -r.statistic)
    return Evidence("background", regions[0].statistic if regions else 0.0, regions[:3],
                    details={"lines": len(lines)})  # fmt: skip
