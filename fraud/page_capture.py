"""Find the page in a photo or screenshot and rectify it, so the page can be read as if scanned.

Method (the usual document-scanner one): on a grey copy at most `FIND_SIDE` wide, blur, Canny
edges closed into outlines, and the largest convex four-cornered outline that covers a plausible
share of the frame (`MIN_PAGE_SHARE`..`MAX_PAGE_SHARE`) and is lighter inside than just outside
(paper on a desk, a page in a viewer's grey chrome; a certificate's own printed frame has paper
on both sides and is not taken). Otherwise, the largest bright region found by Otsu's threshold,
with the same checks. Without either, the whole frame is the page. The quadrilateral is warped to
a rectangle with its own measured aspect ratio, `PAGE_WIDTH` wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

FIND_SIDE = 800
PAGE_WIDTH = 1600  # what OCR and the QR reader need (fraud/ocr.py MAX_WIDTH)
MIN_PAGE_SHARE = 0.2
MAX_PAGE_SHARE = 0.97  # a page filling more than this needs no rectifying
# The paper just inside the outline must be this many grey levels lighter than just outside it.
MIN_EDGE_CONTRAST = 18.0


@dataclass(frozen=True)
class Page:
    image: Image.Image  # the page (rectified when `quad` is set)
    quad: tuple[tuple[float, float], ...] | None = None  # corners in the input's pixels, TL TR BR BL


def rectified_page(image: Image.Image) -> Page:
    """The page within `image`: rectified when a page outline was found, else `image` itself."""
    grey = np.asarray(image.convert("L"))
    scale = min(1.0, FIND_SIDE / max(grey.shape))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    quad = find_page_quad(small)
    if quad is None:
        return Page(image)
    quad = quad / scale
    return Page(_warp(image, quad), tuple((float(x), float(y)) for x, y in quad))


def find_page_quad(grey: np.ndarray) -> np.ndarray | None:
    """The page's corners (TL, TR, BR, BL) in `grey`'s pixels, or None."""
    blurred = cv2.GaussianBlur(grey, (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(blurred, 30, 90), np.ones((3, 3), np.uint8))
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    for mask in (edges, bright):
        quad = _best_quad(mask, blurred)
        if quad is not None:
            return quad
    return None


def _best_quad(mask: np.ndarray, grey: np.ndarray) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    frame = float(grey.shape[0] * grey.shape[1])
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        if not MIN_PAGE_SHARE <= cv2.contourArea(hull) / frame <= MAX_PAGE_SHARE:
            continue
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) != 4 or not cv2.isContourConvex(approx):
            continue
        quad = _ordered(approx.reshape(4, 2).astype(np.float32))
        if _edge_contrast(grey, quad) >= MIN_EDGE_CONTRAST:
            return quad
    return None


def _ordered(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.float32(
        [points[total.argmin()], points[diff.argmin()], points[total.argmax()], points[diff.argmax()]]
    )


def _edge_contrast(grey: np.ndarray, quad: np.ndarray) -> float:
    """Median brightness of a band just inside the outline minus one just outside it."""
    centre = quad.mean(axis=0)
    band = max(3.0, 0.015 * max(grey.shape))
    inside = np.zeros(grey.shape, np.uint8)
    outside = np.zeros(grey.shape, np.uint8)
    shrunk = centre + (quad - centre) * (1 - band / max(1.0, np.linalg.norm(quad - centre, axis=1).min()))
    grown = centre + (quad - centre) * (1 + band / max(1.0, np.linalg.norm(quad - centre, axis=1).min()))
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
    cv2.fillConvexPoly(inside, shrunk.astype(np.int32), 0)
    cv2.fillConvexPoly(outside, grown.astype(np.int32), 1)
    cv2.fillConvexPoly(outside, quad.astype(np.int32), 0)
    if not inside.any() or not outside.any():
        return 0.0
    return float(np.median(grey[inside > 0])) - float(np.median(grey[outside > 0]))


def _warp(image: Image.Image, quad: np.ndarray) -> Image.Image:
    top, bottom = np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])
    left, right = np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])
    aspect = (left + right) / max(1.0, top + bottom)
    size = (PAGE_WIDTH, max(1, round(PAGE_WIDTH * aspect)))
    target = np.float32([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]])
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    rgb = np.asarray(image.convert("RGB"))
    return Image.fromarray(
        cv2.warpPerspective(rgb, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    )
