"""Error level analysis of JPEG uploads: ghosts of earlier compressions (see fraud/layers/ela.py)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from .error_levels import (
    CELL,
    MIN_REGION_CELLS,
    TOO_LITTLE_TEXT,
    Analysis,
    Region,
    Unanalysable,
    find_regions,
)

STRIP_ROWS = 256  # rows of pixels transformed at a time: bounds memory on large pages
CONTENT_AC_ENERGY = 64 * 10.0**2  # a block whose pixels vary by > ~10 grey levels carries edges
MIN_FRESH_ERROR = 8.0  # a cell needs a few significant coefficients before its ratio means anything
GHOST_MAJORITY = 0.5  # page-wide median error ratio below which an earlier save is evident
FRESH_RATIO = 0.6  # ...and a cell at or above this (and 2x the page) lacks that earlier save

STD_LUMA = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
     14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    dtype=np.float32,
)  # fmt: skip


def ijg_table(quality: int) -> np.ndarray:
    """The libjpeg luminance table for `quality` (what Pillow, GIMP and most tools write)."""
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    return np.clip(np.floor((STD_LUMA * scale + 50) / 100), 1, 255)


def _dct_matrix() -> np.ndarray:
    n = np.arange(8)
    d = np.sqrt(2 / 8) * np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / 16)
    d[0] /= np.sqrt(2)
    return d.astype(np.float32)


DCT = _dct_matrix()
DCT2 = np.kron(DCT, DCT)  # 8x8 block DCT as one (64, 64) product on flattened blocks
ONES8 = np.ones(8, np.float32)


# -- JPEG: ghosts of earlier compressions -----------------------------------------------------


def analyse_jpeg(luma: np.ndarray, table: list[int] | None) -> Analysis:
    """`luma` and `table` as `read_luma` returns them."""
    last_q, standard = estimate_quality(table)
    qualities = [q for q in range(50, 100, 5) if q <= last_q - 5]
    if len(qualities) < 2:
        raise Unanalysable(
            f"The JPEG was saved at so low a quality (about {last_q}) that earlier saves leave no trace."
        )
    err, fresh, text = _ghost_errors(luma, qualities)
    measured = fresh >= MIN_FRESH_ERROR
    content = measured.any(axis=-1)
    if content.sum() < 4 * MIN_REGION_CELLS:
        raise Unanalysable(TOO_LITTLE_TEXT)
    details = {"last_quality": last_q, "standard_tables": standard, "cells_measured": int(content.sum())}
    details["text_cells"] = int(text.sum())
    ratio = np.where(measured, err / np.maximum(fresh, 1e-6), np.nan)
    columns = ratio.reshape(-1, len(qualities))
    if np.isnan(columns).all(axis=0).any():
        raise Unanalysable(TOO_LITTLE_TEXT)  # some quality measured nowhere
    medians = np.nanmedian(columns, axis=0)
    best = int(np.argmin(medians))
    if medians[best] < GHOST_MAJORITY:
        return _majority_ghost(ratio[..., best], medians[best], content, qualities[best], details)
    return _minority_ghost(ratio, medians, content, details)


def read_luma(data: bytes) -> tuple[np.ndarray, list[int] | None]:
    """The decoder's own Y plane, exactly what the last compression quantized (for a CMYK JPEG,
    which has none, the luminance of the decoded page), and the JPEG's luminance table."""
    with Image.open(io.BytesIO(data)) as im:
        table = list(im.quantization.get(0, [])) if getattr(im, "quantization", None) else None
        if im.mode in ("RGB", "L", "YCbCr"):
            im.draft("L", im.size)
        im.load()
        return np.asarray(im if im.mode == "L" else im.convert("L")), table


def estimate_quality(table: list[int] | None) -> tuple[int, bool]:
    """(IJG-equivalent quality, whether the table is exactly libjpeg's)."""
    if not table or len(table) != 64:
        return 90, False
    target = np.asarray(table, dtype=np.float32)
    errors = [float(np.abs(ijg_table(q) - target).sum()) for q in range(1, 101)]
    best = int(np.argmin(errors))
    return best + 1, errors[best] == 0


def _ghost_errors(luma: np.ndarray, qualities: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per 16x16 cell and quality: requantization error and the error a fresh cell would show;
    and which cells hold text at all (measurable or not)."""
    h, w = (luma.shape[0] // CELL) * CELL, (luma.shape[1] // CELL) * CELL
    err = np.zeros((h // 8, w // 8, len(qualities)), np.float32)
    fresh = np.zeros_like(err)
    text = np.zeros((h // 8, w // 8, 1), np.float32)
    tables = [ijg_table(q) for q in qualities]
    for top in range(0, h, STRIP_ROWS):
        by, bx, c, textlike = _content_blocks(luma[top : min(top + STRIP_ROWS, h), :w])
        text[top // 8 : top // 8 + textlike.shape[0], :, 0] = textlike
        if by.size == 0:
            continue
        magnitude = np.abs(c)
        rows = top // 8 + by
        for i, table in enumerate(tables):
            # Coefficients below half a step round to zero whatever their history: no evidence.
            significant = magnitude >= table / 2
            e = c - np.rint(c * (1 / table)) * table
            err[rows, bx, i] = np.einsum("ij,ij->i", e * e, significant)
            fresh[rows, bx, i] = significant @ (table * table / 12)
    return _to_cells(err), _to_cells(fresh), _to_cells(text)[..., 0] > 0


def _to_cells(blocks: np.ndarray) -> np.ndarray:
    by, bx, k = blocks.shape
    return blocks.reshape(by // 2, 2, bx // 2, 2, k).sum(axis=(1, 3))


def _content_blocks(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """DCT coefficients (n, 64) of the blocks that carry two-dimensional edges (text strokes).

    Block statistics come from pixel sums (Parseval), so only the selected blocks are
    transformed. Straight horizontal or vertical lines (frames, rules) put all their energy in
    the first DCT row/column; their error pattern is deterministic, not a compression trace.
    """
    h, w = pixels.shape
    by, bx = h // 8, w // 8
    x = pixels.astype(np.float32)
    col_sums = x.reshape(by, 8, w).sum(axis=1)  # per block: the sums of its 8 columns
    row_sums = x.reshape(h, bx, 8) @ ONES8  # per block row: the sums of its 8 rows
    total = col_sums.reshape(by, bx, 8) @ ONES8
    mean_energy = total * total / 64
    ac = (x * x).reshape(by, 8, w).sum(axis=1).reshape(by, bx, 8) @ ONES8 - mean_energy
    along_rows = (col_sums * col_sums).reshape(by, bx, 8) @ ONES8 / 8 - mean_energy
    along_cols = (row_sums * row_sums).reshape(by, 8, bx).sum(axis=1) / 8 - mean_energy
    # Pixels the decoder clipped to black or white no longer sit on any quantization lattice.
    extreme = ((pixels <= 1) | (pixels >= 254)).reshape(by, 8, w).any(axis=1).reshape(by, bx, 8).any(axis=-1)
    textlike = (ac > CONTENT_AC_ENERGY) & (along_rows + along_cols < 0.9 * ac)
    rows, cols = np.nonzero(textlike & ~extreme)
    blocks = x.reshape(by, 8, bx, 8)[rows, :, cols, :].reshape(-1, 64) - 128
    return rows, cols, blocks @ DCT2.T, textlike


def _majority_ghost(ratio, median, content, quality, details) -> Analysis:
    """The page was saved before at `quality`; cells that look never-compressed are suspects."""
    threshold = max(FRESH_RATIO, 2.0 * float(median))
    suspect = content & (ratio >= threshold)
    score = np.clip((ratio - float(median)) / (2 * threshold), 0, 1)
    strength = np.nan_to_num(ratio / max(float(median), 0.05))
    regions = find_regions(suspect, content, strength, CELL, page_cells=details["text_cells"])
    details.update(
        previous_quality=quality, page_ghost_ratio=round(float(median), 3), pattern="majority_ghost"
    )
    return Analysis("jpeg_ghost", score, CELL, regions, details)


def _minority_ghost(ratio, medians, content, details) -> Analysis:
    """No page-wide earlier save, but one area carries a strong one: pasted from another JPEG."""
    best: list[Region] = []
    score = np.zeros(content.shape, np.float32)
    for i, median in enumerate(medians):
        if median < FRESH_RATIO:
            continue
        strength = median / np.maximum(np.nan_to_num(ratio[..., i], nan=median), 0.02)
        suspect = content & (strength >= 5)
        score = np.maximum(score, np.clip((strength - 1) / 8, 0, 1))
        regions = find_regions(
            suspect, content, strength, CELL, page_cells=details["text_cells"], min_share=0.6
        )
        if sum(r.cells for r in regions) > sum(r.cells for r in best):
            best = regions
    details.update(previous_quality=None, pattern="minority_ghost" if best else "single_save")
    return Analysis("jpeg_ghost", np.where(content, score, np.nan), CELL, best, details)
