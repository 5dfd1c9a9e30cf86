"""What error level analysis finds, whatever the input: cells scored 0..1, the suspect regions
they form, and the heat-map drawn from them. The JPEG and lossless analyses are in
`fraud/jpeg_ghosts.py` and `fraud/paper_grain.py`; the layer that scores them is
`fraud/layers/ela.py`."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw

CELL = 16  # analysis cell in pixels (2x2 JPEG blocks)
MIN_REGION_CELLS = 8
HEATMAP_WIDTH = 1000

TOO_LITTLE_TEXT = "The page has too little text or texture for error level analysis."


class Unanalysable(Exception):
    """The input cannot be judged by this layer; the message says why (shown as a skip)."""


@dataclass
class Region:
    box: tuple[int, int, int, int]  # x, y, w, h in page pixels
    cells: int
    strength: float


@dataclass
class Analysis:
    method: str  # "jpeg_ghost" | "noise_residual"
    score_map: np.ndarray  # per cell, 0 (consistent) .. 1 (anomalous), NaN where not measured
    cell_px: float  # page pixels per cell side
    regions: list[Region] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def find_regions(
    suspect: np.ndarray,
    content: np.ndarray,
    strength: np.ndarray,
    cell_px: float,
    *,
    page_cells: int,
    min_share: float = 0.4,
) -> list[Region]:
    """Compact clusters of suspect cells, together a minority of the page's `page_cells`."""
    if suspect.sum() < MIN_REGION_CELLS or suspect.sum() > 0.3 * page_cells:
        return []
    grown = _closed(suspect) | suspect
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown.astype(np.uint8), connectivity=8)
    regions = []
    for index in range(1, count):
        x, y, w, h = (int(v) for v in stats[index, :4])
        window = (slice(y, y + h), slice(x, x + w))
        members = (labels[window] == index) & suspect[window]
        measured = (labels[window] == index) & content[window]
        cells = int(members.sum())
        if cells < MIN_REGION_CELLS or cells < min_share * measured.sum() or min(w, h) < 3:
            continue
        box = (int(x * cell_px), int(y * cell_px), int(w * cell_px), int(h * cell_px))
        regions.append(Region(box, cells, float(np.median(strength[window][members]))))
    return sorted(regions, key=lambda r: (-r.cells, r.box[1], r.box[0]))[:3]


def _closed(mask: np.ndarray) -> np.ndarray:
    """Binary closing, 3x3, twice (gaps up to ~4 cells bridged); outside the map counts as empty,
    so a cluster at the page edge is not stretched past it."""
    kernel = np.ones((3, 3), np.uint8)
    grown = cv2.dilate(mask.astype(np.uint8), kernel, iterations=2)
    return cv2.erode(grown, kernel, iterations=2, borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)


# -- the heat-map -----------------------------------------------------------------------------


def render_heatmap(page: Image.Image, analysis: Analysis) -> bytes:
    """The page dimmed to grey, anomalous cells in yellow-to-red, suspect regions boxed."""
    factor = max(1, -(-page.width // HEATMAP_WIDTH))
    small = (page.reduce(factor) if factor > 1 else page).convert("L")
    scale = small.width / page.width
    base = 60 + 0.45 * np.asarray(small, dtype=np.float32)
    score = np.nan_to_num(analysis.score_map, nan=0.0).astype(np.float32)
    covered = (
        max(1, min(small.width, round(score.shape[1] * analysis.cell_px * scale))),
        max(1, min(small.height, round(score.shape[0] * analysis.cell_px * scale))),
    )
    heat = np.zeros(base.shape, np.float32)
    heat[: covered[1], : covered[0]] = np.asarray(
        Image.fromarray(score, "F").resize(covered, Image.Resampling.BILINEAR)
    )
    alpha = 0.8 * heat
    red = base + alpha * (255 - base)
    green = base + alpha * (230 * (1 - heat) - base)
    blue = base + alpha * (40 * (1 - heat) - base)
    rgb = np.clip(np.stack([red, green, blue], axis=-1), 0, 255).astype(np.uint8)
    out = Image.fromarray(rgb, "RGB")
    draw = ImageDraw.Draw(out)
    for region in analysis.regions:
        x, y, w, h = (v * scale for v in region.box)
        draw.rectangle([x, y, x + w, y + h], outline=(220, 0, 0), width=3)
    buf = io.BytesIO()
    out.save(buf, "PNG", compress_level=1)
    return buf.getvalue()
