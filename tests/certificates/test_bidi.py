"""Lines that mix scripts are ordered by the Unicode Bidirectional Algorithm (certificates/rendering/
bidi.py): an Arabic label before a Latin credential id sits to its right, in the PNG and the PDF,
while lines in one direction render exactly as before."""

import datetime as dt

import pypdfium2
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from certificates.rendering import bidi, fonts
from certificates.rendering.render import RenderInput, TextOp, _paint_text, render_pdf

LABEL, ID = "رقم الشهادة", "CV-2026-0042"
MIXED = f"{LABEL}: {ID}"  # the credential line of an Arabic certificate
SIZE = 40


def _line(text: str, align: str, x: float, family: str = "serif") -> Image.Image:
    image = Image.new("L", (1000, 120), 255)
    _paint_text(ImageDraw.Draw(image), TextOp(text, family, SIZE, "#000000", x, 80, align))
    return image


def _ink(image: Image.Image) -> tuple[int, int, int, int]:
    return ImageChops.invert(image).getbbox()


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("Ada Lovelace", [0] * 12),
        ("محمد علي", [1] * 8),
        (MIXED, [1] * 13 + [2] * 12),  # the colon and space between take the paragraph's direction
        ("Ada محمد", [0] * 4 + [1] * 4),
        ("العدد 42", [1] * 6 + [2] * 2),  # a number in Arabic text keeps its own order
        ("Grade: A ", [0] * 9),
        ("محمد ", [1] * 5),  # trailing space at the paragraph level
    ],
)
def test_embedding_levels_follow_the_first_strong_character(text, levels):
    assert bidi.embedding_levels(text) == levels


def test_runs_are_reversed_by_level():
    assert bidi.visual_order([0, 0, 0]) == [0, 1, 2]
    assert bidi.visual_order([1, 1, 2]) == [2, 1, 0]  # the Latin id first on the line, then the label
    assert bidi.visual_order([0, 1, 1, 0]) == [0, 2, 1, 3]
    assert bidi.visual_order([1, 2, 2, 1]) == [3, 1, 2, 0]


def test_an_arabic_label_sits_to_the_right_of_the_latin_id_it_introduces():
    assert features.check("raqm"), "Pillow needs libraqm to shape complex scripts (docs/rendering.md)"
    assert len(fonts.font_runs(MIXED, "serif")) == 2  # Naskh for the label, DejaVu for ": CV-…"
    left_aligned, right_aligned = _line(MIXED, "left", 20), _line(MIXED, "right", 980)
    # Drawn alone where the line starts, the id matches the line's leftmost ink exactly ...
    alone = _line(ID, "left", 20)
    id_box = _ink(alone)
    assert _ink(left_aligned)[0] == id_box[0]
    assert ImageChops.difference(left_aligned.crop(id_box), alone.crop(id_box)).getbbox() is None
    # ... and the label, drawn alone where the line ends, matches its rightmost ink.
    label = _line(LABEL, "right", 980)
    label_box = _ink(label)
    assert _ink(right_aligned)[2] == label_box[2]
    assert ImageChops.difference(right_aligned.crop(label_box), label.crop(label_box)).getbbox() is None
    width = _ink(left_aligned)[2] - _ink(left_aligned)[0]
    assert label_box[0] > 980 - width + (id_box[2] - id_box[0])  # right of the id, as one line


def test_one_font_draws_the_same_mixed_line_in_the_same_order():
    """DejaVu Sans has Arabic too, so there libraqm orders the whole line itself: ours agrees."""
    assert len(fonts.font_runs(MIXED, "sans")) == 1
    ours, raqm = _line(MIXED, "left", 20), _line(MIXED, "left", 20, "sans")
    assert _ink(ours)[0] == _ink(raqm)[0] == _ink(_line(ID, "left", 20))[0]


def _drawn_as_before(text: str, family: str) -> Image.Image:
    """The drawing before bidi ordering: each font run in turn, left to right, shaped by libraqm."""
    image = Image.new("L", (1000, 120), 255)
    draw, x = ImageDraw.Draw(image), 20
    for run, path in fonts.font_runs(text, family):
        font = ImageFont.truetype(path, SIZE)
        draw.text((x, 80), run, font=font, fill=0, anchor="ls")
        x += font.getlength(run)
    return image


@pytest.mark.parametrize(
    "text", ["Ada Lovelace", "Anil अनिल Kumar", "王小明 Wang", "محمد علي", "أحمد حسن"], ids=str
)
def test_lines_in_one_direction_render_exactly_as_before(text):
    assert ImageChops.difference(_line(text, "left", 20), _drawn_as_before(text, "serif")).getbbox() is None


def test_the_pdf_text_layer_finds_the_label_and_the_id():
    pdf = render_pdf(
        RenderInput(
            organization_name="Northfield University",
            recipient_name="محمد علي",
            title="Data Analytics",
            issue_date=dt.date(2026, 6, 30),
            expiry_date=None,
            grade=None,
            credential_id=ID,
            qr_text=f"https://certverify.example/verify/{ID}/?p=AAAA",
            layout={"language": "ar", "elements": {"credential_id": {"font": "serif"}}},
        )
    )
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "محمد علي" in text and f"{LABEL}:" in text  # Arabic reads back in logical order
    # pdfium's own reordering of a line that mixes directions moves the id's "CV" prefix behind its
    # numbers ("-2026-0042CV"); each part stays searchable (docs/rendering.md).
    assert "CV" in text.split(LABEL)[1] and "2026-0042" in text
