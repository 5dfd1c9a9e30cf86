"""What every forensic analysis returns, and the statistics they share.

An analysis measures one physical property per cell of the page (compression history, noise,
sharpness...), compares each cell with the page's own distribution (median and MAD: the page is
its own reference, so a noisy scan and a clean rendering are each judged against themselves) and
gathers anomalous cells into regions. A region's statistic is Stouffer's sum of its cells' robust
z-scores over sqrt(cells): a large edit of modest contrast and a small one of strong contrast both
stand out, and the page statistic is its strongest region. What value counts as an edit is not
decided here but calibrated on genuine documents (fraud/forensics/calibration.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

MAD_TO_SIGMA = 1.4826
MIN_REGION_SHARE = 0.25  # a "region" spanning more of the measured page is the page, not an edit


@dataclass
class Region:
    box: tuple[int, int, int, int]  # x, y, w, h in the pixels of the analysed image
    statistic: float
    cells: int = 0
    note: str = ""  # what was seen there, in words ("no sensor noise", "sharper")
    field: str | None = None  # filled by the layer from the OCR lines it covers
    partner: tuple[int, int, int, int] | None = None  # copy-move: the area it repeats


@dataclass
class Evidence:
    """One analysis's answer. `statistic` is the strongest region's (0 when none); `heat` is per cell,
    0..1 (NaN where nothing was measured), `cell` pixels a side; `checkable` marks evidence a person
    can verify by looking (an exact copy, an earlier PDF revision)."""

    name: str
    statistic: float = 0.0
    regions: list[Region] = field(default_factory=list)
    heat: np.ndarray | None = None
    cell: float = 16.0
    checkable: bool = False
    details: dict = field(default_factory=dict)
    skipped: str = ""  # why the analysis could not apply


def robust_z(values: np.ndarray, *, floor: float) -> tuple[np.ndarray, float, float]:
    """(z, median, scale) of `values` (NaN ignored) against their own median and MAD, the scale
    never below `floor` (a page that is perfectly uniform has no spread to divide by)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.full(values.shape, np.nan, np.float32), 0.0, floor
    median = float(np.median(finite))
    scale = max(floor, MAD_TO_SIGMA * float(np.median(np.abs(finite - median))))
    return ((values - median) / scale).astype(np.float32), median, scale


def anomalous_regions(
    z: np.ndarray, cell: float, *, threshold: float = 2.5, min_cells: int = 2, note: str = ""
) -> list[Region]:
    """Connected groups of cells with z >= `threshold` (gaps of one cell bridged), strongest first."""
    measured = np.isfinite(z)
    suspect = (np.nan_to_num(z, nan=0.0) >= threshold).astype(np.uint8)
    if suspect.sum() < min_cells:
        return []
    grown = cv2.morphologyEx(suspect, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    total = max(1, int(measured.sum()))
    regions = []
    for index in range(1, count):
        x, y, w, h = (int(v) for v in stats[index, :4])
        members = (labels[y : y + h, x : x + w] == index) & measured[y : y + h, x : x + w]
        values = z[y : y + h, x : x + w][members]
        n = int(members.sum())
        # An edited field is compact: neither its cells nor the box they span may be a large part of
        # the page (a diffuse scatter of cells across the page is the page's own variation).
        if n < min_cells or max(n, w * h) > MIN_REGION_SHARE * total:
            continue
        statistic = float(np.clip(values, -3, 12).sum() / np.sqrt(n))
        box = (int(x * cell), int(y * cell), int(np.ceil(w * cell)), int(np.ceil(h * cell)))
        regions.append(Region(box, statistic, n, note))
    return sorted(regions, key=lambda r: -r.statistic)[:5]


def heat_from_z(z: np.ndarray, *, full: float = 6.0) -> np.ndarray:
    """Cell z-scores as a 0..1 heat (0 up to z = 2, 1 from `full`)."""
    return np.clip((z - 2.0) / (full - 2.0), 0, 1).astype(np.float32)


def cell_view(a: np.ndarray, cell: int) -> np.ndarray:
    """`a` (H, W) cropped to whole cells and viewed as (rows, cols, cell*cell)."""
    h, w = (a.shape[0] // cell) * cell, (a.shape[1] // cell) * cell
    return (
        a[:h, :w].reshape(h // cell, cell, w // cell, cell).swapaxes(1, 2).reshape(h // cell, w // cell, -1)
    )
