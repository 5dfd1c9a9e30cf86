"""The layout parts the visual designer writes: several signatories and the style of each element
(issue P.1), validated field by field and rendered; a layout written before signatories could be
several still renders exactly as it did."""

import datetime as dt
import hashlib
import io

import pypdfium2
import pytest
from PIL import Image

from certificates.rendering.layout import layout_schema_errors, resolve_layout
from certificates.rendering.render import RenderInput, render_pdf, render_png

BLUE, GREEN = (20, 20, 160), (20, 140, 40)
TWO_SIGNATORIES = {
    "elements": {
        "signature": {"name": "Dr. Jane Roe", "label": "Dean of Studies"},
        "signature_2": {"x": 1040, "y": 1150, "width": 400, "name": "Prof. Amal Idris", "label": "Rector"},
    }
}


def _input(layout, **changes) -> RenderInput:
    values = dict(
        organization_name="Northwind University",
        recipient_name="Grace Hopper",
        title="BSc Mathematics",
        issue_date=dt.date(2026, 6, 30),
        expiry_date=None,
        grade=None,
        credential_id="CV-TEST-0000-0000-0000-0",
        qr_text="https://example.org/verify/CV-TEST",
        layout=layout,
        signature_image=Image.new("RGB", (300, 100), BLUE),
        logo=Image.new("RGB", (200, 200), (200, 20, 20)),
    )
    return RenderInput(**{**values, **changes})


def _pdf_text(pdf: bytes) -> str:
    return pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


# --- validation -------------------------------------------------------------------------------------


def test_a_layout_may_have_up_to_three_signatories_each_with_name_and_role():
    three = {"elements": {**TWO_SIGNATORIES["elements"], "signature_3": {"x": 1040, "y": 1320, "name": "C"}}}
    assert layout_schema_errors(TWO_SIGNATORIES) == []
    assert layout_schema_errors(three) == []
    assert resolve_layout(three)["elements"]["signature_3"]["width"] == 330  # defaults fill the rest


def test_a_layout_without_added_signatories_resolves_exactly_as_before():
    resolved = resolve_layout({"elements": {"signature": {"name": "Dr. Jane Roe"}}})
    assert [name for name in resolved["elements"] if name.startswith("signature")] == ["signature"]


@pytest.mark.parametrize(
    ("element", "error"),
    [
        ({"signature_4": {"name": "D"}}, "elements.signature_4: unknown element"),
        ({"signature_2": {"width": 10}}, "elements.signature_2.width: must be between 50 and 2000"),
        ({"signature_2": {"name": "N" * 121}}, "elements.signature_2.name: must be text of at most 120"),
        ({"signature_2": {"name": 7}}, "elements.signature_2.name: must be text of at most 120"),
        ({"signature_2": {"color": "blue"}}, "elements.signature_2.color: must be a colour like #1f3a5f"),
        ({"signature_2": {"x": -5}}, "elements.signature_2.x: must be between 0 and 2000"),
        ({"signature_2": {"font": "serif"}}, "elements.signature_2.font: unknown setting"),
        (
            {"recipient_name": {"color": "red"}},
            "elements.recipient_name.color: must be a colour like #1f3a5f",
        ),
        ({"recipient_name": {"color": "#12345"}}, "elements.recipient_name.color: must be a colour"),
        ({"title": {"font": "comic-sans"}}, "elements.title.font: must be one of serif, serif-bold"),
        ({"title": {"size": 500}}, "elements.title.size: must be between 12 and 300"),
        ({"title": {"size": "big"}}, "elements.title.size: must be a number"),
        ({"title": {"max_width": 20}}, "elements.title.max_width: must be between 50 and 2000"),
        ({"grade": {"align": "justify"}}, "elements.grade.align: must be left, center or right"),
        ({"grade": {"visible": "no"}}, "elements.grade.visible: must be true or false"),
        ({"logo": {"width": 5}}, "elements.logo.width: must be between 20 and 2000"),
        ({"recipient_name": {"visible": False}}, "elements.recipient_name.visible: this element is needed"),
    ],
)
def test_bad_signatory_and_style_values_get_an_error_naming_the_field(element, error):
    errors = layout_schema_errors({"elements": element})
    assert any(message.startswith(error) for message in errors), errors


# --- rendering --------------------------------------------------------------------------------------


def test_two_signatories_print_both_names_roles_and_signature_images():
    inp = _input(TWO_SIGNATORIES, signature_images={"signature_2": Image.new("RGB", (300, 100), GREEN)})
    text = _pdf_text(render_pdf(inp))
    for words in ("Dr. Jane Roe", "Dean of Studies", "Prof. Amal Idris", "Rector"):
        assert words in text
    png = Image.open(io.BytesIO(render_png(inp))).convert("RGB")
    assert png.getpixel((210 + 220, 1150 - 70)) == BLUE  # the first signatory's image over its line
    assert png.getpixel((1040 + 200, 1150 - 70)) == GREEN  # the second's over its own


def test_a_second_signatory_leaves_the_first_exactly_as_it_was():
    alone = Image.open(
        io.BytesIO(render_png(_input({"elements": {"signature": TWO_SIGNATORIES["elements"]["signature"]}})))
    )
    both = Image.open(io.BytesIO(render_png(_input(TWO_SIGNATORIES))))
    first_block = (180, 1000, 680, 1250)
    assert alone.crop(first_block).tobytes() == both.crop(first_block).tobytes()
    assert alone.crop((1000, 1000, 1460, 1250)).tobytes() != both.crop((1000, 1000, 1460, 1250)).tobytes()


# The PNG of an old single-signature layout, taken with the renderer as it was before signatories
# could be several (commit e7470a8), on the fonts the Dockerfile and CI install (DejaVu, Noto) and
# the pinned Pillow. If a deliberate rendering change moves it, every issued certificate would
# re-render differently: re-take it only knowingly.
SINGLE_SIGNATURE_PNG_SHA256 = "c25bb04db80884c1c01ad39bafc51455a746f2387e791589e9d154018cec15d0"


def test_an_old_single_signature_layout_renders_byte_identically_to_before():
    layout = {"elements": {"signature": {"name": "Dr. Jane Roe", "label": "Dean of Studies"}}}
    assert hashlib.sha256(render_png(_input(layout))).hexdigest() == SINGLE_SIGNATURE_PNG_SHA256
