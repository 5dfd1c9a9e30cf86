"""(d) Typography consistency: is every word printed like its neighbours?

From the OCR lines (text and box on the page stage 1 read), each line's ink is separated from its
paper (Otsu within the box) and cut into words at gaps wider than a quarter of the line's height.
Per word: stroke width (2 x ink area / ink perimeter), ink darkness (median grey of the ink) and
baseline (median of the lowest ink pixel per column). A word retyped in another weight, ink or
position than the rest of its line stands out against the line's median. Comparing like fields
across lines (a date line against a number line of the same height) was tried and left out: a
design's own mix of weights and colours alarmed on genuine pages (docs/forensics.md). Deviations are in units a reader would notice (15 % of the stroke, 10 grey levels, 8 % of
the line height), and the statistic is the largest.
"""

from __future__ import annotations

import cv2
import numpy as np

from .common import Evidence, Region

Line = tuple[str, tuple[int, int, int, int]]  # text, (x, y, w, h) in page pixels
STROKE_TOL, INK_TOL, BASELINE_TOL = 0.15, 10.0, 0.08


def word_measures(grey: np.ndarray, box: tuple[int, int, int, int]) -> list[dict]:
    x, y, w, h = box
    crop = grey[max(0, y) : y + h, max(0, x) : x + w]
    if crop.size < 64 or h < 8:
        return []
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if ink.mean() > 0.5:  # dark paper under light ink: Otsu's "bright" class is the paper
        ink = 1 - ink
    else:
        ink = 1 - ink if crop[ink == 1].mean() > crop[ink == 0].mean() else ink
    columns = ink.sum(axis=0) > 0
    words, start, gap = [], None, 0
    for i, has_ink in enumerate(np.append(columns, False)):
        if has_ink:
            start = i if start is None else start
            gap = 0
        elif start is not None:
            gap += 1
            if gap > max(2, h // 4) or i == len(columns):
                words.append((start, i - gap + 1))
                start, gap = None, 0
    out = []
    for a, b in words:
        part = ink[:, a:b].astype(np.uint8)
        area = int(part.sum())
        if area < 20 or b - a < max(3, h // 3):
            # Narrower than a third of the line's height: a mark (a stop, a rule's end, the edge of
            # a band the box caught), whose "stroke" is its own width, not a word's type.
            continue
        eroded = cv2.erode(part, np.ones((3, 3), np.uint8))
        perimeter = max(1, area - int(eroded.sum()))
        lowest = [np.nonzero(col)[0].max() for col in part.T if col.any()]
        out.append({
            "box": (x + a, y, b - a, h),
            "stroke": 2.0 * area / perimeter,
            "ink": float(np.median(crop[:, a:b][part > 0])),
            "baseline": float(np.median(lowest)) / h,
        })  # fmt: skip
    return out


def _deviation(item: dict, others: list[dict]) -> tuple[float, str]:
    stroke = float(np.median([o["stroke"] for o in others]))
    ink = float(np.median([o["ink"] for o in others]))
    base = float(np.median([o["baseline"] for o in others]))
    scores = {
        "its strokes are of another weight": abs(item["stroke"] - stroke) / (STROKE_TOL * max(stroke, 1.0)),
        "its ink is of another shade": abs(item["ink"] - ink) / INK_TOL,
        "it sits off the line's baseline": abs(item["baseline"] - base) / BASELINE_TOL,
    }
    what = max(scores, key=scores.get)
    return scores[what], what


def analyse(grey: np.ndarray, lines: list[Line]) -> Evidence:
    if not lines:
        return Evidence("typography", skipped="No text lines were read from the page.")
    regions: list[Region] = []
    for _text, box in lines:
        words = word_measures(grey, box)
        if len(words) >= 3:
            for i, word in enumerate(words):
                z, what = _deviation(word, words[:i] + words[i + 1 :])
                regions.append(Region(word["box"], z, 1, f"is printed unlike the rest of its line: {what}"))
    regions.sort(key=lambda r: -r.statistic)
    return Evidence("typography", regions[0].statistic if regions else 0.0, regions[:3],
                    details={"lines": len(lines)})  # fmt: skip
