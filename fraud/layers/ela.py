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

import time
from typing import TYPE_CHECKING

from PIL import Image

from .base import Finding, Layer, LayerContext, LayerResult

if TYPE_CHECKING:
    from fraud.error_levels import Analysis, Region


class ErrorLevelLayer(Layer):
    name = "ela"
    max_points = 20
    title = "Error level analysis"
    inputs = frozenset({"upload"})

    def run(self, ctx: LayerContext) -> LayerResult:
        # The analysis (OpenCV, ~45 MiB) loads on the first run, not with the class: the web
        # imports this class for its title only.
        from fraud.error_levels import CELL, Unanalysable, render_heatmap
        from fraud.jpeg_ghosts import analyse_jpeg, read_luma
        from fraud.paper_grain import analyse_noise

        started = time.perf_counter()
        if ctx.upload is None:
            return self.skip("No file was uploaded, so there was no image to analyse.")
        kind = input_kind(ctx.upload.data, ctx.upload.content_type)
        if kind == "lossy_webp":
            return self.skip("Lossy WebP compression leaves no traces this check can compare.")
        if min(ctx.upload.size) < 8 * CELL:
            return self.skip("The image is too small for error level analysis.")
        try:
            # A JPEG is judged, and its heat map drawn, on the decoder's own luminance plane: the
            # colour page is never decoded at full size (36 MiB more at 12 MP).
            if kind == "jpeg":
                luma, table = read_luma(ctx.upload.data)
                analysis, page = analyse_jpeg(luma, table), Image.fromarray(luma)
            else:
                analysis = analyse_noise(page := ctx.upload.image)
        except Unanalysable as exc:
            return self.skip(str(exc))
        result = self._score(analysis)
        result.artifacts["ela_heatmap"] = render_heatmap(page, analysis)
        result.details.update(analysis.details, method=analysis.method)
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        return result

    def _score(self, analysis: Analysis) -> LayerResult:
        if analysis.method == "jpeg_ghost":
            return self._score_jpeg(analysis)
        return self._score_noise(analysis)

    def _score_jpeg(self, analysis: Analysis) -> LayerResult:
        from fraud.error_levels import MIN_REGION_CELLS

        d = analysis.details
        if not analysis.regions:
            message, detail = _consistent_message(d)
            return self.result("passed", self.max_points, [Finding("ela_consistent", message, detail=detail)])
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


def _consistent_message(d: dict) -> tuple[str, str]:
    if d.get("previous_quality"):
        return (
            "All parts of the page show the same saving history; no area was pasted in afterwards.",
            f"Saved earlier at about JPEG quality {d['previous_quality']}, last at about {d['last_quality']}.",
        )
    return (
        "The page was saved once; no area shows a different saving history.",
        f"One JPEG save at about quality {d.get('last_quality')}.",
    )


def _splice_finding(region: Region, d: dict, severity: str) -> Finding:
    if d.get("pattern") == "minority_ghost":
        text = (
            "This area carries traces of an earlier, stronger JPEG compression that the rest of the "
            "page does not have: it was most likely pasted in from another picture."
        )
    else:
        text = (
            "This area lacks the traces of an earlier save that the rest of the page carries: it was "
            "most likely changed or pasted in after the page was first saved."
        )
    detail = (
        f"JPEG compression history: earlier quality about {d.get('previous_quality')}, last about "
        f"{d.get('last_quality')}; region strength {region.strength:.1f} over {region.cells} cells."
    )
    return Finding("ela_spliced_region", text, severity, region=region.box, detail=detail)


def input_kind(data: bytes, content_type: str) -> str:
    if content_type == "image/jpeg" or data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if content_type == "image/webp" and data[12:16] == b"VP8 ":
        return "lossy_webp"
    return "lossless"
