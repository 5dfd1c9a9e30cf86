"""(c) Copy-move: is one area of the page a copy of another, grain and all?

Keypoints (ORB) are matched against the page itself; pairs at least MIN_OFFSET px apart with
near-identical descriptors are candidates. Printed text repeats on its own (every "2" of a font
looks the same), so the shape of a match proves nothing. What a genuine page never repeats is
its *background grain*: sensor noise, paper fibre, a photo's texture are different under every
glyph. A candidate is kept only when the high-pass residual of the flat pixels around both points
is correlated (Fisher z of the normalized correlation, over at least MIN_BACKGROUND pixels of
measurable grain). On a clean digital rendering there is no grain, and a copy cannot be told
from a repeat: the analysis says so rather than guessing. JPEG re-saves blur but keep the grain's
pattern, so the correlation survives them.

The statistic is Stouffer's sum over the pairs that agree on one displacement; a copy found this
way can be checked by anyone comparing the two areas, so the layer treats it as checkable.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import cv2
import numpy as np

from .common import Evidence, Region

WORK_WIDTH = 2400  # wider pages are reduced by an integer factor first
MIN_OFFSET = 12
HALF = 7  # compared windows are 15x15 px: a copied digit is not much larger
MAX_HAMMING = 24
MIN_BACKGROUND = 30  # flat pixels in both windows, where the grain is compared
MIN_GRAIN = 0.8  # residual std (grey levels) of those pixels: below, the page has no grain to copy
MIN_NCC = 0.5


@dataclass
class Candidates:
    """Pairs of keypoints whose descriptors match (same shape), found once for both copy tests."""

    g: np.ndarray  # the page the keypoints were found on (reduced by `factor`)
    factor: int
    xy: np.ndarray
    matches: list
    skipped: str = ""

    def pairs(self, *, limit: int | None = None):
        """(a, b) indices of distinct keypoints at least MIN_OFFSET apart, closest descriptors first."""
        seen, out = set(), []
        for group in self.matches:
            for m in group:
                i, j = m.queryIdx, m.trainIdx
                if i == j or m.distance > MAX_HAMMING or (min(i, j), max(i, j)) in seen:
                    continue
                seen.add((min(i, j), max(i, j)))
                if np.hypot(*(self.xy[i] - self.xy[j])) >= MIN_OFFSET:
                    out.append((m.distance, i, j))
        out.sort()
        return [(i, j) for _, i, j in out[:limit]]


def candidates(grey: np.ndarray, *, mask: np.ndarray | None = None) -> Candidates:
    factor = max(1, -(-grey.shape[1] // WORK_WIDTH))
    g = (
        grey
        if factor == 1
        else cv2.resize(grey, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    )
    orb = cv2.ORB_create(nfeatures=2000, scaleFactor=1.3, nlevels=3, edgeThreshold=HALF + 2, patchSize=HALF + 2,
                         fastThreshold=10)  # fmt: skip
    points, descriptors = orb.detectAndCompute(g, None)
    few = "Too few distinct points on the page to compare."
    if descriptors is None or len(points) < 3:
        return Candidates(g, factor, np.zeros((0, 2), np.float32), [], few)
    xy = np.float32([p.pt for p in points])
    if mask is not None:
        rows = np.minimum((xy[:, 1] * factor / _cell(mask, grey)).astype(int), mask.shape[0] - 1)
        cols = np.minimum((xy[:, 0] * factor / _cell(mask, grey)).astype(int), mask.shape[1] - 1)
        keep = mask[rows, cols]
        xy, descriptors = xy[keep], descriptors[keep]
        if len(xy) < 3:
            return Candidates(g, factor, xy, [], few)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(descriptors, descriptors, k=min(4, len(xy)))
    return Candidates(g, factor, xy, matches)


def analyse(
    grey: np.ndarray, *, mask: np.ndarray | None = None, jpeg: bool = False, found: Candidates | None = None
) -> Evidence:
    """`jpeg`: the page is a JPEG's, whose compression noise repeats with the content at offsets
    that are whole 8x8 blocks; those offsets are left out (a copy lands on one 1 time in 64)."""
    found = found or candidates(grey, mask=mask)
    if found.skipped:
        return Evidence("copy_move", skipped=found.skipped)
    g, factor, xy = found.g, found.factor, found.xy
    f = g.astype(np.float32)
    residual = f - cv2.GaussianBlur(f, (0, 0), 1.2)
    gx, gy = cv2.Sobel(f, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(f, cv2.CV_32F, 0, 1) / 8
    # Paper: no edge within 2 px (next to a stroke, the residual is the stroke's, shared by repeats).
    flat = cv2.dilate(((gx * gx + gy * gy) > 100).astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    grain = float(np.median(np.abs(residual[flat]))) * 1.4826 if flat.any() else 0.0
    if grain < MIN_GRAIN:
        # Compression ringing beside repeated glyphs is not grain: without grain, no verdict.
        return Evidence("copy_move", details={"grain": round(grain, 2)},
                        skipped="The page has no grain that a copy would carry.")  # fmt: skip
    clusters = defaultdict(list)
    measured_pairs = 0
    for i, j in found.pairs():
        a, b = xy[i], xy[j]
        if jpeg and factor == 1 and _on_grid(a, b):
            continue
        z, b_fit = _background_agreement(f, residual, flat, a, b)
        if z is None:
            continue
        measured_pairs += 1
        if z > 0:
            offset = (int(round((b_fit[0] - a[0]) / 3)), int(round((b_fit[1] - a[1]) / 3)))
            clusters[offset].append((z, a, b_fit))
    details = {"keypoints": len(xy), "pairs_measured": measured_pairs, "grain": round(grain, 2)}
    if measured_pairs == 0:
        return Evidence(
            "copy_move", details=details, skipped="The page has no grain that a copy would carry."
        )
    regions = []
    for pairs in clusters.values():
        zs = np.float32([p[0] for p in pairs])
        strong = zs[zs >= 3.0]
        if strong.size == 0:
            continue
        statistic = float(strong.sum() / np.sqrt(strong.size))
        src = np.float32([p[1] for p in pairs]) * factor
        dst = np.float32([p[2] for p in pairs]) * factor
        regions.append(Region(_box(dst, HALF * factor), statistic, int(strong.size),
                              "repeats another area of the page, background grain included", partner=_box(src, HALF * factor)))  # fmt: skip
    regions.sort(key=lambda r: -r.statistic)
    return Evidence("copy_move", max((r.statistic for r in regions), default=0.0), regions[:3],
                    details=details, checkable=True)  # fmt: skip


def _on_grid(a, b) -> bool:
    dx, dy = abs(float(a[0] - b[0])), abs(float(a[1] - b[1]))
    return min(dx % 8, 8 - dx % 8) < 1.5 and min(dy % 8, 8 - dy % 8) < 1.5


def _cell(mask: np.ndarray, grey: np.ndarray) -> float:
    return grey.shape[1] / mask.shape[1]


def _box(points: np.ndarray, half: int) -> tuple[int, int, int, int]:
    x0, y0 = points.min(axis=0) - half
    x1, y1 = points.max(axis=0) + half
    return (int(max(0, x0)), int(max(0, y0)), int(x1 - max(0, x0)), int(y1 - max(0, y0)))


def _background_agreement(f, residual, flat, a, b):
    """Fisher z of the residual correlation over the flat pixels of both windows (b refined within
    +-1 px on the raw pixels), and b's refined position; None when there is no grain to compare."""
    h, w = f.shape
    ax, ay = int(round(a[0])), int(round(a[1]))
    bx, by = int(round(b[0])), int(round(b[1]))
    r = HALF + 2
    if min(ax, ay, bx, by) < r or ax + r >= w or bx + r >= w or ay + r >= h or by + r >= h:
        return None, b
    sa = (slice(ay - HALF, ay + HALF + 1), slice(ax - HALF, ax + HALF + 1))
    wa = f[sa]
    best, best_d = (bx, by), None
    for dy in range(-1, 2):
        for dx in range(-1, 2):
            wb = f[by + dy - HALF : by + dy + HALF + 1, bx + dx - HALF : bx + dx + HALF + 1]
            d = float(np.abs(wa - wb).mean())
            if best_d is None or d < best_d:
                best, best_d = (bx + dx, by + dy), d
    bx, by = best
    sb = (slice(by - HALF, by + HALF + 1), slice(bx - HALF, bx + HALF + 1))
    both = flat[sa] & flat[sb]
    n = int(both.sum())
    if n < MIN_BACKGROUND:
        return None, best
    ra, rb = residual[sa][both], residual[sb][both]
    if min(ra.std(), rb.std()) < MIN_GRAIN:
        return None, best
    ncc = float(np.corrcoef(ra, rb)[0, 1])
    # Neighbouring residual pixels are correlated (the blur): about one independent value per 4.
    return float(np.arctanh(np.clip(ncc, -0.999, 0.999)) * np.sqrt(max(1.0, n / 4 - 3))), best
