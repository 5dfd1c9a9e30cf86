"""Error level analysis of lossless uploads: the grain of the paper (see fraud/layers/ela.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .error_levels import CELL, Analysis, Unanalysable, find_regions

NOISE_FREE_LEVEL = 0.5  # page grain (grey levels) below which the page is a digital rendering
FOREIGN_GRAIN = 1.5  # grain above the page's (grey levels) that a noise-free page cannot explain
COLOUR_LINE_GAIN = 1.2  # _colour_line_noise's reading of unit white noise
PAPER_TOLERANCE = 20  # grey levels a plain cell's mean may differ from the paper's
GREY_CHROMA_SHARE = 0.05  # chroma variance share below which a cell's variation is grey
MAX_WORKING_PIXELS = 4_000_000  # lossless path only; JPEG is never resampled (grid must stay)


# -- lossless: grain of the paper -------------------------------------------------------------


def analyse_noise(page: Image.Image) -> Analysis:
    gray, factor = _working_gray(page)
    grain = _block_noise(gray)
    sigma, flat = grain.sigma, grain.flat
    if flat.sum() < 50:
        raise Unanalysable("The page has too little plain paper area to compare its grain.")
    level = float(np.median(sigma[flat]))
    if level < NOISE_FREE_LEVEL:
        return _analyse_noise_free(page, factor, grain)
    noisier = flat & (sigma > max(3 * level, level + 1.5))
    cleaner = flat & (sigma < level / 4) if level > 1.0 else np.zeros_like(flat)
    suspect = noisier | cleaner
    ratio = np.log2(np.maximum(sigma, 0.05) / max(level, 0.05))
    score = np.where(flat, np.clip(np.abs(ratio) / 3, 0, 1), np.nan)
    regions = find_regions(suspect, flat, np.abs(ratio), CELL * factor, page_cells=int(flat.sum()))
    details = {"page_noise_sigma": round(level, 3), "cells_measured": int(flat.sum())}
    return Analysis("noise_residual", score, CELL * factor, regions, _note_scale(details, factor))


def _note_scale(details: dict, factor: int) -> dict:
    if factor > 1:
        details["working_scale"] = f"1/{factor} (the page was reduced to bound the analysis time)"
    return details


def _working_gray(page: Image.Image) -> tuple[np.ndarray, int]:
    factor = 1
    while page.width * page.height / factor**2 > MAX_WORKING_PIXELS:
        factor += 1
    gray = page.convert("L")
    if factor > 1:
        gray = gray.reduce(factor)
    return np.asarray(gray, dtype=np.float32), factor


@dataclass
class Grain:
    """Per analysis cell of the luminance: `sigma` is a robust grain level (the high-pass
    residual's median), `floor` the grain that covers three quarters of the cell (its lower
    quartile), `flat` whether the cell is plain paper. Both levels read sigma for white noise."""

    sigma: np.ndarray
    floor: np.ndarray
    flat: np.ndarray


def _block_noise(gray: np.ndarray) -> Grain:
    h, w = (gray.shape[0] // CELL) * CELL, (gray.shape[1] // CELL) * CELL
    g = gray[:h, :w]
    residual = np.zeros_like(g)
    residual[1:-1, 1:-1] = g[1:-1, 1:-1] - 0.25 * (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:])
    cells = np.abs(residual).reshape(h // CELL, CELL, w // CELL, CELL).transpose(0, 2, 1, 3)
    cells = cells.reshape(h // CELL, w // CELL, CELL * CELL)
    quartile, median, p90 = _percentiles(cells, (25, 50, 90))
    gain = 1.118  # the filter's gain on white noise; 1.4826 and 0.3186: 1 / |N(0, 1)|'s median, its quartile
    spread = g.reshape(h // CELL, CELL, w // CELL, CELL).std(axis=(1, 3))
    flat = (spread < 12) & (p90 < 25)
    flat[[0, -1], :] = False
    flat[:, [0, -1]] = False
    return Grain(1.4826 * median / gain, quartile / (0.3186 * gain), flat)


def _percentiles(values: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """np.percentile(values, q, axis=-1) for each q (linear interpolation), from one partial sort."""
    n = values.shape[-1]
    positions = [q / 100 * (n - 1) for q in qs]
    indices = sorted({i for p in positions for i in (int(p), min(int(p) + 1, n - 1))})
    part = np.partition(values, indices, axis=-1)
    return [
        part[..., int(p)] + (p - int(p)) * (part[..., min(int(p) + 1, n - 1)] - part[..., int(p)])
        for p in positions
    ]


# -- lossless, noise-free page: a digital rendering -------------------------------------------


def _analyse_noise_free(page: Image.Image, factor: int, grain: Grain) -> Analysis:
    """A page without grain (rendered, never printed or photographed): any grain in it is foreign.

    Residual energy cannot tell grain from engraving here: a seal's fine guilloche is as busy as
    camera noise. But whatever a renderer draws is anti-aliased mixing of flat inks, so within a
    2x2 block the colours lie on one line in RGB however dense the drawing; sensor noise,
    independent per channel, leaves that line. Grey noise, which stays on the grey axis, is
    judged only where the page is plain paper and the grain covers the whole cell.
    """
    working = page.reduce(factor) if factor > 1 else page
    planes = np.asarray(working, dtype=np.float32).transpose(2, 0, 1).copy()  # R, G, B planes
    colour = _colour_line_noise(planes)
    measured = np.zeros(colour.shape, bool)
    measured[1:-1, 1:-1] = True
    level = float(np.median(colour[measured]))
    threshold = max(3 * level, level + FOREIGN_GRAIN)
    grey = _plain_grey_cells(planes, working, grain, grain.flat & (grain.floor > threshold))
    strength = np.maximum(colour, np.where(grey, grain.floor, 0.0)) / threshold
    suspect = measured & (strength > 1)
    regions = find_regions(suspect, measured, strength, CELL * factor, page_cells=int(measured.sum()))
    details = {"page_noise_sigma": 0.0, "page_colour_noise_sigma": round(level, 3), "noise_free_page": True}
    details["cells_measured"] = int(measured.sum())
    score = np.where(measured, np.clip(strength / 2, 0, 1), np.nan)
    return Analysis("noise_residual", score, CELL * factor, regions, _note_scale(details, factor))


def _colour_line_noise(planes: np.ndarray) -> np.ndarray:
    """Per cell, the noise (in grey levels) that lies off the local colour line.

    Each 2x2 block's three Haar details u1..u3 (RGB vectors) give its colour scatter S = sum u u^T.
    Ink mixing makes S rank one; M2 / trace(S) (M2: sum of the principal 2x2 minors) is ~0 then,
    and ~sigma^2 for noise independent per channel, without an eigen-decomposition. The median
    over a cell's 64 blocks ignores the few blocks where three inks meet.
    """
    h, w = (planes.shape[1] // CELL) * CELL, (planes.shape[2] // CELL) * CELL
    x = planes[:, :h, :w]
    top, bottom = x[:, 0::2], x[:, 1::2]
    rows_sum, rows_diff = top + bottom, top - bottom
    u = (
        (rows_diff[:, :, 0::2] + rows_diff[:, :, 1::2]) * 0.5,
        (rows_sum[:, :, 0::2] - rows_sum[:, :, 1::2]) * 0.5,
        (rows_diff[:, :, 0::2] - rows_diff[:, :, 1::2]) * 0.5,
    )
    s = {
        (i, j): u[0][i] * u[0][j] + u[1][i] * u[1][j] + u[2][i] * u[2][j]
        for i in range(3)
        for j in range(i, 3)
    }
    trace = s[0, 0] + s[1, 1] + s[2, 2]
    minors = (
        s[0, 0] * s[1, 1] + s[0, 0] * s[2, 2] + s[1, 1] * s[2, 2] - s[0, 1] ** 2 - s[0, 2] ** 2 - s[1, 2] ** 2
    )
    off_line = minors / np.maximum(trace, 1e-3)
    k = CELL // 2
    blocks = (
        off_line.reshape(h // CELL, k, w // CELL, k).transpose(0, 2, 1, 3).reshape(h // CELL, w // CELL, -1)
    )
    (median,) = _percentiles(blocks, (50,))
    return np.sqrt(np.maximum(median, 0)) / COLOUR_LINE_GAIN


def _plain_grey_cells(
    planes: np.ndarray, working: Image.Image, grain: Grain, candidates: np.ndarray
) -> np.ndarray:
    """Which `candidates` are plain paper whose variation is grey (R, G and B moving together).

    Coloured inks vary along their colour, and plain paper in a rendering does not vary at all.
    """
    rows, cols = grain.sigma.shape
    found = np.zeros((rows, cols), bool)
    if not candidates.any():
        return found
    mean = np.asarray(working.reduce(CELL), dtype=np.float32)[:rows, :cols]  # per-cell mean colour
    smooth = grain.flat & (grain.sigma == 0)
    paper = np.median(mean[smooth if smooth.any() else grain.flat], axis=0)
    ys, xs = np.nonzero(candidates & (np.abs(mean - paper).max(axis=-1) < PAPER_TOLERANCE))
    if ys.size == 0:
        return found
    offsets = np.arange(CELL)
    pixels = planes[:, (ys[:, None] * CELL + offsets)[:, :, None], (xs[:, None] * CELL + offsets)[:, None, :]]
    red, green, blue = (p.reshape(len(ys), -1) for p in pixels)
    chroma = (red - green).var(axis=-1) + (blue - green).var(axis=-1)
    found[ys, xs] = chroma <= GREY_CHROMA_SHARE * np.maximum(green.var(axis=-1), 1e-6)
    return found
