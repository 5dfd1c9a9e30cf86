"""Layer 2: error level analysis — do all parts of the page share one compression history?

JPEG uploads: the luminance is cut into the codec's own 8x8 blocks and each block's DCT
coefficients are requantized at a range of JPEG qualities. A page that was saved as JPEG before
(a phone photo, a scan) keeps that earlier quality's lattice: requantizing at it leaves almost no
error (a "JPEG ghost"). Content pasted in afterwards lacks the ghost. Each block's error is
divided by the error a never-compressed block with the same coefficients would show, so bold
text, thin text and the QR code are compared on one scale, and only text/edge blocks (high local
gradient energy) take part: flat paper says nothing about compression history.

Lossless uploads (PNG, lossless WebP, a PDF's raster): the sensor/scanner grain of flat paper
areas is measured per block; a region whose grain differs strongly from the page's is reported
as a warning, never a failure, because templates can legitimately mix textures. A page with no
grain at all is a digital rendering (our own PNG and PDF): there, busy engraving such as a seal's
guilloche is not grain, since drawn inks mix along one colour line; grain off that line (or grey
grain over plain paper) is what a pasted photo or scan brings, and is what gets reported.

A page re-saved as a whole (any quality, resized, rotated, scanned) shares one history and
passes; that is the false alarm this layer is built to avoid.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from .base import Finding, Layer, LayerContext, LayerResult

CELL = 16  # analysis cell in pixels (2x2 JPEG blocks)
STRIP_ROWS = 256  # rows of pixels transformed at a time: bounds memory on large pages
CONTENT_AC_ENERGY = 64 * 10.0**2  # a block whose pixels vary by > ~10 grey levels carries edges
MIN_FRESH_ERROR = 8.0  # a cell needs a few significant coefficients before its ratio means anything
GHOST_MAJORITY = 0.5  # page-wide median error ratio below which an earlier save is evident
FRESH_RATIO = 0.6  # ...and a cell at or above this (and 2x the page) lacks that earlier save
MIN_REGION_CELLS = 8
NOISE_FREE_LEVEL = 0.5  # page grain (grey levels) below which the page is a digital rendering
FOREIGN_GRAIN = 1.5  # grain above the page's (grey levels) that a noise-free page cannot explain
COLOUR_LINE_GAIN = 1.2  # _colour_line_noise's reading of unit white noise
PAPER_TOLERANCE = 20  # grey levels a plain cell's mean may differ from the paper's
GREY_CHROMA_SHARE = 0.05  # chroma variance share below which a cell's variation is grey
MAX_WORKING_PIXELS = 4_000_000  # lossless path only; JPEG is never resampled (grid must stay)
HEATMAP_WIDTH = 1000

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


class ErrorLevelLayer(Layer):
    name = "ela"
    max_points = 20
    title = "Error level analysis"

    def run(self, ctx: LayerContext) -> LayerResult:
        started = time.perf_counter()
        if ctx.upload is None:
            return self.skip("No file was uploaded, so there was no image to analyse.")
        kind = input_kind(ctx.upload.data, ctx.upload.content_type)
        if kind == "lossy_webp":
            return self.skip("Lossy WebP compression leaves no traces this check can compare.")
        image = ctx.image
        if image is None or min(image.size) < 8 * CELL:
            return self.skip("The image is too small for error level analysis.")
        try:
            analysis = analyse_jpeg(ctx.upload.data, image) if kind == "jpeg" else analyse_noise(image)
        except Unanalysable as exc:
            return self.skip(str(exc))
        result = self._score(analysis)
        result.artifacts["ela_heatmap"] = render_heatmap(image, analysis)
        result.details.update(analysis.details, method=analysis.method)
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        return result

    def _score(self, analysis: Analysis) -> LayerResult:
        if analysis.method == "jpeg_ghost":
            return self._score_jpeg(analysis)
        return self._score_noise(analysis)

    def _score_jpeg(self, analysis: Analysis) -> LayerResult:
        d = analysis.details
        if not analysis.regions:
            return self.result("passed", self.max_points, [Finding("ela_consistent", _consistent_message(d))])
        strong = any(r.cells >= 2 * MIN_REGION_CELLS and r.strength >= 2.5 for r in analysis.regions)
        findings = [_splice_finding(r, d, "critical" if strong else "warning") for r in analysis.regions]
        return self.result("failed" if strong else "warning", 2 if strong else 10, findings)

    def _score_noise(self, analysis: Analysis) -> LayerResult:
        rendered = analysis.details.get("noise_free_page", False)
        if not analysis.regions:
            msg = (
                "The page is a clean digital rendering without grain anywhere; no area pasted in from "
                "a photo or scan stands out."
                if rendered
                else "The grain of the paper areas is consistent across the page; no pasted area stands out."
            )
            return self.result("passed", self.max_points, [Finding("ela_consistent", msg)])
        text = (
            "The rest of the page is a clean digital rendering without grain, but this area carries the "
            "grain of a photo or scan: it was most likely pasted in from another picture."
            if rendered
            else "The fine grain in this area differs clearly from the rest of the page. That happens "
            "when part of a page is pasted in from another picture, though some designs mix "
            "textures on purpose."
        )
        findings = [
            Finding("ela_noise_inconsistent", text, "warning", region=r.box) for r in analysis.regions
        ]
        return self.result("warning", 12, findings)


def _consistent_message(d: dict) -> str:
    if d.get("previous_quality"):
        return (
            f"All parts of the page show the same compression history (saved earlier at about "
            f"JPEG quality {d['previous_quality']}, last at about {d['last_quality']}); no area was "
            "pasted in afterwards."
        )
    return (
        "The page was saved once as a JPEG (about quality "
        f"{d.get('last_quality')}); no area shows a different compression history."
    )


def _splice_finding(region: Region, d: dict, severity: str) -> Finding:
    if d.get("pattern") == "minority_ghost":
        text = (
            "This area carries traces of an earlier, stronger JPEG compression that the rest of the "
            "page does not have: it was most likely pasted in from another picture."
        )
    else:
        text = (
            "This area lacks the traces of an earlier JPEG save (at about quality "
            f"{d.get('previous_quality')}) that the rest of the page carries: it was most likely "
            "changed or pasted in after the page was first saved."
        )
    return Finding("ela_spliced_region", text, severity, region=region.box)


def input_kind(data: bytes, content_type: str) -> str:
    if content_type == "image/jpeg" or data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if content_type == "image/webp" and data[12:16] == b"VP8 ":
        return "lossy_webp"
    return "lossless"


# -- JPEG: ghosts of earlier compressions -----------------------------------------------------


def analyse_jpeg(data: bytes, page: Image.Image) -> Analysis:
    luma, table = _jpeg_luma(data, page)
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


def _jpeg_luma(data: bytes, page: Image.Image) -> tuple[np.ndarray, list[int] | None]:
    """The decoder's own Y plane: exactly what the last compression quantized."""
    with Image.open(io.BytesIO(data)) as im:
        table = list(im.quantization.get(0, [])) if getattr(im, "quantization", None) else None
        if im.mode in ("RGB", "L", "YCbCr") and im.size == page.size:
            im.draft("L", im.size)
            return np.asarray(im.convert("L")), table
    return np.asarray(page.convert("L")), table


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
    regions = _regions(suspect, content, strength, CELL, page_cells=details["text_cells"])
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
        regions = _regions(suspect, content, strength, CELL, page_cells=details["text_cells"], min_share=0.6)
        if sum(r.cells for r in regions) > sum(r.cells for r in best):
            best = regions
    details.update(previous_quality=None, pattern="minority_ghost" if best else "single_save")
    return Analysis("jpeg_ghost", np.where(content, score, np.nan), CELL, best, details)


def _regions(
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
    regions = _regions(suspect, flat, np.abs(ratio), CELL * factor, page_cells=int(flat.sum()))
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
    regions = _regions(suspect, measured, strength, CELL * factor, page_cells=int(measured.sum()))
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
