import copy
import datetime as dt
import io

import imagehash
import pypdfium2
import pytest
from PIL import Image

from certificates.rendering import fonts
from certificates.rendering import layout as layout_module
from certificates.rendering.layout import DEFAULT_LAYOUT, LayoutError, layout_schema_errors
from certificates.rendering.render import RenderInput, perceptual_hash, render_pdf, render_png

QR_TEXT = "https://certverify.example.com/verify/CV-7KQ2-M9XD-4HPA-T3BN-G/?p=" + "A" * 380 + "." + "B" * 103


def _input(**changes) -> RenderInput:
    values = dict(
        organization_name="Northfield University",
        recipient_name="Maria Garcia",
        title="Data Analytics Fundamentals",
        issue_date=dt.date(2025, 1, 15),
        expiry_date=dt.date(2028, 1, 15),
        grade="Distinction",
        credential_id="CV-7KQ2-M9XD-4HPA-T3BN-G",
        qr_text=QR_TEXT,
    )
    return RenderInput(**{**values, **changes})


def _pdf_text(pdf_bytes: bytes) -> str:
    page = pypdfium2.PdfDocument(pdf_bytes)[0]
    return page.get_textpage().get_text_range()


def _pdf_x_extent(pdf_bytes: bytes, needle: str) -> tuple[float, float]:
    """Left and right edge (points) of the characters of ``needle`` on the page."""
    textpage = pypdfium2.PdfDocument(pdf_bytes)[0].get_textpage()
    start = textpage.get_text_range().index(needle)
    boxes = [textpage.get_charbox(i) for i in range(start, start + len(needle)) if needle[i - start] != " "]
    return min(box[0] for box in boxes), max(box[2] for box in boxes)


def _relative_luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.fixture(scope="module")
def png_bytes():
    return render_png(_input())


@pytest.fixture(scope="module")
def pdf_bytes():
    return render_pdf(_input())


def test_png_is_a_landscape_certificate_at_canvas_size(png_bytes):
    image = Image.open(io.BytesIO(png_bytes))
    assert image.format == "PNG"
    assert image.size == (2000, 1414)


def test_pdf_is_one_a4_landscape_page_with_certverify_metadata(pdf_bytes):
    document = pypdfium2.PdfDocument(pdf_bytes)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (842, 595)
    metadata = document.get_metadata_dict()
    assert metadata["Producer"] == "CertVerify"
    assert metadata["Title"] == "Data Analytics Fundamentals \u2013 Maria Garcia"
    assert metadata["Author"] == "Northfield University"


def test_pdf_text_is_selectable_and_carries_every_printed_field(pdf_bytes):
    text = _pdf_text(pdf_bytes)
    for expected in (
        "Northfield University",
        "Certificate of Completion",
        "Maria Garcia",
        "Data Analytics Fundamentals",
        "Grade: Distinction",
        "Issued: 2025-01-15",
        "Valid until: 2028-01-15",
        "Credential ID: CV-7KQ2-M9XD-4HPA-T3BN-G",
    ):
        assert expected in text


def test_missing_expiry_and_grade_are_left_out():
    text = _pdf_text(render_pdf(_input(expiry_date=None, grade=None)))
    assert "Valid until" not in text and "Grade" not in text
    assert "Issued: 2025-01-15" in text


def test_long_date_format_prints_month_names():
    text = _pdf_text(render_pdf(_input(layout={"date_format": "long"}, issue_date="2025-03-01")))
    assert "Issued: 1 March 2025" in text


def test_perceptual_hash_is_stable_for_the_same_input(png_bytes):
    assert perceptual_hash(render_png(_input())) == perceptual_hash(png_bytes)
    assert len(perceptual_hash(png_bytes)) == 16


@pytest.mark.parametrize("name", ["Ada Lovelace", "Jonathan Whitmore-Castellanos"])
def test_perceptual_hash_is_imagehash_phash(name):
    png = render_png(_input(recipient_name=name))
    assert perceptual_hash(png) == str(imagehash.phash(Image.open(io.BytesIO(png)).convert("RGB")))


def test_perceptual_hash_differs_for_a_different_name(png_bytes):
    other = perceptual_hash(render_png(_input(recipient_name="Jonathan Whitmore-Castellanos")))
    assert imagehash.hex_to_hash(other) - imagehash.hex_to_hash(perceptual_hash(png_bytes)) > 0


def test_pdf_and_png_renderings_look_alike(pdf_bytes, png_bytes):
    raster = pypdfium2.PdfDocument(pdf_bytes)[0].render(scale=2000 / 842).to_pil()
    distance = imagehash.phash(raster.convert("RGB")) - imagehash.phash(Image.open(io.BytesIO(png_bytes)))
    assert distance <= 6


def test_a_very_long_name_is_shrunk_or_wrapped_to_stay_inside_its_box():
    name = "Maria Fernanda Alejandra García-López de la Vega y Montenegro-Castellanos"
    pdf = render_pdf(_input(recipient_name=name))
    scale = 842 / 2000
    box = DEFAULT_LAYOUT["elements"]["recipient_name"]
    left, right = (box["x"] - box["max_width"] / 2) * scale, (box["x"] + box["max_width"] / 2) * scale
    for word in ("Maria", "Montenegro-Castellanos"):
        word_left, word_right = _pdf_x_extent(pdf, word)
        assert left - 1 <= word_left and word_right <= right + 1


def test_text_colours_are_dark_on_light_paper_for_ocr():
    paper = _relative_luminance(DEFAULT_LAYOUT["colors"]["paper"])
    for name, element in DEFAULT_LAYOUT["elements"].items():
        if "color" in element:
            contrast = (paper + 0.05) / (_relative_luminance(element["color"]) + 0.05)
            assert contrast >= 7, name  # WCAG AAA for body text


def test_template_background_image_replaces_the_drawn_one():
    background = Image.new("RGB", (1000, 707), "#336699")
    image = Image.open(io.BytesIO(render_png(_input(background=background))))
    assert image.getpixel((5, 5)) == (0x33, 0x66, 0x99)


def test_uploaded_layout_overrides_only_what_it_names():
    layout = {"elements": {"qr": {"x": 100, "y": 100}}, "colors": {"primary": "#003300"}}
    image = Image.open(io.BytesIO(render_png(_input(layout=layout))))
    assert image.getpixel((102, 102)) == (255, 255, 255)  # the QR's white quiet zone moved there
    assert (
        layout_module.resolve_layout(layout)["elements"]["qr"]["size"]
        == DEFAULT_LAYOUT["elements"]["qr"]["size"]
    )


def test_rendering_refuses_an_invalid_layout():
    with pytest.raises(LayoutError) as raised:
        render_png(_input(layout={"elements": {"qr": {"x": 99999}}}))
    assert raised.value.errors == ["elements.qr.x: must be between 0 and 2000"]


def test_default_and_empty_layouts_are_valid():
    assert layout_schema_errors({}) == []
    assert layout_schema_errors(copy.deepcopy(DEFAULT_LAYOUT)) == []


@pytest.mark.parametrize(
    "layout, error",
    [
        ([], "layout: must be an object"),
        ({"paper_size": "A4"}, "paper_size: unknown setting"),
        ({"elements": {"watermark": {"x": 1}}}, "elements.watermark: unknown element"),
        ({"elements": {"title": {"rotation": 5}}}, "elements.title.rotation: unknown setting"),
        ({"elements": {"title": {"x": -5}}}, "elements.title.x: must be between 0 and 2000"),
        ({"elements": {"title": {"y": 1500}}}, "elements.title.y: must be between 0 and 1414"),
        ({"elements": {"title": {"size": 4}}}, "elements.title.size: must be between 12 and 300"),
        ({"elements": {"title": {"size": True}}}, "elements.title.size: must be a number"),
        ({"elements": {"title": {"color": "red"}}}, "elements.title.color: must be a colour like #1f3a5f"),
        ({"elements": {"title": {"font": "comic"}}}, "elements.title.font: must be one of"),
        (
            {"elements": {"title": {"align": "justify"}}},
            "elements.title.align: must be left, center or right",
        ),
        (
            {"elements": {"heading": {"text": "x" * 500}}},
            "elements.heading.text: must be text of at most 120",
        ),
        ({"elements": {"qr": {"x": 1800}}}, "elements.qr: the QR code must lie entirely inside the canvas"),
        ({"elements": {"qr": {"size": 60}}}, "elements.qr.size: must be between 150 and 707"),
        (
            {"elements": {"credential_id": {"visible": False}}},
            "elements.credential_id.visible: this element is needed",
        ),
        ({"colors": {"paper": "#fff"}}, "colors.paper: must be a colour like #1f3a5f"),
        ({"canvas": {"width": 100}}, "canvas.width: must be between 800 and 6000"),
        ({"date_format": "us"}, "date_format: must be one of 'iso', 'long', 'dmy', 'mdy'"),
    ],
)
def test_layout_errors_name_the_field_and_the_rule(layout, error):
    errors = layout_schema_errors(layout)
    assert any(e.startswith(error) for e in errors), errors


def test_optional_elements_can_be_hidden():
    layout = {"elements": {"seal": {"visible": False}, "grade": {"visible": False}}}
    assert layout_schema_errors(layout) == []
    assert "Grade" not in _pdf_text(render_pdf(_input(layout=layout)))


@pytest.fixture
def no_installed_fonts(monkeypatch):
    caches = (
        fonts._installed_fonts,
        fonts.font_path,
        fonts.pil_font,
        fonts.pdf_font,
        fonts.font_chain,
        fonts.pil_font_file,
        fonts.pdf_font_file,
    )
    for cache in caches:
        cache.cache_clear()
    monkeypatch.setattr(fonts, "FONT_DIRS", [])
    monkeypatch.setattr(fonts, "_fc_match", lambda family: None)
    yield
    for cache in caches:
        cache.cache_clear()


def test_fonts_are_found_at_run_time():
    path = fonts.font_path("serif-bold")
    assert path is not None and path.endswith((".ttf", ".otf"))


def test_rendering_falls_back_to_built_in_fonts_when_none_are_installed(no_installed_fonts):
    assert fonts.font_path("serif") is None
    assert Image.open(io.BytesIO(render_png(_input()))).size == (2000, 1414)
    assert "Maria Garcia" in _pdf_text(render_pdf(_input()))


def test_names_are_printed_on_one_line_as_hashed():
    text = _pdf_text(
        render_pdf(_input(recipient_name="  Maria\n  Garcia ", title="Data\tAnalytics  Fundamentals"))
    )
    assert "Maria Garcia" in text and "Data Analytics Fundamentals" in text
