"""From each analysis's statistic to a likelihood of an edit, and the layer's combined score.

Each analysis's statistic is divided by its threshold, set on a calibration set of GENUINE
documents from issuers we do not know (tests/fraud/unknown_issuer_corpus.py: four designs, 16
ways of arriving: PNG, JPEG q60-q95, a page saved twice, resized, noisy scan, phone photo, chat
forward, office scan, screenshot, cropped copy, print to PDF, text PDF, PDF with an innocent
update), built with seeds that the accuracy bench does not use. The threshold is the largest
genuine value times a margin of 1.25: no genuine calibration document reaches 1. With 128
calibration documents that targets a false-alarm rate of at most ~1 % per analysis (the rule of
three gives a 95 % bound of 2.3 % on 128 clean documents), and of at most 3 % for the layer.
`python bench/forensics_accuracy.py --calibrate` measures the genuine maxima again.

A likelihood >= 1 is an edit localized with confidence (the layer's finding is critical:
`suspicious` for an unknown issuer). Checkable evidence (an earlier PDF revision with other
text; a copy-move of the page's grain at twice its threshold) is decisive: `fraudulent`.
"""

from __future__ import annotations

MARGIN = 1.25
# Largest statistic among the 128 genuine calibration documents (bench/forensics_accuracy.py
# --calibrate: seeds 101 and 102, one document per design each), before the margin.
GENUINE_MAX = {
    "jpeg_double": 7.2,  # bordered design, q60 (measured along the printed lines only)
    "jpeg_ela": 27.9,  # guilloche design, chat forward (along the printed lines only; the page's
    # whole area gave 136.5, its bold headings and pictures against its paper)
    "jpeg_ghost": 29.0,  # bordered design, q75
    "noise": 4.6,  # photo-like design, q75
    "copy_move": 4.3,  # photo-like design, q75
    "copy_blocks": 3.0,  # every genuine document scored 0: a floor, a chance of 1 in 1000 (-log10)
    "typography": 22.5,  # plain design printed to PDF and re-rasterized
    "background": 3.6,  # bordered design, resized
    "pdf_revisions": 1.0,  # genuine PDFs score 0: an earlier revision never reads otherwise
}
CHECKABLE_FACTOR = 2.0  # a checkable analysis's likelihood needed for a decisive finding
# (an earlier PDF revision that reads otherwise scores 100: its likelihood is far above it)


def threshold(name: str) -> float:
    return MARGIN * GENUINE_MAX[name]


def likelihood(name: str, statistic: float) -> float:
    return max(0.0, statistic) / threshold(name)
