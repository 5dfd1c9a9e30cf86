"""(c, second test) A copy within a page that was once JPEG-compressed: re-enact the copy.

A page decoded from a JPEG carries, in every 8x8 block, the error its compression left, which
depends on where the block grid fell on the content. The same glyph printed twice at offsets that
are not whole blocks was compressed at two grid phases: its two copies differ. A glyph *copied*
from one place to the other carries its source's pixels, compression error included. So for a
pair of look-alike areas (the keypoint matches of `copy_move.candidates`) at offset d, each
content block b of one area is compared with what a forger's save would have made of the area
at b - d:

* a lossless file (PNG): the source block itself; a copy is identical to it, a genuine repeat
  differs by its own compression error;
* a JPEG file: the source block compressed with the file's own table (JPEG codes each luminance
  block on its own, so this re-enacts the save exactly, up to rounding); a copy matches it
  within a grey level, a genuine repeat does not.

This is the non-aligned double compression test of Bianchi & Piva applied to a copy whose
source is known: the copy is the one area whose blocks are explained by another area of the page
shifted off the 8x8 grid. Offsets that are whole blocks are left out (there a genuine repeat is
compressed alike). The test is *specific*: a block counts only when the re-enactment at d is far
better than at d +- 1 px (content that is the same along a shift, a straight rule, proves nothing).

On a page that was never JPEG-compressed (a clean rendering kept as PNG, a grey scan) the same
glyph is legitimately identical wherever it is printed: there the analysis does not run.

An image drawn twice over a page after its JPEG save (a generator stamping the same seal or logo
in two places, a QR code drawn twice) is also identical at a non-grid offset. What tells a
forger's copy from it is where the pixels came from: a copy's source is page content still as the
JPEG save left it, so its blocks on the page grid are *JPEG-compatible* (their DCT coefficients
sit on the lattice of the page's quantization table, Fridrich's compatibility test with the table
estimated from the page itself), while the copy, off the grid, is not. A drawn overlay is
compatible nowhere. A pair counts only when its source is compatible like the page and the copy is
not; when the page's table cannot be told, no pair counts.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from fraud.jpeg_ghosts import DCT2, ijg_table

from .common import Evidence, Region
from .copy_move import Candidates

REACH = 20  # px around a matched point whose blocks are re-enacted (a digit is ~20 px wide)
CONTENT_VAR = 40.0  # a block of flat paper re-enacts anything: only blocks with detail count
MAX_CANDIDATES = 400  # pairs of look-alike points tried, closest descriptors first
SPECIFIC = 3.0  # the neighbouring offsets must explain a block this many times worse
JPEG_ORIGIN = 0.12  # a lossless page's block-corner statistic must differ by this from 1
FLOOR = 0.25  # grey levels: rounding of the colour conversion
EXACT = 0.05  # mean grey levels per pixel: a block identical to its source
MIN_EXACT = 2
# JPEG compatibility: the mean distance of a block's coefficients to the lattice of the table, in
# steps (0 on the lattice, 0.25 for content never saved with that table). Steps under 6 are left
# out: the colour conversion's rounding moves coefficients by about a grey level.
MIN_STEP = 6
PAGE_TABLE_FIT = 0.15  # the best table's page-wide distance must be under this to be the page's
SOURCE_MARGIN = 0.05  # a source may sit this much further from the lattice than the page's median
COPY_MARGIN = 0.05  # a copy must sit this much further than the page's median


def analyse(grey: np.ndarray, table: np.ndarray | None, found: Candidates) -> Evidence:
    """`table`: the JPEG file's luminance table (natural order), None for a lossless file."""
    if found.skipped:
        return Evidence("copy_blocks", skipped=found.skipped)
    details = {}
    if table is not None:
        # A JPEG save quantizes the copy and a genuine repeat alike: at the qualities documents are
        # saved at, the small difference between two repeats is absorbed as often as not, and an
        # exact re-enactment proves nothing (measured: docs/forensics.md).
        return Evidence(
            "copy_blocks", skipped="A JPEG save absorbs the difference between a copy and a repeat."
        )
    if table is None:
        blocking = block_corner_ratio(grey)
        details["block_corner_ratio"] = round(blocking, 3)
        if abs(blocking - 1) < JPEG_ORIGIN:
            return Evidence(
                "copy_blocks",
                details=details,
                skipped="The page shows no earlier JPEG compression: printed glyphs repeat identically on it.",
            )
    luma = grey.astype(np.float32)
    targets = _targets(found, luma.shape)
    if not targets:
        return Evidence("copy_blocks", details=details, skipped="No look-alike areas off the 8x8 grid.")
    blocks, offsets, owner = _blocks(luma, targets)
    if len(blocks) == 0:
        return Evidence("copy_blocks", details=details, skipped="No look-alike areas with detail.")
    error = _reenact(luma, blocks, offsets, table)
    nearest = _nearest_shift(luma, blocks, offsets)
    specific = nearest >= SPECIFIC * np.maximum(error, FLOOR)
    exact = specific & (error <= EXACT)
    # How often a look-alike block re-enacts exactly on this page by chance: coarse quantization
    # absorbs the small differences between genuine repeats, fine quantization does not. Counted
    # once per block and offset (several keypoints find the same pair of areas).
    unique = np.unique(np.concatenate([blocks, offsets], axis=1)[specific], axis=0)
    unique_exact = np.unique(np.concatenate([blocks, offsets], axis=1)[exact], axis=0)
    chance = (len(unique_exact) + 1) / (len(unique) + 2)
    details.update(pairs=len(targets), blocks=int(len(unique)), chance_exact=round(chance, 3))
    regions = []
    for index in np.unique(owner[exact]):
        mine = owner == index
        n, k = int((mine & specific).sum()), int((mine & exact).sum())
        if k < MIN_EXACT:
            continue
        # -log10 of the chance that k of n look-alike blocks re-enact exactly on a genuine page.
        statistic = float(-binom.logsf(k - 1, n, chance) / np.log(10))
        (dx, dy) = targets[index][1]
        xs, ys = blocks[mine & exact, 0], blocks[mine & exact, 1]
        box = (int(xs.min()), int(ys.min()), int(xs.max() + 8 - xs.min()), int(ys.max() + 8 - ys.min()))
        partner = (box[0] - dx, box[1] - dy, box[2], box[3])
        regions.append(
            Region(
                box,
                statistic,
                k,
                "its blocks are another area of the page, shifted off the JPEG grid",
                partner=partner,
            )  # fmt: skip
        )
    if regions:
        regions = _from_jpeg_content(luma, regions, details)
    regions = _distinct(sorted(regions, key=lambda r: -r.statistic))[:3]
    return Evidence("copy_blocks", max((r.statistic for r in regions), default=0.0), regions,
                    details=details, checkable=True)  # fmt: skip


def _from_jpeg_content(luma: np.ndarray, regions: list[Region], details: dict) -> list[Region]:
    """The regions whose source is page content as the JPEG save left it and whose copy is not."""
    fit = _page_table(luma)
    if fit is None:
        details["page_table"] = "not found"
        return []
    quality, median = fit
    details.update(page_quality=quality, page_lattice_distance=round(median, 3))
    table = ijg_table(quality)
    kept = []
    for region in regions:
        source = _lattice_distance(_grid_blocks(luma, region.partner), table)
        copy = _lattice_distance(_grid_blocks(luma, region.box), table)
        if source <= median + SOURCE_MARGIN and copy >= median + COPY_MARGIN:
            kept.append(region)
    return kept


def _page_table(luma: np.ndarray) -> tuple[int, float] | None:
    """(quality, median lattice distance of its content blocks) of the libjpeg table the page was
    once saved with, read from the page's own blocks; None when no table fits (another encoder's
    tables, or a page resized or filtered since)."""
    h, w = (luma.shape[0] // 8) * 8, (luma.shape[1] // 8) * 8
    grid = luma[:h, :w].reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3).reshape(-1, 64)
    grid = grid[grid.var(axis=1) >= CONTENT_VAR]
    if len(grid) < 50:
        return None
    grid = grid[np.random.default_rng(0).permutation(len(grid))[:3000]]
    coefficients = (grid - 128) @ DCT2.T
    fits = {q: _distances(coefficients, ijg_table(q)) for q in range(30, 100)}
    quality = min(fits, key=lambda q: fits[q].mean())
    if not np.isfinite(fits[quality].mean()) or fits[quality].mean() > PAGE_TABLE_FIT:
        return None
    return quality, float(np.median(fits[quality]))


def _distances(coefficients: np.ndarray, table: np.ndarray) -> np.ndarray:
    steps = table >= MIN_STEP
    if not steps.any():
        return np.full(len(coefficients), np.inf)
    t = table[steps]
    c = coefficients[:, steps]
    return (np.abs(c - np.rint(c / t) * t) / t).mean(axis=1)


def _lattice_distance(blocks: np.ndarray, table: np.ndarray) -> float:
    if len(blocks) == 0:
        return float("nan")  # comparisons with NaN are false: the region is not kept
    return float(np.median(_distances((blocks - 128) @ DCT2.T, table)))


def _grid_blocks(luma: np.ndarray, box) -> np.ndarray:
    """The content blocks of the page grid that overlap `box`, as (n, 64)."""
    x, y, w, h = box
    rows, cols = luma.shape[0] // 8, luma.shape[1] // 8
    xs = np.arange(max(0, x // 8), min(cols, -(-(x + w) // 8))) * 8
    ys = np.arange(max(0, y // 8), min(rows, -(-(y + h) // 8))) * 8
    if not len(xs) or not len(ys):
        return np.zeros((0, 64), np.float32)
    corners = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(np.int32)
    blocks = _gather(luma, corners)
    return blocks[blocks.var(axis=1) >= CONTENT_VAR]


def block_corner_ratio(grey: np.ndarray) -> float:
    """Fan & de Queiroz's blocking measure: the mean 2x2 corner difference |a - b - c + d| across
    the 8x8 block corners over its median at the 63 other phases (1 for a page never compressed)."""
    f = grey.astype(np.float32)
    h, w = (f.shape[0] // 8) * 8, (f.shape[1] // 8) * 8
    z = np.abs(f[: h - 1, : w - 1] - f[: h - 1, 1:w] - f[1:h, : w - 1] + f[1:h, 1:w])
    active = (z > 0) & (z < 30)  # flat paper says nothing, strokes drown the blocking
    phases = np.zeros((8, 8))
    for py in range(8):
        for px in range(8):
            values, act = z[py::8, px::8], active[py::8, px::8]
            phases[py, px] = values[act].mean() if act.any() else 0.0
    middle = float(np.median(phases))
    return float(phases[7, 7] / middle) if middle > 0 else 1.0


def _targets(found: Candidates, shape) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(point, offset): each look-alike pair both ways (either end may be the copy), the offset
    refined to whole pixels later; pairs whose offset is whole blocks are left out."""
    out, seen = [], set()
    scale = found.factor
    for i, j in found.pairs(limit=MAX_CANDIDATES):
        a, b = found.xy[i] * scale, found.xy[j] * scale
        d = np.rint(b - a).astype(int)
        for point, offset in ((b, d), (a, -d)):
            key = (int(point[0]) // 8, int(point[1]) // 8, int(offset[0]), int(offset[1]))
            if key in seen:
                continue
            seen.add(key)
            out.append(((int(point[0]), int(point[1])), (int(offset[0]), int(offset[1]))))
    return out


def _blocks(luma: np.ndarray, targets):
    """Content blocks on the grid near each target, with the offset (refined within +-1 px, by the
    pixels) to the block that would be their source."""
    h, w = luma.shape
    rows, cols = h // 8, w // 8
    grid = luma[: rows * 8, : cols * 8].reshape(rows, 8, cols, 8)
    content = grid.var(axis=(1, 3)) >= CONTENT_VAR
    span = np.arange(-(REACH // 8) - 1, REACH // 8 + 2)
    points = np.int32([t[0] for t in targets])
    shifts = np.int32([t[1] for t in targets])
    by = (points[:, 1, None, None] // 8 + span[None, :, None]).repeat(len(span), axis=2)
    bx = (points[:, 0, None, None] // 8 + span[None, None, :]).repeat(len(span), axis=1)
    owner = np.broadcast_to(np.arange(len(targets))[:, None, None], by.shape).ravel()
    by, bx = by.ravel(), bx.ravel()
    inside = (by >= 0) & (bx >= 0) & (by < rows) & (bx < cols)
    owner, by, bx = owner[inside], by[inside], bx[inside]
    keep = content[by, bx]
    owner, blocks = owner[keep], np.stack([bx[keep] * 8, by[keep] * 8], axis=1).astype(np.int32)
    target = _gather(luma, blocks) if len(blocks) else np.zeros((0, 64), np.float32)
    best = np.full(len(blocks), np.inf, np.float32)
    offsets = shifts[owner].copy()
    for ey in (-1, 0, 1):
        for ex in (-1, 0, 1):
            trial = shifts[owner] + np.int32([ex, ey])
            src = blocks - trial
            ok = (src[:, 0] >= 0) & (src[:, 1] >= 0) & (src[:, 0] + 8 <= w) & (src[:, 1] + 8 <= h)
            ok &= (trial[:, 0] % 8 != 0) | (trial[:, 1] % 8 != 0)
            if not ok.any():
                continue
            diff = np.full(len(blocks), np.inf, np.float32)
            diff[ok] = np.abs(_gather(luma, src[ok]) - target[ok]).mean(axis=1)
            better = diff < best
            best[better], offsets[better] = diff[better], trial[better]
    found = np.isfinite(best)
    return blocks[found], offsets[found], owner[found]


def _gather(luma: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The 8x8 blocks whose top-left corners are `xy`, as (n, 64)."""
    ry, rx = np.mgrid[0:8, 0:8]
    return luma[xy[:, 1, None, None] + ry, xy[:, 0, None, None] + rx].reshape(len(xy), 64)


def _reenact(luma, blocks, offsets, table) -> np.ndarray:
    """Mean absolute difference between each block and its source as the forger's save left it."""
    target = _gather(luma, blocks)
    source = _gather(luma, blocks - offsets)
    if table is not None:
        k = np.rint(((source - 128) @ DCT2.T) / table)
        source = np.clip(np.rint((k * table) @ DCT2 + 128), 0, 255)
    return np.abs(source - target).mean(axis=1)


def _nearest_shift(luma, blocks, offsets) -> np.ndarray:
    """How well the best *other* offset within 1 px explains each block (pixels as they are)."""
    target = _gather(luma, blocks)
    best = np.full(len(blocks), np.inf, np.float32)
    h, w = luma.shape
    for ey in (-1, 0, 1):
        for ex in (-1, 0, 1):
            if not (ex or ey):
                continue
            src = blocks - offsets - np.int32([ex, ey])
            ok = (src[:, 0] >= 0) & (src[:, 1] >= 0) & (src[:, 0] + 8 <= w) & (src[:, 1] + 8 <= h)
            diff = np.full(len(blocks), np.inf, np.float32)
            if ok.any():
                diff[ok] = np.abs(_gather(luma, src[ok]) - target[ok]).mean(axis=1)
            best = np.minimum(best, diff)
    return best


def _distinct(regions: list[Region]) -> list[Region]:
    """One region per area: several keypoint pairs find the same copy."""
    kept: list[Region] = []
    for region in regions:
        x, y, w, h = region.box
        if not any(x < k.box[0] + k.box[2] and k.box[0] < x + w and y < k.box[1] + k.box[3] and k.box[1] < y + h
                   for k in kept):  # fmt: skip
            kept.append(region)
    return kept
