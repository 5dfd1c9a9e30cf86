"""(b) Noise consistency: does every part of the page carry the same grain?

A camera or scanner adds sensor noise everywhere. A field painted over and retyped in an editor
has no grain at all, which is what this analysis looks for. Per cell, the mean absolute
high-pass residual (the page minus its Gaussian blur, sigma 1) over the cell's flat pixels (no
edge within 2 px) estimates the noise level (a MAD-like estimate, Gaussian-scaled); on a log scale
it is compared with the page's own distribution (robust z, fraud/forensics/common.py).

Only a page with grain (a median level of MIN_PAGE_GRAIN or more) is judged: on a clean digital
rendering, or one whose grain a strong JPEG compression removed, a grainless patch is normal.
"Grainier than the rest" is not used: JPEG ringing beside text looks like grain.

Grain depends on brightness (a sensor's shot noise grows with the light; a screen's pixel grid
shows in bright areas and vanishes in dark ones; Liu et al.'s noise level function), so a cell is
compared only with the cells of like brightness (bins of BRIGHTNESS_BIN grey levels with at least
MIN_BIN_CELLS cells): a dark title band or a logo is not "grainless paper". A field painted over
with the paper's colour sits in the paper's bin and is judged against the paper. Sharpness was
tried and left out: the steepest edge over the contrast varies with the font size and weight
more than with the optics, so it alarms on genuine pages (docs/forensics.md).
"""

from __future__ import annotations

import cv2
import numpy as np

from .common import Evidence, anomalous_regions, cell_view, heat_from_z, robust_z

EDGE_GRADIENT = 10.0  # grey levels per pixel: above this a pixel is an edge, not paper
MIN_FLAT_SHARE = 0.5
MIN_PAGE_GRAIN = 0.8  # grey levels
BRIGHTNESS_BIN = 32  # grey levels
MIN_BIN_CELLS = 40  # fewer cells of a brightness than this are not judged (no grain to compare with)


WORK_WIDTH = 2400  # wider pages are reduced by an integer factor first (grain averages, but
# a patch without any stays without: the comparison is relative) - a 12 MP photo costs 4x less


def cell_size(width: int) -> int:
    """Cell side in the pixels of the page as given (16 px of the reduced page)."""
    return 16 * _factor(width)


def _factor(width: int) -> int:
    return max(1, -(-width // WORK_WIDTH))


def analyse(grey: np.ndarray, *, mask: np.ndarray | None = None) -> Evidence:
    """Noise evidence for a grey page (uint8). `mask` is per cell (True = part of the page)."""
    factor = _factor(grey.shape[1])
    if factor > 1:
        grey = cv2.resize(grey, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    cell = 16
    g = grey.astype(np.float32)
    smooth = cv2.GaussianBlur(g, (0, 0), 1.0)
    residual = np.abs(g - smooth)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3) / 8
    # A pixel is paper when no edge is within 2 px of it (the residual next to a stroke is the stroke).
    near_edge = cv2.dilate(
        ((gx * gx + gy * gy) > EDGE_GRADIENT**2).astype(np.uint8), np.ones((5, 5), np.uint8)
    )
    flat = (near_edge == 0) & (g > 8) & (g < 247)  # clipped paper has no measurable grain
    res_cells = cell_view(residual * flat, cell).sum(-1)
    flat_cells = cell_view(flat.astype(np.float32), cell).sum(-1)
    inside = np.ones(flat_cells.shape, bool) if mask is None else fit_mask(mask, flat_cells.shape)
    measured = inside & (flat_cells >= MIN_FLAT_SHARE * cell * cell)
    level = np.where(measured, 1.25 * res_cells / np.maximum(flat_cells, 1), np.nan)
    brightness = cell_view(g * flat, cell).sum(-1) / np.maximum(flat_cells, 1)
    _, median, _ = robust_z(np.log(level + 0.3), floor=0.15)
    z = _z_by_brightness(np.log(level + 0.3), brightness, measured)
    page_grain = float(np.exp(median) - 0.3)
    details = {"noise_level": round(page_grain, 2), "cells": int(measured.sum())}
    if page_grain < MIN_PAGE_GRAIN:
        return Evidence("noise", heat=np.zeros_like(z), cell=cell * factor, details=details,
                        skipped="The page has no grain to compare.")  # fmt: skip
    regions = anomalous_regions(
        -z, cell * factor, min_cells=3, note="has no grain where the rest of the page has"
    )
    return Evidence("noise", max((r.statistic for r in regions), default=0.0), regions,
                    heat_from_z(-z), cell * factor, details=details)  # fmt: skip


def _z_by_brightness(values: np.ndarray, brightness: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """Each measured cell's robust z among the cells of its brightness bin (NaN where too few)."""
    z = np.full(values.shape, np.nan, np.float32)
    bins = np.floor(brightness / BRIGHTNESS_BIN)
    for b in np.unique(bins[measured]):
        same = measured & (bins == b)
        if same.sum() < MIN_BIN_CELLS:
            continue
        zb, _, _ = robust_z(np.where(same, values, np.nan), floor=0.15)
        z[same] = zb[same]
    return z


def fit_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A per-cell mask resized to another cell grid."""
    if mask.shape == shape:
        return mask
    return cv2.resize(mask.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST) > 0
