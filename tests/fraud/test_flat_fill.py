"""(b) Flat fills (fraud/forensics/flat_fill.py): a patch of the paper's colour without its grain, on
synthetic pages whose answer is known."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from fraud.forensics import flat_fill, jpeg_history
from fraud.forensics.calibration import threshold
from tests.fraud import unknown_issuer_corpus as corpus
from tests.fraud.test_forensics import jpeg_bytes, noisy, overlaps, text_page

PAPER = 232  # text_page's paper, in grey


def painted_scan(sigma: float = 3, seed: int = 1) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A grainy scan whose fourth line was painted over with the paper's grey and retyped."""
    grey = noisy(np.asarray(text_page().convert("L")), sigma, seed=seed)
    box = (24, 170, 560, 44)
    x, y, w, h = box
    page = Image.fromarray(grey)
    draw = ImageDraw.Draw(page)
    draw.rectangle((x, y, x + w, y + h), fill=PAPER)
    draw.text((30, 176), "Marcus Whitlock 2031", font=corpus._font("DejaVuSerif.ttf", 26), fill=40)
    return np.asarray(page), box


def test_a_field_painted_over_on_a_grainy_scan_is_found_where_it_was_painted():
    grey, box = painted_scan()

    found = flat_fill.analyse(grey)

    assert found.regions and overlaps(found.regions[0].box, box)
    assert "flat colour" in found.regions[0].note and found.statistic > threshold("flat_fill")


def test_the_painted_field_is_still_found_after_the_scan_is_saved_as_jpeg():
    grey, box = painted_scan()
    luma, _ = jpeg_history.read_jpeg(jpeg_bytes(Image.fromarray(grey), 90))

    found = flat_fill.analyse(luma)

    assert found.regions and overlaps(found.regions[0].box, box)
    assert found.statistic > threshold("flat_fill")


def test_a_grainy_scan_without_an_edit_has_no_flat_fill():
    for quality in (None, 95, 85):
        grey = noisy(np.asarray(text_page().convert("L")), 3, seed=2)
        if quality:
            grey, _ = jpeg_history.read_jpeg(jpeg_bytes(Image.fromarray(grey), quality))

        found = flat_fill.analyse(grey)

        assert found.statistic < threshold("flat_fill"), quality


def test_a_clean_rendering_is_not_judged():
    # Born-digital paper is one flat colour everywhere: a flat patch proves nothing.
    found = flat_fill.analyse(np.asarray(text_page().convert("L")))

    assert found.skipped and not found.regions


def test_a_flat_shape_of_another_colour_on_grainy_paper_is_not_a_fill():
    # A design's own solid box (a label, a band) printed or drawn in its own colour has no paper
    # of its colour around it to compare with.
    page = np.asarray(text_page().convert("L")).copy()
    grey = noisy(page, 3, seed=3)
    grey[420:500, 600:900] = 180

    found = flat_fill.analyse(grey)

    assert not any(overlaps(region.box, (600, 420, 300, 80)) for region in found.regions)
    assert found.statistic < threshold("flat_fill")


def test_a_flat_bar_running_to_the_border_is_not_a_fill():
    # A viewer's toolbar or a page edge in a screenshot of a scan: flat, paper-coloured, at the edge.
    grey = noisy(np.asarray(text_page().convert("L")), 3, seed=4)
    grey[:40, :] = PAPER

    found = flat_fill.analyse(grey)

    assert found.statistic < threshold("flat_fill")


def test_a_smooth_lit_page_photographed_without_grain_is_not_judged():
    # A denoised phone photo: the paper is a smooth gradient, flat in many blocks by itself.
    page = np.asarray(text_page().convert("L")).astype(np.float32)
    ramp = np.linspace(-12, 12, page.shape[1])[None, :]
    grey = np.clip(page + ramp, 0, 255).astype(np.uint8)
    luma, _ = jpeg_history.read_jpeg(jpeg_bytes(Image.fromarray(grey), 80))

    assert flat_fill.analyse(luma).statistic < threshold("flat_fill")


def test_the_layer_names_the_painted_field_of_a_corpus_scan():
    # Through the whole examiner: stage 1's OCR lines name the field the fill sits under.
    from fraud.forensics.examine import examine
    from fraud.layers.base import Upload
    from fraud.reading import read_document

    document = corpus.genuine_document("banded", 1)
    _, data, key, region = corpus.edit(
        "scan_retyped_png", document, document, corpus.np_rng(1, "banded-0:scan_retyped_png")
    )
    upload = Upload(data, "image/png", "scan.png")
    reading = read_document(upload)

    report = examine(upload, lines=reading.lines, fields=reading.fields)

    fill = next(e for e in report.evidence if e.name == "flat_fill")
    assert report.likelihoods["flat_fill"] >= 1.0
    assert overlaps(fill.regions[0].box, region) and fill.regions[0].field
