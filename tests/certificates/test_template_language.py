"""A template's language and date format (issue P.3): the fixed words and the dates print in it."""

import datetime as dt

import pypdfium2
import pytest

from certificates.rendering.layout import resolve_layout
from certificates.rendering.render import RenderInput, _plan, printed_date, render_pdf
from certificates.rendering.words import LANGUAGES, format_date


def _input(**changes) -> RenderInput:
    values = dict(
        organization_name="Northfield University",
        recipient_name="Maria Garcia",
        title="Data Analytics",
        issue_date=dt.date(2026, 6, 30),
        expiry_date=None,
        grade="A",
        credential_id="CV-7KQ2-M9XD-4HPA-T3BN-G",
        qr_text="https://certverify.example/verify/CV-7KQ2-M9XD-4HPA-T3BN-G/?p=AAAA",
    )
    return RenderInput(**{**values, **changes})


def _printed(layout: dict) -> list[str]:
    return [op.text for op in _plan(_input(), resolve_layout(layout)) if hasattr(op, "text")]


@pytest.mark.parametrize(
    "language, heading, issued",
    [
        ("en", "Certificate of Completion", "Issued: 30 June 2026"),
        ("hi", "पूर्णता प्रमाणपत्र", "जारी: 30 जून 2026"),
        ("es", "Certificado de finalización", "Emitido: 30 de junio de 2026"),
        ("fr", "Certificat de réussite", "Délivré le : 30 juin 2026"),
        ("ar", "شهادة إتمام", "تاريخ الإصدار: 30 يونيو 2026"),
        ("zh", "结业证书", "颁发日期：2026年6月30日"),
    ],
)
def test_fixed_words_and_dates_print_in_the_templates_language(language, heading, issued):
    printed = _printed({"language": language, "date_format": "long"})
    assert heading in printed and issued in printed


def test_words_the_issuer_wrote_stay_as_written_and_numeric_formats_are_chosen():
    printed = _printed({"language": "fr", "elements": {"heading": {"text": "Diplôme d’honneur"}}})
    assert "Diplôme d’honneur" in printed and "Délivré le : 2026-06-30" in printed  # ISO stays the default
    assert format_date(dt.date(2026, 6, 3), "dmy") == "03/06/2026"
    assert format_date(dt.date(2026, 6, 3), "mdy") == "06/03/2026"
    assert format_date(dt.date(2026, 6, 1), "long", "fr") == "1er juin 2026"
    assert (
        printed_date(dt.date(2026, 6, 30), {"language": "es", "date_format": "long"}) == "30 de junio de 2026"
    )
    assert set(LANGUAGES) == {"en", "hi", "es", "fr", "ar", "zh"}


def test_a_hindi_certificates_pdf_is_searchable_in_hindi():
    pdf = render_pdf(_input(layout={"language": "hi", "date_format": "long"}))
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "पूर्णता प्रमाणपत्र" in text and "30 जून 2026" in text


def test_the_primary_colour_colours_the_text_set_in_it_unless_an_element_says_otherwise():
    layout = resolve_layout({"colors": {"primary": "#7a1f2b"}, "elements": {"title": {"color": "#000000"}}})
    assert (
        layout["elements"]["heading"]["color"] == "#7a1f2b"
        and layout["elements"]["org_name"]["color"] == "#7a1f2b"
    )
    assert layout["elements"]["title"]["color"] == "#000000"
    assert (
        layout["elements"]["recipient_name"]["color"] == "#141414"
    )  # not in the primary colour to begin with
