"""What error level analysis finds, whatever the input: cells scored 0..1, the suspect regions
they form, and the heat-map drawn from them. The JPEG and lossless analyses are in
`fraud/jpeg_ghosts.py` and `fraud/paper_grain.py`; the layer that scores them is
`fraud/layers/ela.py`."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

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
    grown = ndimage.binary_closing(suspect, structure=np.ones((3, 3)), iterations=2) | suspect
    labels, count = ndimage.label(grown, structure=np.ones((3, 3)))
    regions = []
    for index, window in enumerate(ndimage.find_objects(labels), start=1):
        members = (labels[window] == index) & suspect[window]
        measured = (labels[window] == index) & content[window]
        cells = int(members.sum())
        ys, xs = window
        thin = min(ys.stop - ys.start, xs.stop - xs.start) < 3
        if cells < MIN_REGION_CELLS or cells < min_share * measured.sum() or thin:
            continue
        box = (int(xs.start * cell_px), int(ys.start * cell_px), int((xs.stop - xs.start) * cell_px),
               int((ys.stop - ys.start) * cell_px))  # fmt: skip
        regions.append(Region(box, cells, float(np.median(strength[window][members]))))
    return sorted(regions, key=lambda r: r.cells, reverse=True)[:3]


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
