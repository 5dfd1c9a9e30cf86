"""(b) Flat fills: a patch of the paper's own colour without the paper's grain.

The commonest edit of a scan or a photo is to paint over a field with the paper's colour (the
editor's fill or brush, colour picked beside the field) and type the new words on it. Every pixel
of a camera's or scanner's page varies (sensor noise, paper fibre, light); the painted patch is one
exact colour. The noise analysis compares each cell's grain with the page's, but a painted box
hugs the new text, so most of its cells hold ink edges and are not measured; this analysis works on
8x8 blocks (the JPEG grid, whose blocks a later save keeps exactly constant when they held one
colour) and looks only for what a fill leaves:

* a *flat* block: every pixel the same grey level, away from clipping (pure black or white paper
  is flat in any capture);
* flat blocks of one colour near each other along a line (a cluster: gaps of up to BRIDGE blocks,
  the glyphs typed on the fill, are bridged), inside the image (a viewer's bar or a page edge runs
  to the border);
* right around the cluster (up to RING blocks away), blocks of plain paper of the *same* colour
  (within COLOUR_TOL grey levels): the fill matched the paper there. Among them the share of
  grainless blocks (mean absolute difference from their 3x3 blur below GRAINY grey levels), p, is
  how often this paper is smooth by itself: a clean rendering, a lit gradient or a strongly
  compressed page is smooth everywhere (p near 1); a scan's or photo's grain stops at a fill's
  edge. Smooth areas of a natural picture fade into its texture, so their nearest neighbours are
  smooth too; and the paper around must have grain at all (a median of GRAINY or more).

Only a page whose paper has grain is judged (the median block of plain paper at GRAINY or more): a
born-digital page's paper is flat, and a design's fine patterns (a rosette, a guilloche) read as
"grain" by this measure next to its flat paper.

A cluster of n flat blocks then has a chance of about p^n of arising from that paper by itself; the
statistic is -log10 of that chance, less log10 of the number of paper blocks where a cluster could
have started (a Bonferroni bound over the page). A design's own flat shapes (a title band, a logo,
a white label box) have another colour than the grainy paper around them and have no like paper
to compare with; a genuine page whose paper is flat (a rendering, a chat forward) gives p near 1.
What value counts as an edit is calibrated on genuine documents (calibration.py).
"""

from __future__ import annotations

import cv2
import numpy as np

from .common import Evidence, Region

BLOCK = 8
CLIP_LOW, CLIP_HIGH = 6, 249  # grey levels: blocks at or beyond these are clipped, flat in any capture
PAPER_RANGE = 24  # a block whose levels span more holds ink or an edge, not plain paper
COLOUR_TOL = 4.0  # grey levels: paper "of the fill's colour"
RING = 2  # blocks around a cluster where its like paper is looked for
GRAINY = 0.6  # grey levels of mean |pixel - 3x3 blur|: grain of sigma ~0.8 and more
BRIDGE = 4  # blocks
MIN_BLOCKS = 3  # a cluster smaller than this is a speck, not a fill
MIN_LIKE = 8  # fewer like paper blocks around a cluster than this: nothing to compare with


def analyse(grey: np.ndarray, *, mask: np.ndarray | None = None, mask_cell: int = 16) -> Evidence:
    """Flat-fill evidence for a grey page (uint8; a JPEG's own luminance plane keeps its grid).
    `mask` is per `mask_cell` px (True = part of the page): a photo's desk is left out."""
    h, w = (grey.shape[0] // BLOCK) * BLOCK, (grey.shape[1] // BLOCK) * BLOCK
    if h < 4 * BLOCK or w < 4 * BLOCK:
        return Evidence("flat_fill", skipped="The image is too small to judge.")
    page = np.ascontiguousarray(grey[:h, :w])
    low = _per_block(page, cv2.erode).astype(np.int16)
    high = _per_block(page, cv2.dilate).astype(np.int16)
    mean = _block_mean(page)
    grain = _block_mean(cv2.absdiff(page, cv2.blur(page, (3, 3))))
    inside = np.ones(low.shape, bool)
    if mask is not None:
        ys = np.minimum(np.arange(low.shape[0]) * BLOCK // mask_cell, mask.shape[0] - 1)
        xs = np.minimum(np.arange(low.shape[1]) * BLOCK // mask_cell, mask.shape[1] - 1)
        inside = mask[np.ix_(ys, xs)]
    unclipped = (low >= CLIP_LOW) & (high <= CLIP_HIGH) & inside
    # Plain paper spans a few grey levels, more on a grainy scan: PAPER_RANGE, or 8 sigma of the
    # grain (a block of 64 noisy pixels spans ~5 sigma, rarely 7), sigma ~ 1.33 x mean |detail|.
    rough = unclipped & (high - low <= 4 * PAPER_RANGE)
    sigma = 1.33 * float(np.median(grain[rough])) if rough.any() else 0.0
    paper = unclipped & (high - low <= max(PAPER_RANGE, 8 * sigma))
    flat = unclipped & (high == low)
    positions = max(1, int(paper.sum()))
    page_grain = float(np.median(grain[paper])) if paper.any() else 0.0
    details = {"paper_blocks": int(paper.sum()), "paper_grain": round(page_grain, 2)}
    if page_grain < GRAINY:
        # A rendering, a lit gradient, a denoised photo or a strongly compressed page: its paper is
        # smooth by itself, and a smooth patch proves nothing.
        return Evidence("flat_fill", details=details, skipped="The page's paper has no grain to compare.")
    # A fill's flat blocks are cut apart by the glyphs typed on it (a small line may leave a few
    # whole blocks between its letters): gaps of up to BRIDGE blocks along a line are bridged.
    grown = cv2.morphologyEx(flat.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 2 * BRIDGE + 1), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    rows, cols = low.shape
    regions, heat = [], np.zeros(low.shape, np.float32)
    for index in range(1, count):
        x, y, bw, bh, _ = (int(v) for v in stats[index])
        members = (labels[y : y + bh, x : x + bw] == index) & flat[y : y + bh, x : x + bw]
        n = int(members.sum())
        if n < MIN_BLOCKS or x == 0 or y == 0 or x + bw >= cols or y + bh >= rows:
            continue
        colour = float(np.median(mean[y : y + bh, x : x + bw][members]))
        y0, y1, x0, x1 = (
            max(0, y - RING),
            min(rows, y + bh + RING),
            max(0, x - RING),
            min(cols, x + bw + RING),
        )
        near = labels[y0:y1, x0:x1] != index
        like = near & paper[y0:y1, x0:x1] & (np.abs(mean[y0:y1, x0:x1] - colour) <= COLOUR_TOL)
        n_like = int(like.sum())
        if n_like < MIN_LIKE or float(np.median(grain[y0:y1, x0:x1][like])) < GRAINY:
            continue
        p = (int((like & (grain[y0:y1, x0:x1] < GRAINY)).sum()) + 1) / (n_like + 2)
        statistic = -n * np.log10(p) - np.log10(positions)
        if statistic <= 0:
            continue
        heat[y : y + bh, x : x + bw][members] = min(1.0, statistic / 10)
        box = (x * BLOCK, y * BLOCK, bw * BLOCK, bh * BLOCK)
        regions.append(
            Region(
                box,
                float(statistic),
                n,
                f"is one flat colour where the paper around it has grain (p={p:.2f})",
            )
        )
    regions.sort(key=lambda r: -r.statistic)
    return Evidence("flat_fill", regions[0].statistic if regions else 0.0, regions[:5], heat, BLOCK,
                    details=details)  # fmt: skip


def _per_block(page: np.ndarray, morph) -> np.ndarray:
    """Each 8x8 block's minimum (cv2.erode) or maximum (cv2.dilate): the window anchored at its
    top-left pixel, read at every block's corner (OpenCV's filters cost milliseconds on 12 MP)."""
    return morph(page, np.ones((BLOCK, BLOCK), np.uint8), anchor=(0, 0))[::BLOCK, ::BLOCK]


def _block_mean(page: np.ndarray) -> np.ndarray:
    h, w = page.shape
    return cv2.resize(page.astype(np.float32), (w // BLOCK, h // BLOCK), interpolation=cv2.INTER_AREA)
