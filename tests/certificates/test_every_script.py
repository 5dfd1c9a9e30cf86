"""Names in every script people have print with real glyphs, shaped and in their direction, in the
PNG and in the PDF's text layer; what cannot be printed is refused before issuing (issue P.2)."""

import datetime as dt

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from certificates.models import Certificate
from certificates.rendering import fonts
from certificates.rendering.layout import DEFAULT_LAYOUT
from certificates.rendering.render import RenderInput, TextOp, _paint_text, render_pdf
from tests.conftest import auth_client

# Two different names of the same length per script.
NAMES = {
    "devanagari": ("अनिल कुमार", "अमित शर्मा"),
    "tamil": ("முருகன் ராஜா", "செல்வம் ராமு"),
    "bengali": ("অমিত দাস", "অনুপ সেন"),
    "thai": ("สมศรี มีสุข", "วิชัย ดีงาม"),
    "hebrew": ("דוד כהן", "משה לוי"),
    "cyrillic": ("Иван Петров", "Нина Попова"),
    "greek": ("Νίκος Παππάς", "Κώστας Ρήγας"),
    "cjk": ("王小明", "李大伟"),
    "arabic": ("محمد علي", "أحمد حسن"),
}
NAME = DEFAULT_LAYOUT["elements"]["recipient_name"]
UNDRAWABLE = "Ada \u0378"  # an unassigned code point: no font has it


def _drawn(text: str) -> Image.Image:
    """The name as the certificate's painter draws it (its element's font and size), on a strip."""
    image = Image.new("L", (1600, 260), 255)
    _paint_text(
        ImageDraw.Draw(image), TextOp(text, NAME["font"], NAME["size"], "#000000", 800, 170, "center")
    )
    return image


@pytest.mark.parametrize("script", list(NAMES))
def test_a_name_in_each_script_prints_with_real_glyphs_and_is_searchable_in_the_pdf(script):
    first, second = NAMES[script]
    assert len(first) == len(second)
    for name in (first, second):
        for run, path in fonts.font_runs(name, NAME["font"]):  # every character has a glyph: no .notdef
            assert path and all(ord(c) in fonts._cmap(path) for c in run if not c.isspace())
    one, other = _drawn(first), _drawn(second)
    assert ImageChops.difference(one, other).getbbox() is not None  # empty boxes would look alike
    assert ImageChops.invert(one).getbbox() is not None  # ink was drawn

    pdf = render_pdf(
        RenderInput(
            organization_name="Northfield University",
            recipient_name=first,
            title="Data Analytics",
            issue_date=dt.date(2026, 6, 30),
            expiry_date=None,
            grade=None,
            credential_id="CV-7KQ2-M9XD-4HPA-T3BN-G",
            qr_text="https://certverify.example/verify/CV-7KQ2-M9XD-4HPA-T3BN-G/?p=AAAA",
        )
    )
    assert first in pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


def test_arabic_is_shaped_right_to_left_with_joined_letters():
    assert features.check("raqm"), "Pillow needs libraqm to shape complex scripts (docs/rendering.md)"
    name = NAMES["arabic"][0]
    ((_run, path),) = fonts.font_runs(name, NAME["font"])
    font = ImageFont.truetype(path, NAME["size"])
    shaped = Image.new("L", (1600, 260), 255)
    ImageDraw.Draw(shaped).text((800, 170), name, font=font, fill=0, anchor="ms", direction="rtl")
    assert ImageChops.difference(_drawn(name), shaped).getbbox() is None
    # Unshaped, left-to-right and letter by letter (what a renderer without shaping draws), it differs,
    # and the joined word is narrower than its letters set apart.
    basic = ImageFont.truetype(path, NAME["size"], layout_engine=ImageFont.Layout.BASIC)
    unshaped = Image.new("L", (1600, 260), 255)
    ImageDraw.Draw(unshaped).text((800, 170), name, font=basic, fill=0, anchor="ms")
    assert ImageChops.difference(_drawn(name), unshaped).getbbox() is not None
    assert font.getlength("محمد") < sum(font.getlength(letter) for letter in "محمد")


@pytest.mark.django_db
def test_a_name_no_font_can_draw_is_refused_naming_the_field_also_per_row_and_in_the_preview(org, issuer):
    client = auth_client(issuer)
    body = {"organization": org.slug, "title": "MSc", "issue_date": "2026-06-30"}
    refused = client.post("/api/v1/certificates/", {**body, "recipient_name": UNDRAWABLE}, format="json")
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["recipient_name"]
    assert "U+0378" in refused.json()["error"]["fields"]["recipient_name"][0]
    too_long = client.post(
        "/api/v1/certificates/", {**body, "recipient_name": " ".join(["Maximiliana"] * 16)}, format="json"
    )
    assert (
        too_long.status_code == 400
        and "Too long to print" in too_long.json()["error"]["fields"]["recipient_name"][0]
    )
    assert not Certificate.objects.exists()

    csv = f"recipient_name,title,issue_date\n{UNDRAWABLE},MSc,2026-06-30\n王小明,MSc,2026-06-30\n".encode()
    preview = client.post(
        "/api/v1/certificates/bulk-preview/",
        {"organization": org.slug, "file": SimpleUploadedFile("c.csv", csv)},
        format="multipart",
    ).json()
    assert (
        preview["summary"]["ready"] == 1
        and preview["error_rows"][0]["errors"][0]["column"] == "recipient_name"
    )


def test_the_seal_carries_the_issuers_name_never_ours():
    from certificates.rendering.background import seal_text
    from certificates.rendering.render import render_image

    assert seal_text("Northfield University") == "NORTHFIELD UNIVERSITY \u2022 "
    assert (
        seal_text("The Very Long Named Institute of Advanced Studies in Engineering")
        == "TVLNIOASIE \u2022 " * 2
    )
    assert seal_text("جامعة القاهرة") == ""  # letters set one by one cannot join: the ring stays plain
    seal = DEFAULT_LAYOUT["elements"]["seal"]
    box = (
        seal["x"] - seal["size"] // 2,
        seal["y"] - seal["size"] // 2,
        seal["x"] + seal["size"] // 2,
        seal["y"],
    )
    seals = [
        render_image(
            RenderInput(
                name, "Ada Lovelace", "MSc", dt.date(2026, 6, 30), None, None, "CV-7KQ2-M9XD-4HPA-T3BN-G", "x"
            )
        ).crop(box)
        for name in ("Northfield University", "Southgate College")
    ]
    assert ImageChops.difference(*seals).getbbox() is not None


@pytest.mark.django_db
def test_a_template_change_never_changes_an_issued_certificates_rendering(org, admin_user):
    from certificates.designs.services import template_update
    from certificates.lifecycle.services import certificate_issue
    from certificates.models import CertificateTemplate
    from certificates.rendering.services import certificate_render
    from organizations.access import Actor

    actor = Actor(user=admin_user)
    template = CertificateTemplate.objects.create(
        organization=org, name="Gold", layout={"elements": {"heading": {"text": "Diploma"}}}
    )
    certificate = certificate_issue(
        actor=actor,
        organization=org,
        recipient_name="Ada",
        title="MSc",
        issue_date=dt.date(2026, 6, 30),
        template=template,
    )
    before = certificate_render(certificate=certificate, force=True).image.read()
    template_update(
        actor=actor, template=template, layout={"elements": {"heading": {"text": "Something else"}}}
    )
    certificate.refresh_from_db()
    after = certificate_render(certificate=certificate, force=True).image.read()
    assert certificate.template_version["layout"]["elements"]["heading"]["text"] == "Diploma"
    assert before == after
