"""Run every forensic analysis on an upload, name the fields their regions cover, draw one heat-map.

Where each analysis looks: the compression history on the JPEG's own luminance plane (full size,
the 8x8 grid intact); grain and copies on the full-size grey page; typography and background on
the page stage 1 read (rectified when it was photographed), whose OCR lines say what each area
holds. All regions are reported in the pixels of `Upload.image` (for a PDF, its 150 dpi raster).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from . import background, copy_blocks, copy_move, flat_fill, jpeg_history, noise, pdf_revisions, typography
from .calibration import likelihood
from .common import Evidence, Region

HEAT_CELL = 16
FIELD_NAMES = {
    "recipient_name": "the recipient's name",
    "issue_date": "the issue date",
    "expiry_date": "the expiry date",
    "credential_id": "the certificate number",
    "title": "the title",
    "grade": "the grade",
    "issuer": "the issuer's name",
}


@dataclass
class Report:
    evidence: list[Evidence] = field(default_factory=list)
    likelihoods: dict[str, float] = field(default_factory=dict)
    heat: np.ndarray | None = None  # per HEAT_CELL of `Upload.image`, 0..1
    page: Image.Image | None = None  # what the heat-map is drawn over

    @property
    def combined(self) -> float:
        return max(self.likelihoods.values(), default=0.0)


class Geometry:
    """Maps boxes between the page stage 1 read (`Upload.page.image`) and `Upload.image`."""

    def __init__(self, upload) -> None:
        page = upload.page
        full_w, full_h = upload.size
        read_w, read_h = upload.reading_image.size
        self.scale = full_w / read_w
        self.page_size = page.image.size
        if page.quad is None:
            self.to_frame = np.float32([[self.scale * read_w / page.image.width, 0, 0],
                                        [0, self.scale * read_h / page.image.height, 0], [0, 0, 1]])  # fmt: skip
        else:
            pw, ph = page.image.size
            src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
            quad = np.float32(page.quad) * self.scale
            self.to_frame = cv2.getPerspectiveTransform(src, quad)
        self.quad = None if page.quad is None else np.float32(page.quad) * self.scale
        self.full = (full_w, full_h)

    def box_to_frame(self, box) -> tuple[int, int, int, int]:
        x, y, w, h = box
        corners = np.float32([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]])
        out = cv2.perspectiveTransform(corners, self.to_frame)[0]
        x0, y0 = out.min(axis=0)
        x1, y1 = out.max(axis=0)
        return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))

    def cell_mask(self, cell: int) -> np.ndarray | None:
        """Per `cell` of the frame: True inside the page (None when the frame is the page)."""
        if self.quad is None:
            return None
        w, h = self.full
        small = np.zeros((h // cell, w // cell), np.uint8)
        cv2.fillConvexPoly(small, np.round(self.quad / cell).astype(np.int32), 1)
        return cv2.erode(small, np.ones((3, 3), np.uint8)) > 0


def examine(upload, *, lines: list | None = None, fields: dict | None = None) -> Report:
    report = Report()
    geometry = Geometry(upload)
    kind = "pdf" if upload.is_pdf else ("jpeg" if upload.data[:3] == b"\xff\xd8\xff" else "lossless")
    if kind == "pdf":
        report.evidence.append(pdf_revisions.analyse(upload.data))
    page_lines = [(str(text), tuple(int(v) for v in box)) for text, box in (lines or [])]
    frame_lines = [(text, geometry.box_to_frame(box)) for text, box in page_lines]
    table = None
    if kind == "jpeg":
        grey, table = jpeg_history.read_jpeg(upload.data)
        # Only the blocks along the printed lines: an edit changes what the page says, and the
        # page's paper and pictures are most of its blocks (most of the analysis's cost).
        mask = text_cells(frame_lines, grey.shape, jpeg_history.CELL, geometry.cell_mask(jpeg_history.CELL))
        report.evidence += jpeg_history.analyse(grey, table, mask=mask)
    else:
        grey = np.asarray(upload.image.convert("L"))
    report.page = Image.fromarray(grey)
    report.evidence.append(noise.analyse(grey, mask=geometry.cell_mask(noise.cell_size(grey.shape[1]))))
    report.evidence.append(flat_fill.analyse(grey, mask=geometry.cell_mask(HEAT_CELL), mask_cell=HEAT_CELL))
    # Look-alike areas (keypoint matches) are found once; two tests judge whether one is a copy.
    found = copy_move.candidates(grey, mask=geometry.cell_mask(HEAT_CELL))
    report.evidence.append(copy_move.analyse(grey, jpeg=kind == "jpeg", found=found))
    if kind != "pdf":
        report.evidence.append(copy_blocks.analyse(grey, table, found))
    if page_lines:
        rgb = np.asarray(upload.page.image.convert("RGB"))
        for analysed in (typography.analyse(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), page_lines),
                         background.analyse(rgb, page_lines)):  # fmt: skip
            for region in analysed.regions:
                region.box = geometry.box_to_frame(region.box)
            report.evidence.append(analysed)
    if frame_lines:
        for evidence in report.evidence:
            if evidence.name in TEXT_BOUND:
                _keep_text_regions(evidence, frame_lines)
    for evidence in report.evidence:
        if not evidence.skipped:
            report.likelihoods[evidence.name] = likelihood(evidence.name, evidence.statistic)
        for region in evidence.regions:
            region.field = covered_field(region.box, frame_lines, fields or {})
    report.heat = _heat(report, grey.shape)
    return report


def text_cells(lines, shape, cell: int, page: np.ndarray | None) -> np.ndarray | None:
    """Per `cell`: True within a cell of a printed line (and inside the page); the page mask alone
    when no lines were read."""
    if not lines:
        return page
    mask = np.zeros((shape[0] // cell, shape[1] // cell), bool)
    for _, (x, y, w, h) in lines:
        mask[max(0, y // cell - 1) : (y + h) // cell + 2, max(0, x // cell - 1) : (x + w) // cell + 2] = True
    return mask if page is None else mask & page[: mask.shape[0], : mask.shape[1]]


# An edit of a certificate changes what it says: a region of these analyses that touches no printed
# line (a viewer's flat toolbar, a desk, a seal) is not reported when the page's lines are known.
TEXT_BOUND = frozenset({"jpeg_double", "jpeg_ela", "jpeg_ghost", "noise", "flat_fill"})


def _keep_text_regions(evidence: Evidence, lines) -> None:
    evidence.regions = [r for r in evidence.regions if any(_overlap(r.box, box) for _, box in lines)]
    evidence.statistic = max((r.statistic for r in evidence.regions), default=0.0)


def _overlap(a, b) -> int:
    ox = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    oy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ox * oy


def covered_field(box, lines, fields: dict) -> str | None:
    """The printed field (or the line, quoted) that `box` overlaps most, in words."""
    best, best_overlap = None, 0
    for text, line_box in lines:
        overlap = _overlap(box, line_box)
        if overlap > best_overlap:
            best, best_overlap = text, overlap
    if best is None:
        return None
    squeezed = best.replace(" ", "").lower()
    for key, value in fields.items():
        if value and key in FIELD_NAMES and str(value).replace(" ", "").lower() in squeezed:
            return f"{FIELD_NAMES[key]} (“{best}”)"
    return f"the line “{best}”"


def _heat(report: Report, shape) -> np.ndarray:
    """The analyses' maps on one grid, each weighted by its own likelihood (a map whose analysis
    found nothing stays faint), and every region's box at its likelihood."""
    rows, cols = max(1, shape[0] // HEAT_CELL), max(1, shape[1] // HEAT_CELL)
    heat = np.zeros((rows, cols), np.float32)
    for evidence in report.evidence:
        weight = min(1.0, report.likelihoods.get(evidence.name, 0.0))
        if evidence.heat is not None and weight > 0.3:
            resized = cv2.resize(np.nan_to_num(evidence.heat), (cols, rows), interpolation=cv2.INTER_NEAREST)
            heat = np.maximum(heat, resized * weight)
        for region in evidence.regions if weight >= 1.0 else []:
            x, y, w, h = (int(v / HEAT_CELL) for v in region.box)
            heat[y : y + max(1, h), x : x + max(1, w)] = np.maximum(
                heat[y : y + max(1, h), x : x + max(1, w)], 0.6
            )
    return heat


def strongest(report: Report) -> list[tuple[Evidence, Region, float]]:
    """Every region of an analysis at or above its threshold, strongest first."""
    found = []
    for evidence in report.evidence:
        ell = report.likelihoods.get(evidence.name, 0.0)
        for region in evidence.regions:
            region_ell = likelihood(evidence.name, region.statistic)
            if region_ell >= 1.0:
                found.append((evidence, region, region_ell))
        if ell >= 1.0 and not evidence.regions and evidence.checkable:
            found.append((evidence, Region((0, 0, 0, 0), evidence.statistic), ell))
    return sorted(found, key=lambda t: -t[2])


def png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=1)
    return buf.getvalue()
