"""Layer 2: spliced regions are found where they are; whole-page re-saves are never failed."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import numpy as np
import pytest
from PIL import Image

from certificates.rendering.layout import DEFAULT_LAYOUT
from certificates.rendering.render import RenderInput, render_image, render_pdf, render_png
from fraud.jpeg_ghosts import estimate_quality, ijg_table
from fraud.layers.base import LayerContext, Upload
from fraud.layers.ela import ErrorLevelLayer
from tests.fraud import corpus, images


@pytest.fixture(scope="module")
def genuine():
    return images.render_certificate()


def run(data: bytes, content_type: str = "image/jpeg"):
    return ErrorLevelLayer().run(LayerContext("v1", datetime.now(UTC), upload=Upload(data, content_type)))


def overlaps(region, box) -> bool:
    x, y, w, h = region
    bx, by, bw, bh = box
    return x < bx + bw and bx < x + w and y < by + bh and by < y + h


def flagged_regions(result):
    return [f.region for f in result.findings if f.region]


@pytest.mark.parametrize(
    "make",
    [
        lambda img: images.jpeg(img, 70),
        lambda img: images.jpeg(img, 85),
        lambda img: images.jpeg(img, 95),
        lambda img: images.jpeg(img.resize((1500, 1061), Image.Resampling.LANCZOS), 85),
        lambda img: images.jpeg(img.resize((2600, 1838), Image.Resampling.BICUBIC), 90),
        lambda img: images.jpeg(images.scan_like(img), 88),
        lambda img: images.jpeg(images.scan_like(img, angle=-1.2, noise=2), 70),
        lambda img: images.jpeg(images.decode(images.jpeg(img, 75)), 90),
        lambda img: images.jpeg(images.decode(images.jpeg(img, 90)), 80),
        lambda img: images.jpeg(images.decode(images.jpeg(images.scan_like(img), 75)), 92),
    ],
    ids=[
        "q70", "q85", "q95", "downscaled-q85", "upscaled-q90", "scan-q88", "rotated-scan-q70",
        "resaved-75-then-90", "resaved-90-then-80", "scan-resaved-75-then-92",
    ],
)  # fmt: skip
def test_genuine_page_resaved_as_a_whole_passes(genuine, make):
    result = run(make(genuine))

    assert result.status == "passed", result.findings
    assert result.points == 20
    assert not flagged_regions(result)


@pytest.mark.parametrize("first, final", [(70, 92), (80, 95), (85, 92), (50, 90), (90, 95)])
def test_spliced_name_is_flagged_where_it_was_pasted(genuine, first, final):
    data, box = images.spliced_jpeg(genuine, first_quality=first, final_quality=final)

    result = run(data)

    assert result.status == "failed"
    assert result.points <= 2
    regions = flagged_regions(result)
    assert regions and all(overlaps(region, box) for region in regions)
    assert result.details["previous_quality"] == first


@pytest.mark.parametrize("first, final", [(60, 85), (75, 90)])
def test_splice_over_a_coarse_final_save_is_still_reported(genuine, first, final):
    data, box = images.spliced_jpeg(genuine, first_quality=first, final_quality=final)

    result = run(data)

    assert result.status in ("warning", "failed")
    assert any(overlaps(region, box) for region in flagged_regions(result))


def test_heatmap_is_a_bounded_png_with_the_page_dimmed(genuine):
    data, _ = images.spliced_jpeg(genuine)

    result = run(data)

    heatmap = Image.open(io.BytesIO(result.artifacts["ela_heatmap"]))
    assert heatmap.format == "PNG"
    assert heatmap.width <= 1000
    assert heatmap.height == pytest.approx(heatmap.width * genuine.height / genuine.width, abs=2)
    red, green, blue = heatmap.convert("RGB").getpixel((10, heatmap.height // 2))
    assert max(red, green, blue) < 200  # paper is dimmed, so hot areas stand out


def test_details_say_what_was_measured(genuine):
    result = run(images.jpeg(images.decode(images.jpeg(genuine, 75)), 90))

    assert result.details["method"] == "jpeg_ghost"
    assert result.details["last_quality"] == 90
    assert result.details["previous_quality"] == 75
    assert "earlier at about JPEG quality 75" in result.findings[0].detail
    assert "quality" not in result.findings[0].message  # the measure is a detail, the message plain words


@pytest.mark.parametrize(
    "make, content_type",
    [
        (lambda img: images.encode(img, "PNG"), "image/png"),
        (lambda img: images.encode(img.resize((1400, 990), Image.Resampling.LANCZOS), "PNG"), "image/png"),
        (lambda img: images.encode(images.scan_like(img), "PNG"), "image/png"),
        (lambda img: images.encode(images.scan_like(img, noise=8, angle=-1.5), "PNG"), "image/png"),
        (lambda img: images.encode(img, "WEBP", lossless=True), "image/webp"),
        (lambda img: images.certificate_pdf(img), "application/pdf"),
    ],
    ids=["png", "png-resized", "png-scan", "png-noisy-scan", "webp-lossless", "pdf"],
)
def test_genuine_lossless_page_passes_the_noise_analysis(genuine, make, content_type):
    result = run(make(genuine), content_type)

    assert result.status == "passed", result.findings
    assert result.details["method"] == "noise_residual"


def test_noisy_patch_in_a_clean_rendering_is_a_warning_over_the_patch(genuine):
    data, box = images.noisy_patch_png(genuine)

    result = run(data, "image/png")

    assert result.status == "warning"
    assert any(overlaps(region, box) for region in flagged_regions(result))


def test_clean_patch_in_a_noisy_scan_is_a_warning_over_the_patch(genuine):
    scan = images.scan_like(genuine, noise=4, angle=0)
    box = (300, 480, 1400, 160)
    patch = images.render_certificate(recipient_name="Jonathan Whitfield").crop((300, 480, 1700, 640))
    scan.paste(patch, box[:2])

    result = run(images.encode(scan, "PNG"), "image/png")

    assert result.status == "warning"
    assert any(overlaps(region, box) for region in flagged_regions(result))


def test_large_lossless_page_is_reduced_and_says_so():
    big = images.render_certificate((3508, 2480))

    result = run(images.encode(big, "PNG"), "image/png")

    assert result.status == "passed"
    assert "working_scale" in result.details


def test_lossy_webp_and_missing_upload_are_skipped(genuine):
    webp = run(images.encode(genuine, "WEBP", quality=80), "image/webp")
    nothing = ErrorLevelLayer().run(
        LayerContext("v1", datetime.now(UTC), credential_id="CV-7KQ2-M9XD-4HPA-T")
    )

    assert webp.status == "skipped"
    assert nothing.status == "skipped"


@pytest.mark.parametrize("quality", [50, 70, 75, 90, 95])
def test_quality_is_read_back_from_libjpeg_tables(genuine, quality):
    data = images.jpeg(genuine.crop((0, 0, 64, 64)), quality)
    table = Image.open(io.BytesIO(data)).quantization[0]

    assert estimate_quality(list(table)) == (quality, True)
    assert list(ijg_table(quality).astype(int)) == list(table)


def test_very_low_quality_jpeg_is_skipped_with_the_reason(genuine):
    result = run(images.jpeg(genuine, 55))

    assert result.status == "skipped"
    assert "so low a quality" in result.findings[0].message


# -- our own renderer: noise-free pages ---------------------------------------------------------


def rendering_input(**changes) -> RenderInput:
    fields = {
        "organization_name": images.GENUINE["issuer"],
        "recipient_name": "Ada Lovelace",
        "title": "MSc Computer Science",
        "issue_date": date(2025, 6, 14),
        "expiry_date": None,
        "grade": "Distinction",
        "credential_id": images.GENUINE["credential_id"],
        "qr_text": "https://certverify.example/verify/CV-7KQ2-M9XD-4HPA-T/",
    }
    return RenderInput(**{**fields, **changes})


GREY_LAYOUT = {**DEFAULT_LAYOUT, "colors": {"paper": "#ffffff", "primary": "#222222", "accent": "#777777"}}


@pytest.fixture(scope="module")
def rendered():
    return render_image(rendering_input())


@pytest.fixture(scope="module")
def donor():
    return render_image(rendering_input(recipient_name="Mallory Forger"))


def assert_full_points_without_findings(result):
    assert result.status == "passed", result.findings
    assert result.points == 20
    assert all(f.severity == "info" and f.region is None for f in result.findings)


@pytest.mark.parametrize(
    "make, content_type",
    [
        (lambda: render_png(rendering_input()), "image/png"),
        (lambda: render_pdf(rendering_input()), "application/pdf"),
        (lambda: render_png(rendering_input(layout=GREY_LAYOUT)), "image/png"),
        (lambda: render_pdf(rendering_input(layout=GREY_LAYOUT)), "application/pdf"),
        (lambda: corpus.png_bytes(corpus.resized(render_image(rendering_input()), 0.6)), "image/png"),
        (lambda: corpus.png_bytes(corpus.resized(render_image(rendering_input()), 1.4)), "image/png"),
    ],
    ids=["png", "pdf", "grey-palette-png", "grey-palette-pdf", "resized-0.6-png", "resized-1.4-png"],
)
def test_clean_rendering_earns_full_ela_points_with_no_findings(make, content_type):
    """The seal's dense guilloche is drawn ink, not grain: it used to be flagged on every page."""
    result = run(make(), content_type)

    assert_full_points_without_findings(result)
    assert result.details["method"] == "noise_residual"
    assert result.details["noise_free_page"] is True


@pytest.mark.parametrize(
    "make",
    [
        lambda page: corpus.jpeg_bytes(page, 70),
        lambda page: corpus.jpeg_bytes(page, 85),
        lambda page: corpus.jpeg_bytes(page, 95),
        lambda page: corpus.jpeg_bytes(corpus.resized(page, 1.4), 90),
        lambda page: corpus.jpeg_bytes(corpus.resized(page, 0.6), 90),
        lambda page: corpus.jpeg_bytes(corpus.scan(page, np.random.default_rng(3)), 88),
    ],
    ids=["q70", "q85", "q95", "resized-1.4-q90", "resized-0.6-q90", "scan-q88"],
)
def test_jpeg_resave_of_a_rendering_earns_full_points(rendered, make):
    assert_full_points_without_findings(run(make(rendered)))


def _grey_noise_band(page: Image.Image) -> Image.Image:
    x0, y0, x1, y1 = corpus.NAME_BAND
    pixels = np.asarray(page, np.float32).copy()
    pixels[y0:y1, x0:x1] += np.random.default_rng(1).normal(0, 3, (y1 - y0, x1 - x0, 1))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _as_box(corners):
    x0, y0, x1, y1 = corners
    return (x0, y0, x1 - x0, y1 - y0)


@pytest.mark.parametrize(
    "make",
    [
        lambda page, donor: images.noisy_patch_png(page, noise=6),
        lambda page, donor: images.noisy_patch_png(page, noise=2),
        lambda page, donor: (
            corpus.png_bytes(corpus.splice(page, corpus.scan(donor, np.random.default_rng(6)))),
            _as_box(corpus.NAME_BAND),
        ),
        lambda page, donor: (
            corpus.png_bytes(corpus.splice(page, corpus.photo(donor, np.random.default_rng(7)))),
            _as_box(corpus.NAME_BAND),
        ),
        lambda page, donor: (
            corpus.png_bytes(
                corpus.splice(
                    page, corpus.scan(donor, np.random.default_rng(8)), corpus.FIELD_BOXES["issue_date"]
                )
            ),
            _as_box(corpus.FIELD_BOXES["issue_date"]),
        ),
        lambda page, donor: (corpus.png_bytes(_grey_noise_band(page)), _as_box(corpus.NAME_BAND)),
    ],
    ids=[
        "camera-noise-6",
        "camera-noise-2",
        "scanned-name",
        "photographed-name",
        "scanned-date",
        "grey-noise",
    ],
)
def test_grainy_patch_in_a_clean_rendering_is_flagged_where_it_was_pasted(rendered, donor, make):
    data, box = make(rendered, donor)

    result = run(data, "image/png")

    assert result.status == "warning"
    assert result.points == 12
    regions = flagged_regions(result)
    assert regions and all(overlaps(region, box) for region in regions)
    assert "clean digital rendering" in result.findings[0].message
