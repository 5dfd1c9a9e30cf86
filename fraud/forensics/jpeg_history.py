"""(a) JPEG compression history, read from the JPEG file itself.

1. Quality: the luminance quantization table the file carries (Pillow's `quantization`), matched
   to libjpeg's tables (`fraud/jpeg_ghosts.estimate_quality`); a table that is not libjpeg's
   names no quality but is still used as is.
2. Aligned double compression (Bianchi & Piva 2012, after Lin et al. 2009): when a JPEG is decoded
   and saved again with another table, each DCT frequency's histogram of quantized values shows
   a periodic pattern (n(k) first-quantization bins fall into bin k). The primary step Q1 of each
   low frequency is estimated from the page's histogram (maximum likelihood over candidates);
   each 8x8 block then gets the log-likelihood ratio single/double from its own coefficients.
   Text pasted or retyped after the first save was compressed once: it stands out as a region of
   single-compression blocks in a double-compressed page. An earlier save quantized the blocks of
   the file's own grid, so the same estimate on blocks shifted half a block off the grid must find
   far weaker periodicity (GRID_FACTOR): periodic content (a screen's pixel grid photographed, an
   engraved pattern) is periodic on any grid and is not read as a compression history. Blocks
   with an area of clipped pixels (white paper, white initials on a logo) are left out of this test: the
   decoder's clipping after the earlier save moved their coefficients off its lattice, so they
   read as compressed once on a genuine page saved twice.
3. Error levels at the estimated quality (ELA; coefficient stability, Huang et al. 2010): the
   page is re-encoded at its own table and decoded again. A block compressed once changes more
   than one already compressed twice at the same quality, which is the only trace an edit saved
   at the *same* quality leaves.

Blocks without detail (flat paper) carry no history and are left out. Each block's error is
divided by the median error of blocks with the same detail (AC energy), so bold and thin text are
compared on one scale. Cells are 16 px (2x2 blocks); the page is processed in strips.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from fraud.jpeg_ghosts import DCT2, estimate_quality, ijg_table

from .common import Evidence, anomalous_regions, heat_from_z, robust_z

CELL = 16
STRIP = 256  # pixel rows per strip: bounds the float copies of a 12 MP page to ~8 MB
CONTENT_VAR = 40.0  # grey-level variance above which a block has detail worth measuring
# The first fifteen AC frequencies in zigzag order (row-major index): enough coefficients per block
# to weigh single against double compression.
ZIGZAG_LOW = (1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5)
MAX_K = 40
GHOST_QUALITIES = (50, 55, 60, 65, 70, 75, 80, 85, 90)
GHOST_DETAIL_BINS = 8
# A block with clipped pixels (pure white paper, white initials) lost its lattice when the earlier
# save was decoded and clipped: it cannot tell single from double compression.
CLIP_HIGH, CLIP_LOW = 250 - 128, 5 - 128
CLIPPED_PIXELS = 8  # of 64: an area of saturated paper or ink, not a ringing peak beside an edge
OFF_GRID = 4  # pixels: half a block off the file's grid
OFF_GRID_BLOCKS = 20000  # blocks sampled off the grid (enough for each histogram, bounded cost)
GRID_FACTOR = 3.0  # an earlier save's periodic histograms must be this much stronger on the grid
MIN_GAIN_PER_COEFF = 0.005  # nats per coefficient: a primary step must explain the histogram better than none


def read_jpeg(data: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """The decoder's luminance plane and the file's luminance table (in natural 8x8 order)."""
    with Image.open(io.BytesIO(data)) as im:
        tables = getattr(im, "quantization", None) or {}
        table = np.asarray(tables[0], np.float32) if 0 in tables and len(tables[0]) == 64 else None
        if im.mode in ("RGB", "L", "YCbCr"):
            im.draft("L", im.size)
        im.load()
        luma = np.asarray(im if im.mode == "L" else im.convert("L"))
    return luma, table


def analyse(
    luma: np.ndarray, table: np.ndarray | None, *, mask: np.ndarray | None = None
) -> tuple[Evidence, Evidence, Evidence]:
    """(double-compression, error-level, ghost evidence) for one JPEG page.
    `mask` (per 16 px cell, True = inside the page) leaves out a photo's desk or a viewer's chrome."""
    if table is None:
        skipped = "The JPEG carries no luminance table."
        return (Evidence("jpeg_double", skipped=skipped), Evidence("jpeg_ela", skipped=skipped),
                Evidence("jpeg_ghost", skipped=skipped))  # fmt: skip
    quality, standard = estimate_quality([int(v) for v in table])
    h, w = (luma.shape[0] // CELL) * CELL, (luma.shape[1] // CELL) * CELL
    rows, cols = h // 8, w // 8
    coeffs, err, energy, where, ghost, clipped = [], [], [], [], [], []
    ghost_qualities = [q for q in GHOST_QUALITIES if q <= quality - 5]
    ghost_tables = [ijg_table(q).astype(np.float32).ravel() for q in ghost_qualities]
    for x, var, index in _content_blocks(luma, mask):
        c = x @ DCT2.T
        k = np.rint(c / table)
        ghost.append(_ghost_errors(c, ghost_tables))
        rec = _cycle(k, table)
        again = _cycle(np.rint((rec @ DCT2.T) / table), table)
        err.append(np.stack([np.abs(rec - x).mean(axis=1), np.abs(again - rec).mean(axis=1)], axis=1))
        coeffs.append(k[:, ZIGZAG_LOW].astype(np.int16))
        clipped.append(((x >= CLIP_HIGH) | (x <= CLIP_LOW)).sum(axis=1) >= CLIPPED_PIXELS)
        energy.append(var)
        where.append(index)
    details = {"quality": quality, "standard_table": standard}
    if not where:
        skipped = "The page has too little detail for a compression analysis."
        return (Evidence("jpeg_double", skipped=skipped), Evidence("jpeg_ela", skipped=skipped),
                Evidence("jpeg_ghost", skipped=skipped))  # fmt: skip
    where_all = np.concatenate(where)
    energy_all = np.concatenate(energy)
    by, bx = where_all // cols, where_all % cols
    inside = np.ones(len(where_all), bool) if mask is None else _inside(mask, by, bx)
    off_grid = off_grid_coefficients(luma, table, mask)
    double = _double_compression(
        np.concatenate(coeffs),
        table,
        by,
        bx,
        inside & ~np.concatenate(clipped),
        (rows, cols),
        details,
        off_grid,
    )
    ela = _error_levels(np.concatenate(err), energy_all, by, bx, inside, (rows, cols), details)
    ghosts = _ghosts(
        np.concatenate(ghost), energy_all, ghost_qualities, by, bx, inside, (rows, cols), details
    )
    if ghosts.regions:
        _drop_ghosts_off_the_grid(ghosts, luma, mask, ghost_tables, ghost_qualities, details)
    return double, ela, ghosts


def _content_blocks(luma: np.ndarray, mask: np.ndarray | None):
    """Per strip of the page: its 8x8 blocks with detail inside `mask`, as (pixels - 128 (n x 64),
    variances, block indices in the page's row-major block grid)."""
    h, w = (luma.shape[0] // CELL) * CELL, (luma.shape[1] // CELL) * CELL
    cols = w // 8
    for top in range(0, h, STRIP):
        sh = min(top + STRIP, h) - top
        grid = luma[top : top + sh, :w].reshape(sh // 8, 8, cols, 8)  # a view of the uint8 plane
        wanted = np.ones((sh // 8, cols), bool)
        if mask is not None:  # a photo's desk and the page's bare paper cost nothing
            rows_here = np.arange(sh // 8)[:, None] + top // 8
            wanted = _inside(
                mask, np.broadcast_to(rows_here, wanted.shape), np.broadcast_to(np.arange(cols), wanted.shape)
            )
        brow, bcol = np.nonzero(wanted)
        if brow.size == 0:
            continue
        x = grid[brow, :, bcol, :].reshape(-1, 64).astype(np.float32) - 128
        var = x.var(axis=1)
        content = var > CONTENT_VAR
        if content.any():
            yield x[content], var[content], brow[content] * cols + bcol[content] + (top // 8) * cols


def _drop_ghosts_off_the_grid(ghosts: Evidence, luma, mask, tables, qualities, details) -> None:
    """An earlier save quantized the blocks of the file's grid: a region whose error curve dips as
    much on blocks half a block off the grid owes its dip to its content (large flat ink, bold
    rows), not to an earlier save, and is dropped."""
    shifted = luma[OFF_GRID:, OFF_GRID:]
    h, w = (shifted.shape[0] // CELL) * CELL, (shifted.shape[1] // CELL) * CELL
    rows, cols = h // 8, w // 8
    shares, energy, where = [], [], []
    for x, var, index in _content_blocks(shifted, mask):
        shares.append(_ghost_errors(x @ DCT2.T, tables))
        energy.append(var)
        where.append(index)
    if not where:
        return
    where_all = np.concatenate(where)
    by, bx = where_all // cols, where_all % cols
    inside = np.ones(len(where_all), bool) if mask is None else _inside(mask, by, bx)
    off = _ghosts(np.concatenate(shares), np.concatenate(energy), qualities, by, bx, inside, (rows, cols), {})
    kept = []
    for region in ghosts.regions:
        rx, ry, rw, rh = region.box
        beside = [
            o.statistic
            for o in off.regions
            if rx < o.box[0] + OFF_GRID + o.box[2]
            and o.box[0] + OFF_GRID < rx + rw
            and ry < o.box[1] + OFF_GRID + o.box[3]
            and o.box[1] + OFF_GRID < ry + rh
        ]
        if max(beside, default=0.0) < region.statistic / 2:
            kept.append(region)
    details["ghosts_off_grid"] = len(ghosts.regions) - len(kept)
    ghosts.regions = kept
    ghosts.statistic = max((r.statistic for r in kept), default=0.0)
    ghosts.details = dict(details)


def _cycle(k: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Decode quantized coefficients to pixels (minus 128), rounded and clipped like a decoder."""
    out = (k * table) @ DCT2
    out += 128  # in place: the page's blocks are the largest arrays of the layer
    np.rint(out, out=out)
    np.clip(out, 0, 255, out=out)
    out -= 128
    return out


def _inside(mask: np.ndarray, by: np.ndarray, bx: np.ndarray) -> np.ndarray:
    cy, cx = np.minimum(by // 2, mask.shape[0] - 1), np.minimum(bx // 2, mask.shape[1] - 1)
    return mask[cy, cx]


def _to_cells(values: np.ndarray, by, bx, inside, shape, reduce: str = "mean") -> np.ndarray:
    """Mean (or sum) of block `values` per 16 px cell (NaN where no block was measured)."""
    rows, cols = shape[0] // 2, shape[1] // 2
    total = np.zeros(rows * cols, np.float64)
    count = np.zeros(rows * cols, np.float64)
    index = (by[inside] // 2) * cols + bx[inside] // 2
    np.add.at(total, index, values[inside])
    np.add.at(count, index, 1)
    if reduce == "sum":
        return np.where(count > 0, total, np.nan).reshape(rows, cols).astype(np.float32)
    with np.errstate(invalid="ignore"):
        return (total / np.where(count > 0, count, np.nan)).reshape(rows, cols).astype(np.float32)


def _error_levels(err, energy, by, bx, inside, shape, details) -> Evidence:
    """Per cell: the error of the first re-encoding over that of the second. Both grow with the
    same content (saturated strokes, fine detail), so their ratio is about history: a region
    compressed once loses more at its second compression than the page at its third."""
    first = _to_cells(err[:, 0], by, bx, inside, shape)
    second = _to_cells(err[:, 1], by, bx, inside, shape)
    cells = np.log((first + 0.02) / (second + 0.02))
    z, median, scale = robust_z(cells, floor=0.05)
    regions = anomalous_regions(z, CELL, min_cells=2, note="re-encoding changes it more than the rest")
    details["ela_cell_median"] = round(median, 3)
    return Evidence("jpeg_ela", max((r.statistic for r in regions), default=0.0), regions, heat_from_z(z), CELL,
                    details=dict(details))  # fmt: skip


def primary_steps(coeffs: np.ndarray, table: np.ndarray) -> dict[int, int]:
    """Per low frequency (column of `coeffs`), the primary quantization step the histogram shows,
    when it differs from the file's own step clearly enough."""
    return {j: q1 for j, (q1, _) in step_gains(coeffs, table).items()}


def step_gains(coeffs: np.ndarray, table: np.ndarray) -> dict[int, tuple[int, float]]:
    """Per low frequency: the primary step that best explains its histogram and the gain in nats
    per coefficient over no earlier save (only steps above MIN_GAIN_PER_COEFF)."""
    found = {}
    for j, f in enumerate(ZIGZAG_LOW):
        q2 = int(table[f])
        values = coeffs[:, j]
        values = values[(values != 0) & (np.abs(values) <= MAX_K)]
        if values.size < 200 or q2 < 2:
            continue
        ks, counts = np.unique(np.abs(values), return_counts=True)
        best, best_gain = 0, MIN_GAIN_PER_COEFF * values.size
        for q1 in range(1, 2 * q2 + 1):
            if q1 == q2:
                continue
            ratio = _bins_per_value(ks, q1, q2) * q1 / q2
            gain = float((counts * np.log(np.maximum(ratio, 0.05))).sum())
            if gain > best_gain:
                best, best_gain = q1, gain
        if best:
            found[j] = (best, best_gain / values.size)
    return found


def off_grid_coefficients(luma: np.ndarray, table: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The low-frequency coefficients (quantized by the file's table) of blocks shifted by half a
    block from the file's grid, where no earlier save was aligned: at most OFF_GRID_BLOCKS of the
    blocks with detail, spread over the page (or `mask`'s cells)."""
    shifted = luma[OFF_GRID:, OFF_GRID:]
    h, w = (shifted.shape[0] // 8) * 8, (shifted.shape[1] // 8) * 8
    grid = shifted[:h, :w].reshape(h // 8, 8, w // 8, 8)
    brow, bcol = np.nonzero(np.ones((h // 8, w // 8), bool))
    if mask is not None:
        keep = _inside(mask, brow, bcol)
        brow, bcol = brow[keep], bcol[keep]
    if brow.size > OFF_GRID_BLOCKS:
        pick = np.linspace(0, brow.size - 1, OFF_GRID_BLOCKS).astype(int)
        brow, bcol = brow[pick], bcol[pick]
    x = grid[brow, :, bcol, :].reshape(-1, 64).astype(np.float32) - 128
    x = x[x.var(axis=1) > CONTENT_VAR]
    low = list(ZIGZAG_LOW)
    return np.rint((x @ DCT2[low].T) / table[low]).astype(np.int16)


def _bins_per_value(ks: np.ndarray, q1: int, q2: int) -> np.ndarray:
    """n(k): how many first-quantization bins (step q1) requantize to k (step q2)."""
    lo = np.ceil((ks - 0.5) * q2 / q1 - 1e-9)
    hi = np.floor((ks + 0.5) * q2 / q1 - 1e-9)
    return np.maximum(hi - lo + 1, 0)


def _double_compression(coeffs, table, by, bx, inside, shape, details, off_grid) -> Evidence:
    gains = step_gains(coeffs[inside], table)
    steps = {j: q1 for j, (q1, _) in gains.items()}
    details["primary_steps"] = {str(ZIGZAG_LOW[j]): q1 for j, q1 in steps.items()}
    if len(steps) < 3:
        # No page-wide earlier save (or one at a step this test cannot see): nothing to localize.
        return Evidence(
            "jpeg_double", details=dict(details), skipped="No earlier JPEG save shows in the page."
        )
    # An earlier save quantized the blocks of the file's own 8x8 grid: off that grid the periodic
    # histograms vanish. Periodic content (a screen's pixels photographed, an engraved pattern)
    # makes them periodic on any grid, and is not a compression history.
    aligned = sum(gain for _, gain in gains.values())
    shifted = sum(gain for _, gain in step_gains(off_grid, table).values()) if len(off_grid) else 0.0
    details["grid_gain"] = [round(aligned, 3), round(shifted, 3)]
    if aligned < GRID_FACTOR * shifted:
        return Evidence(
            "jpeg_double",
            details=dict(details),
            skipped="The periodic histograms do not follow the file's 8x8 grid: periodic content, not an earlier save.",
        )
    # Per coefficient, the log-likelihood ratio double/single of its value; the page (mostly double
    # compressed) gives each frequency's mean and variance of that ratio. A block's evidence of
    # single compression is how far its ratios fall below the page's mean, in standard deviations.
    shortfall = np.zeros(len(coeffs), np.float64)
    variance = np.zeros(len(coeffs), np.float64)
    for j, q1 in steps.items():
        q2 = float(table[ZIGZAG_LOW[j]])
        k = np.abs(coeffs[:, j].astype(np.int32))
        nonzero = (k > 0) & (k <= MAX_K)
        ratio = np.log(np.maximum(_bins_per_value(k[nonzero], q1, q2) * q1 / q2, 0.05))
        page = ratio[inside[nonzero]] if inside[nonzero].any() else ratio
        shortfall[nonzero] += float(page.mean()) - ratio
        variance[nonzero] += float(page.var())
    measured = inside & (variance > 0)
    total = _to_cells(shortfall, by, bx, measured, shape, reduce="sum")
    spread = _to_cells(variance, by, bx, measured, shape, reduce="sum")
    z = np.where(spread > 0, total / np.sqrt(np.maximum(spread, 1e-9)), np.nan).astype(np.float32)
    # Cells are weak witnesses (a few coefficients each); a region is many of them, added up.
    regions = anomalous_regions(
        z, CELL, threshold=1.5, min_cells=4, note="compressed once where the page was compressed twice"
    )
    details["double_compressed"] = True
    return Evidence("jpeg_double", max((r.statistic for r in regions), default=0.0), regions, heat_from_z(z), CELL,
                    details=dict(details))  # fmt: skip


def _relative_to_like_detail(values: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """`values` (blocks x columns) less the median of the blocks in the same bin of detail."""
    level = np.log(energy + 1.0)
    edges = np.quantile(level, np.linspace(0, 1, GHOST_DETAIL_BINS + 1)[1:-1])
    bins = np.searchsorted(edges, level)
    out = np.empty_like(values)
    for b in np.unique(bins):
        same = bins == b
        out[same] = values[same] - np.median(values[same], axis=0)
    return out


def _ghost_errors(c: np.ndarray, tables: list[np.ndarray]) -> np.ndarray:
    """Per block, the squared error of re-quantizing its DCT coefficients with each table (the
    pixel error of a re-save, by Parseval), as shares of their sum over the tables."""
    if not tables:
        return np.zeros((len(c), 0), np.float32)
    errors = np.empty((len(c), len(tables)), np.float32)
    for i, t in enumerate(tables):
        r = c - t * np.rint(c / t)
        errors[:, i] = np.einsum("ij,ij->i", r, r)
    return errors / (errors.sum(axis=1, keepdims=True) + 1e-3)


def _ghosts(shares, energy, qualities, by, bx, inside, shape, details) -> Evidence:
    """JPEG ghosts (Farid 2009): content saved before at quality q is almost unchanged by a re-save
    at q, so its error curve over qualities dips there. Per quality below the file's, cells whose
    share of error is far below the page's are content whose earlier save differs from the page's
    (a band pasted from another document). The shape of the curve also depends on the content (a
    bold stroke's flat ink against a thin one's edges), so each block's share is taken relative to
    the median share of blocks with like detail (GHOST_DETAIL_BINS bins of AC energy)."""
    if not qualities:
        return Evidence(
            "jpeg_ghost", details=dict(details), skipped="The file's quality leaves no lower quality to try."
        )
    shares = _relative_to_like_detail(shares, energy)
    found, heat = [], None
    for i, q in enumerate(qualities):
        cells = _to_cells(shares[:, i], by, bx, inside, shape)
        z, _, _ = robust_z(-cells, floor=0.01)
        found += anomalous_regions(
            z, CELL, min_cells=4, note=f"its error curve dips at quality {q}, the page's does not"
        )
        heat = heat_from_z(z) if heat is None else np.fmax(heat, heat_from_z(z))
    # Every quality's regions compete (the examiner keeps those on printed lines).
    found = sorted(found, key=lambda r: -r.statistic)[:8]
    return Evidence("jpeg_ghost", max((r.statistic for r in found), default=0.0), found, heat, CELL,
                    details=dict(details))  # fmt: skip
