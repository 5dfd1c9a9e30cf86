"""Layer: image forensics for documents no registry can vouch for (issue N; docs/forensics.md).

When the issuer has no record of the document, only the document itself can show an edit. The
analyses of fraud/forensics/ look for the traces an edit leaves: the JPEG's compression history,
grain and flat fills of the paper's colour, copies within the page, typography along each line,
the paper around each field, and the PDF's earlier revisions. Each statistic is turned into a likelihood by a threshold calibrated on
genuine documents (fraud/forensics/calibration.py); the layer's points fall as the strongest
likelihood rises, so the score orders documents by how edited they look.

Verdict (fraud/scoring.py): a likelihood >= 1 is a critical finding (`suspicious` for an unknown
issuer), and only evidence a person can check (an earlier PDF revision with other words, a copy
of the page's grain) is decisive (`fraudulent`). When the document matches an issuer's record,
the registry's comparison with the original is the stronger check and this layer stands aside,
so registered certificates keep the verdicts they had.
"""

from __future__ import annotations

import time

from .base import Finding, Layer, LayerContext, LayerResult

WHAT = {
    "jpeg_double": "it was compressed once where the rest of the page was compressed twice: it was most likely changed or pasted in after the page was first saved",
    "jpeg_ela": "re-encoding it changes it more than the rest of the page, the trace of content saved fewer times than its surroundings",
    "jpeg_ghost": "its content was saved before at another JPEG quality than the rest of the page: it was most likely pasted from another image",
    "noise": "it has no grain where the rest of the page has the grain of a camera or scanner: it was most likely painted over in an editor",
    "flat_fill": "it is one flat colour, the paper's, where the paper around it has grain: it was most likely painted over in an editor",
    "copy_move": "it repeats another area of the page pixel for pixel, background grain included: it was copied there",
    "copy_blocks": "its 8x8 blocks are, pixel for pixel, another area of the page shifted off the JPEG grid, compression noise included, which a second printing of the same text never is: it was copied there",
    "typography": "its type differs from the rest of its line",
    "background": "the paper under it differs from the paper around it, as where a field was painted over",
}  # fmt: skip


class ForensicsLayer(Layer):
    name = "forensics"
    max_points = 20
    title = "Image forensics"
    inputs = frozenset({"upload", "record"})

    def run(self, ctx: LayerContext) -> LayerResult:
        from fraud.error_levels import Analysis, Region, render_heatmap
        from fraud.forensics.calibration import CHECKABLE_FACTOR
        from fraud.forensics.examine import HEAT_CELL, examine, strongest

        started = time.perf_counter()
        if ctx.upload is None:
            return self.skip("No file was uploaded, so there was no image to examine.")
        if ctx.record is not None:
            return self.skip(
                "The document matches a record of its issuer: the comparison with the issuer's original "
                "is the stronger check."
            )
        vision = ctx.extracted.vision
        report = examine(
            ctx.upload, lines=vision.lines if vision else [], fields=vision.fields if vision else {}
        )
        combined = report.combined
        findings = []
        for evidence, region, ell in strongest(report)[:3]:
            decisive = evidence.checkable and ell >= CHECKABLE_FACTOR
            findings.append(
                Finding(
                    f"forensics_{evidence.name}",
                    _sentence(evidence.name, region),
                    "critical",
                    field=region.field,
                    region=region.box if region.box[2] else None,
                    decisive=decisive,
                )
            )
        if findings:
            status = "failed"
        elif combined >= 0.5:
            status = "warning"
            findings.append(
                Finding(
                    "forensics_weak_signs",
                    "Some measurements vary across the page more than usual, but less than an edit leaves; "
                    "no area can be called edited.",
                    "warning",
                )
            )
        else:
            status = "passed"
            findings.append(Finding("forensics_consistent", _clean_sentence(report)))
        points = self.max_points * max(0.0, min(1.0, 1.25 - 0.75 * combined))
        result = self.result(status, points, findings)
        regions = [Region(f.region, 1, 1.0) for f in findings if f.region]
        page = report.page
        result.artifacts["forensics_heatmap"] = render_heatmap(
            page, Analysis("forensics", report.heat, HEAT_CELL, regions)
        )
        result.details.update(
            likelihoods={k: round(float(v), 3) for k, v in report.likelihoods.items()},
            statistics={e.name: round(float(e.statistic), 3) for e in report.evidence if not e.skipped},
            combined=round(combined, 3),
            analyses={e.name: e.skipped or "ran" for e in report.evidence},
            **{f"{e.name}_details": e.details for e in report.evidence if e.details},
        )
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        return result


def _sentence(name: str, region) -> str:
    if name == "pdf_revisions":
        return region.note
    x, y, w, h = region.box
    where = region.field or f"the area at x {x}, y {y} ({w}x{h} px)"
    return f"Look at {where}: {WHAT[name]}."


def _clean_sentence(report) -> str:
    ran = [e.name for e in report.evidence if not e.skipped]
    names = {
        "jpeg_double": "compression history", "jpeg_ela": "error levels", "jpeg_ghost": "JPEG ghosts", "noise": "grain", "flat_fill": "flat fills",
        "copy_move": "copied areas", "copy_blocks": "copies of compressed blocks", "typography": "typography", "background": "paper around the fields",
        "pdf_revisions": "earlier PDF revisions",
    }  # fmt: skip
    checked = ", ".join(names[n] for n in ran) or "nothing"
    return f"No sign of an edit was found ({checked} checked against the page's own statistics)."
