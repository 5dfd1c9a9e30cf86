"""Free texts (issue P.1): up to three elements with the issuer's own words, placed and styled like
the fixed heading; validated field by field (some words, not too many, every character drawable)
and printed. A layout without them resolves and renders as before."""

import datetime as dt
import io

import pypdfium2
import pytest
from PIL import Image, ImageChops

from certificates.rendering.layout import layout_schema_errors, resolve_layout
from certificates.rendering.render import RenderInput, layout_text_problems, render_pdf, render_png

WORDS = "Awarded with distinction by the Faculty Board"
ONE_TEXT = {"elements": {"text_1": {"x": 1000, "y": 1330, "size": 34, "color": "#8a1c1c", "text": WORDS}}}


def _input(layout) -> RenderInput:
    return RenderInput(
        organization_name="Northwind University",
        recipient_name="Grace Hopper",
        title="BSc Mathematics",
        issue_date=dt.date(2026, 6, 30),
        expiry_date=None,
        grade=None,
        credential_id="CV-TEST-0000-0000-0000-0",
        qr_text="https://example.org/verify/CV-TEST",
        layout=layout,
    )


def _png(layout) -> Image.Image:
    return Image.open(io.BytesIO(render_png(_input(layout)))).convert("RGB")


# --- validation -------------------------------------------------------------------------------------


def test_up_to_three_free_texts_are_valid_and_take_their_defaults_for_what_they_omit():
    layout = {"elements": {name: {"text": f"Words {name}"} for name in ("text_1", "text_2", "text_3")}}
    assert layout_schema_errors(layout) == []
    resolved = resolve_layout(layout)["elements"]
    assert resolved["text_3"]["text"] == "Words text_3"
    assert resolved["text_3"]["align"] == "left" and resolved["text_1"]["font"] == "sans"


def test_a_layout_without_free_texts_resolves_without_them():
    assert not [name for name in resolve_layout({})["elements"] if name.startswith("text_")]


@pytest.mark.parametrize(
    ("element", "error"),
    [
        ({"text_4": {"text": "Four"}}, "elements.text_4: unknown element"),
        ({"text_1": {"text": "   "}}, "elements.text_1.text: write the words to print"),
        ({"text_1": {"text": ""}}, "elements.text_1.text: write the words to print"),
        ({"text_1": {"text": 42}}, "elements.text_1.text: write the words to print"),
        ({"text_1": {"text": "w" * 301}}, "elements.text_1.text: must be at most 300 characters"),
        ({"text_1": {"text": "Private \ue000 use"}}, "elements.text_1.text: No installed font can draw"),
        ({"text_2": {"size": 4}}, "elements.text_2.size: must be between 12 and 300"),
        ({"text_2": {"font": "comic"}}, "elements.text_2.font: must be one of"),
        ({"text_2": {"color": "red"}}, "elements.text_2.color: must be a colour like #1f3a5f"),
        ({"text_2": {"align": "justify"}}, "elements.text_2.align: must be left, center or right"),
        ({"text_2": {"y": 9000}}, "elements.text_2.y: must be between 0 and 1414"),
        ({"text_2": {"visible": "yes"}}, "elements.text_2.visible: must be true or false"),
        ({"text_3": {"width": 300}}, "elements.text_3.width: unknown setting"),
    ],
)
def test_bad_free_text_values_get_an_error_naming_the_field(element, error):
    errors = layout_schema_errors({"elements": element})
    assert any(message.startswith(error) for message in errors), errors


def test_a_free_text_may_be_longer_than_a_fixed_text_but_the_fixed_ones_keep_their_cap():
    assert layout_schema_errors({"elements": {"text_1": {"text": "w " * 100}}}) == []
    errors = layout_schema_errors({"elements": {"heading": {"text": "w " * 100}}})
    assert errors == ["elements.heading.text: must be text of at most 120 characters"]


def test_a_free_text_too_long_for_its_box_on_two_lines_is_a_problem_naming_it():
    words = "Awarded with distinction " * 10  # 250 characters
    assert layout_text_problems({"elements": {"text_1": {"text": words}}}) == []  # 1200 px: two lines
    narrow = {"elements": {"text_1": {"text": words, "max_width": 400}}}
    (problem,) = layout_text_problems(narrow)
    assert problem.startswith("elements.text_1.text: too long to print")
    assert (
        layout_text_problems({"elements": {"text_1": {**narrow["elements"]["text_1"], "visible": False}}})
        == []
    )


# --- rendering --------------------------------------------------------------------------------------


def test_a_free_text_prints_its_words_where_it_is_placed_and_nothing_else_changes():
    pdf = pypdfium2.PdfDocument(render_pdf(_input(ONE_TEXT)))
    assert WORDS in pdf[0].get_textpage().get_text_range()
    without, with_text = _png({}), _png(ONE_TEXT)
    changed = ImageChops.difference(without, with_text).getbbox()
    assert changed is not None
    left, top, right, bottom = changed
    assert 1290 <= top and bottom <= 1345  # only the text's line, around its baseline
    assert left < 1000 < right  # centred on its x
    assert (138, 28, 28) in {colour for _, colour in with_text.crop(changed).getcolors(1 << 16)}


def test_a_hidden_free_text_prints_nothing():
    hidden = {"elements": {"text_1": {**ONE_TEXT["elements"]["text_1"], "visible": False}}}
    assert _png(hidden).tobytes() == _png({}).tobytes()


def test_a_free_texts_words_change_the_certificate():
    other = {"elements": {"text_1": {**ONE_TEXT["elements"]["text_1"], "text": "Awarded with honours"}}}
    assert _png(other).tobytes() != _png(ONE_TEXT).tobytes()


# --- extra images -----------------------------------------------------------------------------------

ORANGE = (230, 120, 20)


def test_up_to_two_extra_images_are_valid_boxes_with_defaults():
    layout = {"elements": {"image_1": {"x": 100, "y": 100}, "image_2": {"width": 300, "height": 120}}}
    assert layout_schema_errors(layout) == []
    assert resolve_layout(layout)["elements"]["image_2"]["x"] == 1610


@pytest.mark.parametrize(
    ("element", "error"),
    [
        ({"image_3": {"x": 10}}, "elements.image_3: unknown element"),
        ({"image_1": {"width": 5}}, "elements.image_1.width: must be between 20 and 2000"),
        ({"image_1": {"height": "tall"}}, "elements.image_1.height: must be a number"),
        ({"image_1": {"x": 1900, "width": 300}}, "elements.image_1: the image must lie entirely inside"),
        ({"image_2": {"visible": 1}}, "elements.image_2.visible: must be true or false"),
        ({"image_2": {"color": "#000000"}}, "elements.image_2.color: unknown setting"),
    ],
)
def test_bad_extra_image_values_get_an_error_naming_the_field(element, error):
    errors = layout_schema_errors({"elements": element})
    assert any(message.startswith(error) for message in errors), errors


def test_an_extra_image_is_fitted_into_its_box_and_without_a_file_nothing_is_drawn():
    layout = {"elements": {"image_1": {"x": 700, "y": 900, "width": 200, "height": 100}}}
    picture = Image.new("RGB", (400, 400), ORANGE)  # square: fitted to 100 x 100, centred in the box
    inp = _input(layout)
    inp.element_images = {"image_1": picture}
    png = Image.open(io.BytesIO(render_png(inp))).convert("RGB")
    assert png.getpixel((800, 950)) == ORANGE
    assert png.getpixel((720, 950)) != ORANGE  # outside the fitted square, inside the box
    assert ImageChops.difference(png, _png({})).getbbox() == (750, 900, 850, 1000)
    assert _png(layout).tobytes() == _png({}).tobytes()
