"""The upload-vs-original comparison on synthesized certificates, genuine copies and forgeries.

The helpers at the top draw a certificate-like PNG with PIL and derive the variants; the registry
layer's tests reuse them.
"""

import io
import random
from functools import cache

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from certificates.rendering.phash import phash_bits
from fraud.imagediff import MAX_RESIDUAL_PX, compare_with_original

SIZE = (1600, 1131)
PAPER = (250, 247, 238)
# field -> (default text, centre, font size, bold)
FIELDS = {
    "recipient_name": ("Jane Smith", (800, 470), 84, True),
    "title": ("Advanced Python Programming", (800, 620), 44, False),
    "issue_date": ("Issued 1 March 2026", (800, 720), 34, False),
    "grade": ("Grade: A", (800, 790), 34, False),
    "credential_id": ("CV-7KQ2-M9XD-4HPA-T3BN-R", (800, 1010), 26, False),
}
# Where each field sits, as fractions of the rendering (x, y, width, height).
LAYOUT = {
    "recipient_name": (0.25, 0.37, 0.5, 0.09),
    "title": (0.2, 0.52, 0.6, 0.06),
    "issue_date": (0.25, 0.6, 0.5, 0.05),
    "grade": (0.3, 0.67, 0.4, 0.05),
    "credential_id": (0.25, 0.87, 0.5, 0.05),
}
SEAL_BOX = (170, 810, 390, 1030)
PATCH_BOX = (1100, 600, 1400, 700)


@cache
def _font(size: int, bold: bool) -> ImageFont.ImageFont:
    name = "DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf"
    try:
        return ImageFont.truetype(name, size)
    except OSError:  # no TrueType font installed: PIL's own, at the same size
        return ImageFont.load_default(size=size)


def render_certificate(**texts: str) -> Image.Image:
    """A certificate-like rendering; keyword arguments replace field texts (a forgery)."""
    img = Image.new("RGB", SIZE, PAPER)
    d = ImageDraw.Draw(img)
    d.rectangle((30, 30, SIZE[0] - 31, SIZE[1] - 31), outline=(120, 90, 30), width=10)
    d.rectangle((55, 55, SIZE[0] - 56, SIZE[1] - 56), outline=(170, 140, 60), width=3)
    d.text((800, 200), "CERTIFICATE OF COMPLETION", font=_font(64, True), fill=(60, 40, 10), anchor="mm")
    d.text((800, 330), "This certifies that", font=_font(36, False), fill=(40, 40, 40), anchor="mm")
    d.line((450, 530, 1150, 530), fill=(120, 90, 30), width=3)
    for key, (text, xy, size, bold) in FIELDS.items():
        d.text(xy, texts.get(key, text), font=_font(size, bold), fill=(20, 20, 60), anchor="mm")
    d.ellipse((180, 820, 380, 1020), outline=(160, 30, 30), width=8)
    d.text((280, 920), "SEAL", font=_font(40, True), fill=(160, 30, 30), anchor="mm")
    d.line((1150, 940, 1450, 940), fill=(30, 30, 30), width=2)
    d.text((1300, 970), "Registrar", font=_font(26, False), fill=(40, 40, 40), anchor="mm")
    _draw_qr_like_block(d)
    return img


def _draw_qr_like_block(d: ImageDraw.ImageDraw) -> None:
    rng = random.Random(7)
    for i in range(21):
        for j in range(21):
            if rng.random() < 0.5:
                d.rectangle((1330 + i * 8, 760 + j * 8, 1337 + i * 8, 767 + j * 8), fill=(0, 0, 0))


def field_box(key: str, text: str | None = None) -> tuple[int, int, int, int]:
    """(x, y, w, h) of a field's text on the rendering."""
    default, xy, size, bold = FIELDS[key]
    x0, y0, x1, y1 = ImageDraw.Draw(Image.new("RGB", SIZE)).textbbox(
        xy, text or default, font=_font(size, bold), anchor="mm"
    )
    return (x0, y0, x1 - x0, y1 - y0)


@cache
def original() -> Image.Image:
    return render_certificate()


@cache
def original_png() -> bytes:
    return to_png(original())


def to_png(img: Image.Image) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def to_jpeg(img: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def resave_jpeg(img: Image.Image, quality: int) -> Image.Image:
    return Image.open(io.BytesIO(to_jpeg(img, quality))).convert("RGB")


def rescale(img: Image.Image, factor: float) -> Image.Image:
    return img.resize((round(img.width * factor), round(img.height * factor)), Image.Resampling.LANCZOS)


def rotate(img: Image.Image, degrees: float) -> Image.Image:
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))


def add_noise(img: Image.Image, sigma: float) -> Image.Image:
    noise = np.random.default_rng(1).normal(0, sigma, (img.height, img.width, 3))
    return Image.fromarray(np.clip(np.asarray(img, np.float32) + noise, 0, 255).astype(np.uint8))


def uneven_light(img: Image.Image, strength: float = 0.3) -> Image.Image:
    ramp = np.linspace(1.0, 1.0 - strength, img.width, dtype=np.float32)[None, :, None]
    return Image.fromarray(np.clip(np.asarray(img, np.float32) * ramp, 0, 255).astype(np.uint8))


def photographed(img: Image.Image, margin: int = 60) -> Image.Image:
    """The document on a dark table, seen slightly off-axis."""
    import cv2

    w, h = img.size
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32(
        [
            [margin + 32, margin],
            [margin + w - 16, margin + 10],
            [margin + w, margin + h - 6],
            [margin, margin + h + 3],
        ]
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(
        np.asarray(img), matrix, (w + 2 * margin, h + 2 * margin), borderValue=(90, 80, 70)
    )
    return Image.fromarray(out)


def paste_patch(img: Image.Image) -> Image.Image:
    """Part of the heading pasted over the end of the title line."""
    out = img.copy()
    x0, y0, x1, y1 = PATCH_BOX
    out.paste(img.crop((200, 150, 200 + x1 - x0, 150 + y1 - y0)), (x0, y0))
    return out


def erase_seal(img: Image.Image) -> Image.Image:
    out = img.copy()
    ImageDraw.Draw(out).rectangle(SEAL_BOX, fill=PAPER)
    return out


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def box_of(corners: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = corners
    return (x0, y0, x1 - x0, y1 - y0)


# --- genuine copies ----------------------------------------------------------------------------

GENUINE = {
    "jpeg q70": lambda img: resave_jpeg(img, 70),
    "jpeg q85": lambda img: resave_jpeg(img, 85),
    "jpeg q95": lambda img: resave_jpeg(img, 95),
    "half size": lambda img: rescale(img, 0.5),
    "1.5x size": lambda img: rescale(img, 1.5),
    "0.75x then jpeg q80": lambda img: resave_jpeg(rescale(img, 0.75), 80),
    "rotated 1.5 degrees": lambda img: rotate(img, 1.5),
    "rotated -2 degrees, halved, jpeg q70": lambda img: resave_jpeg(rescale(rotate(img, -2), 0.5), 70),
    "gaussian noise": lambda img: add_noise(img, 10),
    "noise then jpeg q85": lambda img: resave_jpeg(add_noise(img, 8), 85),
    "uneven lighting, rotated": lambda img: resave_jpeg(uneven_light(rotate(img, 1.2)), 85),
    "photo on a table, off-axis": lambda img: resave_jpeg(photographed(img), 85),
}


@pytest.mark.parametrize("variant", GENUINE.values(), ids=GENUINE.keys())
def test_genuine_copies_line_up_and_show_no_changed_regions(variant):
    result = compare_with_original(variant(original()), original_png())

    assert result.aligned
    assert result.changed_regions == []
    assert result.changed_fraction == 0
    assert result.matches_original


def test_identical_copy_has_zero_phash_distance():
    result = compare_with_original(original(), original_png())

    assert result.phash_distance == 0
    assert result.alignment == "ecc"
    assert result.alignment_score > 0.99


@pytest.mark.parametrize("variant", ["original", "rotated 1.5 degrees", "gaussian noise"])
def test_phash_bits_are_imagehash_phash(variant):
    import imagehash

    grey = np.asarray(GENUINE.get(variant, lambda img: img)(original()).convert("L"))

    assert (phash_bits(grey) == imagehash.phash(Image.fromarray(grey)).hash).all()


def test_phash_distance_counts_the_bits_that_differ_from_the_original():
    import imagehash

    rotated = GENUINE["rotated 1.5 degrees"](original())
    expected = imagehash.phash(rotated.convert("L")) - imagehash.phash(original().convert("L"))

    assert expected > 0
    assert compare_with_original(rotated, original_png()).phash_distance == expected


# --- forgeries ---------------------------------------------------------------------------------

FORGERIES = {
    "name replaced": (
        lambda: render_certificate(recipient_name="John Smith"),
        field_box("recipient_name", "John Smith"),
    ),
    "one letter of the name": (
        lambda: render_certificate(recipient_name="Jane Smitt"),
        field_box("recipient_name"),
    ),
    "date replaced": (
        lambda: render_certificate(issue_date="Issued 1 August 2026"),
        field_box("issue_date", "Issued 1 August 2026"),
    ),
    "one digit of the date": (
        lambda: render_certificate(issue_date="Issued 7 March 2026"),
        field_box("issue_date"),
    ),
    "grade A to B": (lambda: render_certificate(grade="Grade: B"), field_box("grade")),
    "pasted patch": (lambda: paste_patch(original()), box_of(PATCH_BOX)),
    "seal erased": (lambda: erase_seal(original()), box_of(SEAL_BOX)),
}


@pytest.mark.parametrize(("forge", "edited"), FORGERIES.values(), ids=FORGERIES.keys())
def test_edits_show_a_changed_region_over_the_edit(forge, edited):
    result = compare_with_original(resave_jpeg(forge(), 85), original_png())

    assert result.aligned
    assert result.changed_regions
    assert any(overlaps(region.original_box, edited) for region in result.changed_regions)
    assert not result.matches_original


def test_changed_region_is_reported_in_upload_pixels_for_a_smaller_rotated_upload():
    forged = render_certificate(recipient_name="John Smith")
    upload = resave_jpeg(rescale(rotate(forged, 1.5), 0.5), 85)

    result = compare_with_original(upload, original_png())

    name = field_box("recipient_name", "John Smith")
    region = result.changed_regions[0]
    assert overlaps(region.original_box, name)
    x, y, w, h = region.box
    # The upload is half size: the region sits where the name is, at half the coordinates.
    assert abs((x + w / 2) - (name[0] + name[2] / 2) / 2) < 25
    assert abs((y + h / 2) - (name[1] + name[3] / 2) / 2) < 25
    assert w < upload.width / 2


def test_a_retyped_name_is_one_region_not_a_letter_per_region():
    result = compare_with_original(render_certificate(recipient_name="John Smith"), original_png())

    assert len(result.changed_regions) == 1
    assert result.changed_regions[0].strength > 60


def test_edited_photo_is_aligned_by_features_and_shows_the_edit():
    upload = resave_jpeg(photographed(render_certificate(grade="Grade: C")), 85)

    result = compare_with_original(upload, original_png())

    assert result.alignment == "features"
    assert [r for r in result.changed_regions if overlaps(r.original_box, field_box("grade"))]


def test_heatmap_is_the_dimmed_original_with_the_edit_in_red():
    result = compare_with_original(render_certificate(recipient_name="John Smith"), original_png())

    heatmap = Image.open(io.BytesIO(result.heatmap_png))
    assert heatmap.format == "PNG"
    assert heatmap.width <= 1600
    scale = heatmap.width / SIZE[0]
    x, y, w, h = (round(v * scale) for v in field_box("recipient_name", "John Smith"))
    pixels = np.asarray(heatmap.convert("RGB"), np.int32)
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 120) & (pixels[..., 2] < 120)
    assert red[y : y + h, x : x + w].sum() > 100
    # Away from the edit nothing is red, and the document is faded towards white.
    assert red[: y - 40].sum() == 0
    assert pixels[: y - 40].mean() > np.asarray(original(), np.int32)[: round((y - 40) / scale)].mean()


def test_an_unrelated_image_does_not_line_up_and_reports_no_regions():
    unrelated = Image.new("RGB", (900, 1200), (30, 120, 200))
    ImageDraw.Draw(unrelated).ellipse((100, 100, 800, 1100), fill=(240, 200, 40))

    result = compare_with_original(unrelated, original_png())

    assert not result.aligned
    assert result.alignment == "none"
    assert result.changed_regions == []
    assert result.phash_distance > 15
    assert not result.matches_original


def test_original_can_be_given_as_an_image():
    result = compare_with_original(resave_jpeg(original(), 80), original())

    assert result.matches_original
    assert result.original_size == SIZE


# --- registration quality --------------------------------------------------------------------------


def curled(img: Image.Image, amplitude: float) -> Image.Image:
    """A page that is not flat (curled paper, a cheap lens): rows and columns displaced by a smooth
    wave of `amplitude` pixels, which no homography can undo."""
    import cv2

    w, h = img.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    map_x = xx + np.float32(amplitude) * np.sin(yy / h * 3 * np.pi)
    map_y = yy + np.float32(amplitude) * np.sin(xx / w * 3 * np.pi)
    rgb = cv2.remap(
        np.asarray(img.convert("RGB")), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return Image.fromarray(rgb)


def test_a_well_registered_copy_has_a_residual_within_the_threshold():
    result = compare_with_original(resave_jpeg(rotate(original(), 1.5), 85), original_png())

    assert result.registered_well
    assert result.residual_px is not None and result.residual_px <= MAX_RESIDUAL_PX


def test_a_curled_page_is_not_registered_well_enough_to_compare_pixels():
    result = compare_with_original(resave_jpeg(curled(original(), 6), 85), original_png())

    assert not result.registered_well
    assert result.residual_px is None or result.residual_px > MAX_RESIDUAL_PX
