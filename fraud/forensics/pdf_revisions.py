"""(f) PDF structure: did an incremental update change what the page says?

A PDF editor saves an edit by appending the changed objects after the original ("incremental
update"); the original stays in the file, byte for byte, up to its own `%%EOF`. The metadata
layer (fraud/layers/metadata.py) already counts these revisions, names the producers and reports
overlays and form fields; this analysis goes one step further and reads each earlier revision's
page text: when an earlier revision printed other words than the final page, the file itself
proves the text was changed after the document was made. Anyone can check it (cut the file at
the earlier `%%EOF` and open it), so the evidence is `checkable`. An update that changes nothing
on the page (a signature, new document info) is not reported here.
"""

from __future__ import annotations

import difflib
import re

from fraud.file_metadata import _STARTXREF
from fraud.pdf_pages import PdfPageError, first_page_text

from .common import Evidence, Region

MAX_REVISIONS = 5  # each earlier revision costs one page parse
RENDER_DPI = 150  # the layers' raster of a PDF (fraud/layers/base.py Upload.image)


def analyse(data: bytes) -> Evidence:
    ends = [m.end() for m in _STARTXREF.finditer(data)]
    if b"/Linearized" in data[:2048] and len(ends) > 1:
        ends = ends[1:]  # a linearized file's first trailer is not a revision
    if len(ends) < 2:
        return Evidence("pdf_revisions", skipped="The PDF was saved once; it has no earlier revision.")
    try:
        final = first_page_text(data)
    except PdfPageError:
        return Evidence("pdf_revisions", skipped="The PDF's page could not be read.")
    final_words = final["text"].split()
    for end in ends[:-1][:MAX_REVISIONS]:
        try:
            earlier = first_page_text(data[:end])
        except PdfPageError:
            continue  # a revision that does not stand alone says nothing
        before, after = _changes(earlier["text"].split(), final_words)
        if not before and not after:
            continue
        located = first_page_text(data, find=(after,)) if after else final
        box = (located.get("found") or {}).get(after)
        region = _region(box, final["height"]) if box else None
        note = f"An earlier version of this PDF, still stored inside the file, reads “{before or '(nothing)'}” where the page now reads “{after or '(nothing)'}”."  # fmt: skip
        regions = [Region(region, 100.0, note=note)] if region else []
        return Evidence("pdf_revisions", 100.0, regions, checkable=True,
                        details={"revisions": len(ends), "before": before, "after": after, "note": note})  # fmt: skip
    return Evidence("pdf_revisions", details={"revisions": len(ends)})


def _changes(before: list[str], after: list[str]) -> tuple[str, str]:
    """The words the later revision replaced, as two short phrases."""
    removed, added = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op != "equal":
            removed += before[i1:i2]
            added += after[j1:j2]
    clip = lambda words: re.sub(r"\s+", " ", " ".join(words))[:120]  # noqa: E731
    return clip(removed), clip(added)


def _region(box, page_height: float) -> tuple[int, int, int, int]:
    """A PDF-points box (left, bottom, right, top) in the pixels of the layers' 150 dpi raster."""
    scale = RENDER_DPI / 72
    left, bottom, right, top = box
    return (int(left * scale), int((page_height - top) * scale), int((right - left) * scale) + 1,
            int((top - bottom) * scale) + 1)  # fmt: skip
